import { createHash } from 'node:crypto';
import {
  asGiven,
  checkS3Url,
  fail,
  optionalEnum,
  optionalString,
  requiredName,
  resolveTemplate,
  timeValues,
} from '../../core/input-rules.ts';
import { parseS3Url } from '../../core/s3-url.ts';
import type { SourceDescription } from '../types.ts';
import {
  DATA_FORMATS,
  KMS_KEY_ARN,
  MAX_DESTINATION_URI_CHARS,
  MAX_ENCRYPTION_KEY_CHARS,
  MAX_ROLE_ARN_CHARS,
  PROFILES_NAME,
  PROFILES_PLACEHOLDERS,
  PROFILES_ROLE_ARN,
} from './names.ts';
import type { ProfilesRequest } from './types.ts';

/*
 * Amazon Connect Customer Profiles segment snapshots (CreateSegmentSnapshot /
 * GetSegmentSnapshot), the successor AWS recommends for Pinpoint's audience data.
 * Validation follows botocore's model (customer-profiles 2020-08-15). The SDK calls
 * are in runtime.ts.
 */

/**
 * A snapshot's file names number its parts, `…_part-00003-of-00004.jsonl`: the parts a listing
 * lacks, named as they would be. Customer Profiles does not document its layout; this reads the
 * names the emulator writes (our assumption) and says nothing of files named otherwise.
 */
export function missingParts(keys: readonly string[]): string[] {
  const part = /^(.*_part-)(\d+)-of-(\d+)(\.[^/]*)$/;
  const groups = new Map<string, { width: number; total: number; suffix: string; seen: Set<number> }>();
  for (const key of keys) {
    const m = part.exec(key);
    if (!m) continue;
    const [, stem, index, total, suffix] = m as unknown as [string, string, string, string, string];
    const id = `${stem}|${total}|${suffix}`;
    const group = groups.get(id) ?? { width: index.length, total: Number(total), suffix, seen: new Set() };
    group.seen.add(Number(index));
    groups.set(id, group);
  }
  const missing: string[] = [];
  for (const [id, g] of groups) {
    const stem = id.slice(0, id.indexOf('|'));
    const of = String(g.total).padStart(g.width, '0');
    for (let i = 1; i <= g.total; i++) {
      if (!g.seen.has(i)) missing.push(`${stem}${String(i).padStart(g.width, '0')}-of-${of}${g.suffix}`);
    }
  }
  return missing;
}

const sha12 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const CUSTOMER_PROFILES: SourceDescription<ProfilesRequest> = {
  id: 'customer-profiles',
  service: 'Customer Profiles',
  inputFields: [
    'DomainName',
    'SegmentDefinitionName',
    'DataFormat',
    'RoleArn',
    'DestinationUri',
    'EncryptionKey',
  ],
  placeholders: PROFILES_PLACEHOLDERS,

  resolve(raw, defaults, scheduledTime) {
    const domain = requiredName(
      raw,
      'DomainName',
      PROFILES_NAME,
      'a Customer Profiles domain name (1-64 of letters, digits, _ -)',
    );
    const segment = requiredName(
      raw,
      'SegmentDefinitionName',
      PROFILES_NAME,
      'a segment definition name (1-64 of letters, digits, _ -)',
    );
    const format = optionalEnum(raw, 'DataFormat', 'DataFormat', DATA_FORMATS, 'JSONL');
    const roleArn = optionalString(raw, 'RoleArn', 'RoleArn') ?? defaults.ProfilesRoleArn;
    if (roleArn === undefined)
      fail(
        'RoleArn',
        'is required: the input has none and the stage configures no Customer Profiles export role',
      );
    if (!PROFILES_ROLE_ARN.test(roleArn) || roleArn.length > MAX_ROLE_ARN_CHARS)
      fail(
        'RoleArn',
        `must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got ${asGiven(roleArn)}`,
      );
    const template = optionalString(raw, 'DestinationUri', 'DestinationUri') ?? defaults.ProfilesDestination;
    if (template === undefined)
      fail(
        'DestinationUri',
        'is required: the input has none and the stage configures no default destination',
      );
    checkS3Url(template, 'DestinationUri', PROFILES_PLACEHOLDERS);
    const destination = resolveTemplate(template, {
      DomainName: domain,
      SegmentDefinitionName: segment,
      ...timeValues(scheduledTime),
    });
    checkS3Url(destination, 'DestinationUri', PROFILES_PLACEHOLDERS, MAX_DESTINATION_URI_CHARS);
    const key = optionalString(raw, 'EncryptionKey', 'EncryptionKey');
    if (key !== undefined && key.length > MAX_ENCRYPTION_KEY_CHARS)
      fail(
        'EncryptionKey',
        `is ${key.length} characters long; at most ${MAX_ENCRYPTION_KEY_CHARS} (the API's limit)`,
      );
    if (key !== undefined && !KMS_KEY_ARN.test(key))
      fail(
        'EncryptionKey',
        `must be a KMS key ARN (arn:aws:kms:region:123456789012:key/id), got ${asGiven(key)}`,
      );
    return {
      Source: 'customer-profiles',
      DomainName: domain,
      SegmentDefinitionName: segment,
      DataFormat: format,
      RoleArn: roleArn,
      DestinationUri: destination,
      ...(key === undefined ? {} : { EncryptionKey: key }),
    };
  },

  identity(request, template) {
    const where = sha12(template);
    return {
      target: [
        'customer-profiles',
        request.DomainName,
        request.SegmentDefinitionName,
        request.DataFormat,
        where,
      ].join('#'),
      name: `${request.DomainName.slice(0, 20)}-${request.SegmentDefinitionName.slice(0, 24)}-${where.slice(0, 6)}`,
    };
  },

  executionLabel(request) {
    return { what: request.SegmentDefinitionName };
  },
  destinationTemplate(raw, defaults) {
    return typeof raw.DestinationUri === 'string' ? raw.DestinationUri : (defaults.ProfilesDestination ?? '');
  },

  /**
   * A snapshot writes its files under the DestinationUri (the emulator: part files
   * directly under it; AWS does not document the layout). The API reports no count: the
   * verification counts the records and the summary's TotalProcessed is that count
   * (verdict COUNTED). Another run of the same day shares the default destination
   * ({date}), so only files written since the snapshot started (less a minute of clock
   * skew) are counted.
   */
  missingFiles: missingParts,

  verification(state) {
    const location = parseS3Url(state.request.DestinationUri);
    if (!location)
      throw new TypeError(
        `DestinationUri is not an s3:// URL: ${state.request.DestinationUri.slice(0, 100)}`,
      );
    const format = state.request.DataFormat;
    return {
      source: 'customer-profiles',
      sourceName: 'Customer Profiles',
      bucket: location.bucket,
      prefix: location.prefix,
      defaultFormat: format === 'CSV' ? 'csv' : format === 'ORC' ? 'binary' : 'ndjson',
      expected: null,
      expectedFrom: 'GetSegmentSnapshot reports no count',
      modifiedSince: new Date(Date.parse(state.job.CreationDate) - 60_000).toISOString(),
      job: {
        id: state.job.Id,
        status: state.job.JobStatus,
        domainName: state.request.DomainName,
        segmentDefinitionName: state.request.SegmentDefinitionName,
        dataFormat: format,
        destinationUri: state.request.DestinationUri,
      },
    };
  },

  words(request) {
    return {
      what: `segment ${request.SegmentDefinitionName} of domain ${request.DomainName}`,
      unit: 'profiles',
      where: request.DestinationUri,
      checkCommand: (jobId) =>
        `aws customer-profiles get-segment-snapshot --domain-name ${request.DomainName} --segment-definition-name ${request.SegmentDefinitionName} --snapshot-id ${jobId}`,
    };
  },

  findsLostJobs: false,
  comparesCounts: () => true,

  rawFacts(raw) {
    const name = (value: unknown) =>
      typeof value === 'string' && PROFILES_NAME.test(value) ? value : 'an invalid name';
    return {
      Source: 'customer-profiles',
      What: `segment ${name(raw.SegmentDefinitionName)} of domain ${name(raw.DomainName)}`,
    };
  },
};
