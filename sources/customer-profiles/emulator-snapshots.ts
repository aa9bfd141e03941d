/*
 * Customer Profiles' segment snapshots in the emulator. CreateSegmentSnapshot answers a
 * `SnapshotId` and takes the fault rules meant for the new snapshot (`job-fail`,
 * `job-stuck`, `job-pending`, `truncate-export`). A snapshot is IN_PROGRESS for
 * `snapshotSeconds` on the emulator's clock; the first time it is seen past that
 * (GetSegmentSnapshot, the state, an S3 request) it ends: FAILED when a `job-fail` fault
 * marked it, when its role contains `no-trust` or when the destination bucket does not
 * exist; otherwise it writes the segment's profiles under the DestinationUri and is COMPLETED.
 */

import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultKind } from '../emulator/faults.ts';
import { parseS3Url } from '../emulator/protocol.ts';
import { type DataFormat, EXTENSIONS, planParts, renderPart, segmentMembers } from './emulator-data.ts';
import { definitionOf, domainOf } from './emulator-domains.ts';
import {
  type ProfilesContext,
  type SegmentSnapshotRecord,
  type SegmentSnapshotView,
  snapshotView,
} from './emulator-store.ts';
import { optionalString, profilesErrors } from './emulator-wire.ts';

const SNAPSHOT_ID = /^[a-f0-9]{32}$/;
const ROLE_ARN = /^arn:aws:iam:.*:[0-9]+:.*$/;
const DATA_FORMATS: readonly DataFormat[] = ['JSONL', 'CSV', 'ORC'];

/** CreateSegmentSnapshot: the new snapshot's id, and the `create-then-500` rule that loses the answer, if one matched. */
export function createSnapshot(
  ctx: ProfilesContext,
  params: Record<string, string>,
  body: Record<string, unknown>,
): { snapshotId: string; lost?: { kind: FaultKind; message?: string } } {
  const domain = domainOf(ctx, params);
  const definition = definitionOf(domain, params);
  const format = body.DataFormat;
  if (format === undefined) throw profilesErrors.badRequest('DataFormat is required');
  if (!DATA_FORMATS.includes(format as DataFormat)) {
    throw profilesErrors.badRequest(`DataFormat must be one of ${DATA_FORMATS.join(', ')}`);
  }
  const encryptionKey = optionalString(body, 'EncryptionKey', 0, 255);
  const roleArn = optionalString(body, 'RoleArn', 0, 512);
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw profilesErrors.badRequest('RoleArn must match arn:aws:iam:.*:[0-9]+:.*');
  }
  const destinationUri = optionalString(body, 'DestinationUri', 1, 255);
  if (destinationUri === undefined) {
    throw profilesErrors.badRequest(
      'DestinationUri is required when the request is not submitted from the Amazon Connect admin website',
    );
  }
  const location = parseS3Url(destinationUri);
  if (!location) {
    throw profilesErrors.badRequest('DestinationUri must be an s3:// URI with a valid bucket name');
  }
  const created = ctx.now();
  const snapshotId = createHash('sha256')
    .update(`${domain.name}:${definition.name}:snapshot:${ctx.store.snapshots.length + 1}:${created}`)
    .digest('hex')
    .slice(0, 32);
  const context = { service: 'customer-profiles' as const, operation: 'CreateSegmentSnapshot' };
  const outcomeRules = ctx.faults.take(context, ['job-fail', 'job-stuck', 'job-pending', 'truncate-export']);
  const failRule = outcomeRules.find((rule) => rule.kind === 'job-fail');
  const pendingSeconds = outcomeRules.find((rule) => rule.kind === 'job-pending')?.pendingSeconds ?? 0;
  const record: SegmentSnapshotRecord = {
    snapshotId,
    domainName: domain.name,
    segmentDefinitionName: definition.name,
    dataFormat: format as DataFormat,
    ...(encryptionKey !== undefined ? { encryptionKey } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    destinationUri,
    bucket: location.bucket,
    keyPrefix: location.keyPrefix,
    createdAtMs: created,
    dueAtMs: created + (ctx.options.snapshotSeconds + pendingSeconds) * 1000,
    profileCount: domain.profileCount,
    ...(failRule
      ? {
          failWith:
            failRule.message ??
            `Segment snapshot failed: an internal error stopped the export of segment ${definition.name}`,
        }
      : {}),
    ...(outcomeRules.some((rule) => rule.kind === 'job-stuck') ? { stuck: true } : {}),
    ...(outcomeRules.some((rule) => rule.kind === 'truncate-export') ? { dropLastPart: true } : {}),
    files: [],
  };
  ctx.store.snapshots.push(record);
  // create-then-500: the snapshot exists, but the caller never learns its id (a lost answer).
  const lost = ctx.faults.take(context, ['create-then-500'], true)[0];
  return {
    snapshotId,
    ...(lost ? { lost: { kind: lost.kind, ...(lost.message ? { message: lost.message } : {}) } } : {}),
  };
}

/** GetSegmentSnapshot: the snapshot, ended first if it is due. */
export async function getSnapshot(
  ctx: ProfilesContext,
  params: Record<string, string>,
): Promise<SegmentSnapshotView> {
  const domain = domainOf(ctx, params);
  const definition = definitionOf(domain, params);
  const id = params.SnapshotId ?? '';
  if (!SNAPSHOT_ID.test(id))
    throw profilesErrors.badRequest('SnapshotId must be 32 lowercase hex characters');
  const record = ctx.store.snapshots.find(
    (s) => s.snapshotId === id && s.domainName === domain.name && s.segmentDefinitionName === definition.name,
  );
  if (!record) throw profilesErrors.notFound(`Snapshot ${id} not found`);
  await endSnapshot(ctx, record);
  return snapshotView(record);
}

/** Ends a snapshot that is due: decides FAILED or writes its files and COMPLETES. Once. */
export function endSnapshot(ctx: ProfilesContext, record: SegmentSnapshotRecord): Promise<void> {
  if (record.ending) return record.ending;
  if (record.stuck || ctx.now() < record.dueAtMs) return Promise.resolve();
  record.ending = (async () => {
    const failure = await failureOf(ctx, record);
    if (failure !== undefined) {
      record.outcome = { status: 'FAILED', message: failure };
      return;
    }
    await writeParts(ctx, record);
    record.outcome = { status: 'COMPLETED' };
  })();
  return record.ending;
}

/** Why the snapshot fails, or undefined when it can be written. */
async function failureOf(ctx: ProfilesContext, record: SegmentSnapshotRecord): Promise<string | undefined> {
  if (record.failWith !== undefined) return record.failWith;
  if (record.roleArn?.includes('no-trust')) {
    // Our wording: the service assumes the role only when it writes.
    return `Unable to assume role ${record.roleArn}: check that its trust policy allows profile.amazonaws.com`;
  }
  const exists = await stat(join(ctx.s3Root, record.bucket)).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (exists) return undefined;
  // Our wording: AWS does not document the StatusMessage of a failed write.
  const destination = `s3://${record.bucket}/${record.keyPrefix ? `${record.keyPrefix}/` : ''}`;
  return `Failed to write the snapshot to ${destination}: the bucket ${record.bucket} does not exist`;
}

/** Writes the segment's profiles directly under the destination, in parts of about `profilesPerFile`. */
async function writeParts(ctx: ProfilesContext, record: SegmentSnapshotRecord): Promise<void> {
  const members = segmentMembers(record.segmentDefinitionName, record.profileCount);
  const perFile = record.dropLastPart
    ? Math.min(ctx.options.profilesPerFile, Math.max(1, Math.ceil(members.length / 2)))
    : ctx.options.profilesPerFile;
  const planned = planParts(members, perFile);
  // An export cut short: every part is named "of N", but the last one never lands.
  const parts = record.dropLastPart && planned.length > 1 ? planned.slice(0, -1) : planned;
  const dir = join(ctx.s3Root, record.bucket, ...record.keyPrefix.split('/').filter(Boolean));
  await mkdir(dir, { recursive: true });
  for (const [p, indexes] of parts.entries()) {
    const name = `${record.snapshotId}_part-${String(p + 1).padStart(5, '0')}-of-${String(planned.length).padStart(5, '0')}.${EXTENSIONS[record.dataFormat]}`;
    const file = join(dir, name);
    await writeFile(file, renderPart(record.domainName, indexes, record.dataFormat));
    record.files.push(file);
  }
  if (record.dataFormat !== 'ORC') record.records = members.length;
}
