import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DescribeContinuousBackupsCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { changeItems, LOCAL_TABLE, LOCAL_TABLE_ITEMS } from '../../dev/local/source-inputs.ts';
import { exportIdOf } from '../../sources/dynamodb/describe.ts';
import { type Outcome, retriesOf } from './harness.ts';
import { record } from './matrix.ts';
import { dynamoInput, type SourceStack, startSourceStack } from './source-stack.ts';

/*
 * The whole workflow for a DynamoDB target: the deployed ASL on the local engine, the real
 * handlers, DescribeContinuousBackups / ExportTableToPointInTime / DescribeExport over HTTP
 * to the emulator. Counts asserted come from the emulator (a Scan of the table, ListExports
 * and DescribeExport, the files it wrote), never from the summary under test.
 */

let stack: SourceStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const START = 'ExportTableToPointInTime';
const TABLE = 'fault-orders';
/** Not a round number, so a count from anywhere else would not match by chance. */
const ITEMS = 437;

/** The items the table holds, counted by DynamoDB itself. */
async function itemsIn(s: SourceStack, table: string): Promise<number> {
  const answer = await s.dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
  return answer.Count ?? -1;
}

/** One export's data lines, read from the files its manifest-files.json names, in the emulator's S3 folder. */
function exportLines(dataDir: string, bucket: string, prefix: string, exportArn: string): unknown[] {
  const s3 = join(dataDir, 's3', bucket);
  const manifest = readFileSync(
    // DynamoDB puts the `/` after the prefix (which is sent without one).
    join(s3, `${prefix === '' ? '' : `${prefix}/`}AWSDynamoDB/${exportIdOf(exportArn)}/manifest-files.json`),
    'utf8',
  );
  return manifest
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const { dataFileS3Key } = JSON.parse(line) as { dataFileS3Key: string };
      return gunzipSync(readFileSync(join(s3, dataFileS3Key)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as unknown);
    });
}

describe('a DynamoDB run through the whole workflow', () => {
  it('COMPLETES a full export with TotalProcessed = ItemCount = the items in the table, VERIFIED', async ({
    task,
  }) => {
    stack = await startSourceStack({ tables: [{ name: TABLE, items: ITEMS }] });
    const inTable = await itemsIn(stack, TABLE);

    const result = await stack.run(dynamoInput(TABLE));

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], START, exports.length);
    record(task, 'dynamodb: full export COMPLETED', expected, observed);
    expect(observed).toEqual(expected);
    const [described] = exports;
    expect(described).toMatchObject({
      ExportStatus: 'COMPLETED',
      ExportType: 'FULL_EXPORT',
      ItemCount: inTable,
    });
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({
      status: 'COMPLETED',
      source: 'dynamodb',
      jobId: described?.ExportArn,
      TotalProcessed: inTable,
    });
    expect(summary?.verification).toMatchObject({ verdict: 'VERIFIED', records: inTable, expected: inTable });
    const lines = exportLines(
      stack.dataDir,
      described?.S3Bucket ?? '',
      described?.S3Prefix ?? '',
      described?.ExportArn ?? '',
    );
    expect(lines).toHaveLength(inTable);
  });

  it('publishes FAILED with the FailureCode and FailureMessage in Failures when the export fails', async ({
    task,
  }) => {
    stack = await startSourceStack({
      tables: [{ name: TABLE, items: ITEMS }],
      faults: [{ kind: 'job-fail', service: 'dynamodb', count: 1 }],
    });

    const result = await stack.run(dynamoInput(TABLE));

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'FAILED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], START, exports.length);
    record(task, 'dynamodb: export FAILED', expected, observed);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportJobFailed');
    const [described] = exports;
    expect(described?.ExportStatus).toBe('FAILED');
    expect(described?.FailureCode).toBeTruthy();
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({ status: 'FAILED', jobId: described?.ExportArn });
    expect(summary?.Failures).toEqual([`${described?.FailureCode}: ${described?.FailureMessage}`]);
    expect(summary?.headline).toContain(`${described?.FailureCode}`);
  });

  it('publishes ERROR "point-in-time recovery not enabled" with the update-continuous-backups fix, no export', async ({
    task,
  }) => {
    const table = 'orders-without-pitr';
    stack = await startSourceStack({ tables: [{ name: table, items: 25, pitr: false }] });
    const backups = await stack.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
    expect(
      backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    ).toBe('DISABLED');

    const result = await stack.run(dynamoInput(table));

    const exports = await stack.exportsOf(table);
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'ERROR',
      createCalls: 0,
      jobs: 0,
      messages: 1,
    };
    const observed = stack.outcome([result], START, exports.length);
    record(task, 'dynamodb: point-in-time recovery off', expected, observed);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    const summary = stack.published()[0]?.summary;
    expect(summary?.error).toMatchObject({
      name: 'SourceRequestRejectedError',
      reason: 'point-in-time recovery not enabled',
    });
    expect(summary?.error?.advice).toContain(
      `aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`,
    );
    // A refused run releases its claim.
    const [item] = await stack.ledger();
    expect(item).toMatchObject({ claimExpiresAt: 0, outcome: { status: 'ERROR' } });
  });

  it('COMPLETES with one export when ExportTableToPointInTime is throttled twice', async ({ task }) => {
    stack = await startSourceStack({
      tables: [{ name: TABLE, items: ITEMS }],
      faults: [{ kind: 'throttle', service: 'dynamodb', operation: START, count: 2 }],
      sdkMaxAttempts: 1,
    });

    const result = await stack.run(dynamoInput(TABLE));

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 3,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], START, exports.length);
    record(task, 'dynamodb: ExportTableToPointInTime throttled twice', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count(START, 400)).toBe(2);
    expect(retriesOf(result, 'CreateExportJob')).toBe(2);
    expect(stack.published()[0]?.summary).toMatchObject({
      jobId: exports[0]?.ExportArn,
      TotalProcessed: exports[0]?.ItemCount,
    });
  });

  it('recovers from a lost ExportTableToPointInTime answer with the same ClientToken: one export', async ({
    task,
  }) => {
    stack = await startSourceStack({
      tables: [{ name: TABLE, items: ITEMS }],
      faults: [{ kind: 'create-then-500', service: 'dynamodb', operation: START, count: 1 }],
      // The SDK would resend the same request itself: the state machine's retry is the one under test.
      sdkMaxAttempts: 1,
    });

    const result = await stack.run(dynamoInput(TABLE));

    const exports = await stack.exportsOf(TABLE);
    const starts = stack.emulator.state.count(START);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 2,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], START, exports.length);
    record(task, 'dynamodb: ExportTableToPointInTime answer lost (500 after create)', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count(START, 500)).toBe(1);
    expect(starts).toBe(2);
    // The state machine ran the create again; its start carried the same ClientToken, so DynamoDB
    // answered with the export the lost answer had started instead of starting a second one.
    expect(retriesOf(result, 'CreateExportJob')).toBe(1);
    expect(stack.published()[0]?.summary).toMatchObject({
      status: 'COMPLETED',
      jobId: exports[0]?.ExportArn,
      TotalProcessed: exports[0]?.ItemCount,
    });
  });
});

describe('the same DynamoDB run delivered twice', () => {
  it('starts one export when both executions start at the same moment; both summaries name it', async ({
    task,
  }) => {
    stack = await startSourceStack({
      tables: [{ name: TABLE, items: ITEMS }],
      faults: [{ kind: 'delay', service: 'dynamodb', operation: START, delayMs: 300, count: 1 }],
    });
    const input = dynamoInput(TABLE);

    const results = await Promise.all([stack.start(input).result, stack.start(input).result]);

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 2,
    };
    const observed = stack.outcome(results, START, exports.length);
    record(task, 'dynamodb: duplicate run, concurrent', expected, observed);
    expect(observed).toEqual(expected);
    const summaries = stack.published().map((p) => p.summary);
    const arn = exports[0]?.ExportArn;
    expect(summaries.map((s) => s.jobId)).toEqual([arn, arn]);
    expect(summaries.map((s) => s.jobReused).sort()).toEqual([false, true]);
  });
});

describe('incremental DynamoDB exports', () => {
  it('an incremental target: the full first run, then exactly the 10 items changed in between; coverage moves forward in the ledger', async ({
    task,
  }) => {
    stack = await startSourceStack({ tables: [{ name: LOCAL_TABLE, items: LOCAL_TABLE_ITEMS }] });
    const seeded = await itemsIn(stack, LOCAL_TABLE);
    const incrementalInput = (scheduledTime: string) =>
      dynamoInput(LOCAL_TABLE, { ExportType: 'INCREMENTAL_EXPORT', ScheduledTime: scheduledTime });

    // The first run of the target, scheduled an hour ago: a full export as of 15 minutes before that.
    const firstRun = await stack.run(incrementalInput(new Date(Date.now() - 3_600_000).toISOString()), {
      name: 'incremental-1',
    });
    // Changes half an hour ago on the emulator's clock: between the two runs' ends.
    stack.setClockShift(-1_800_000);
    const changes = await changeItems(stack.emulator.url, LOCAL_TABLE);
    stack.setClockShift(0);
    const secondRun = await stack.run(incrementalInput(new Date().toISOString()), { name: 'incremental-2' });
    const [firstSummary, secondSummary] = stack.published().map((p) => p.summary);
    const result = { status: secondRun.status, summary: secondSummary };
    const first = { status: firstRun.status, summary: firstSummary };

    const exports = (await stack.exportsOf(LOCAL_TABLE)).sort(
      (a, b) => (a.StartTime?.getTime() ?? 0) - (b.StartTime?.getTime() ?? 0),
    );
    record(
      task,
      'dynamodb: incremental demo (full, 10 changes, incremental)',
      'SUCCEEDED,SUCCEEDED | COMPLETED,COMPLETED | exports 2 | items 10',
      `${first?.status},${result.status} | ${first?.summary?.status},${result.summary?.status} | exports ${exports.length} | items ${result.summary?.TotalProcessed}`,
    );
    expect([first?.status, result.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect([first?.summary?.status, result.summary?.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(exports.map((e) => e.ExportType)).toEqual(['FULL_EXPORT', 'INCREMENTAL_EXPORT']);
    const [full, incremental] = exports;
    expect(first?.summary).toMatchObject({ jobId: full?.ExportArn, TotalProcessed: seeded });

    // The incremental export's own files: 5 items added (new image only), 3 updated (both), 2 deleted (old only).
    const lines = exportLines(
      stack.dataDir,
      incremental?.S3Bucket ?? '',
      incremental?.S3Prefix ?? '',
      incremental?.ExportArn ?? '',
    ) as { OldImage?: unknown; NewImage?: unknown }[];
    const kinds = {
      added: lines.filter((l) => l.NewImage && !l.OldImage).length,
      updated: lines.filter((l) => l.NewImage && l.OldImage).length,
      deleted: lines.filter((l) => !l.NewImage && l.OldImage).length,
    };
    expect(kinds).toEqual(changes);
    expect(kinds).toEqual({ added: 5, updated: 3, deleted: 2 });
    expect(incremental?.ItemCount).toBe(lines.length);
    expect(result.summary).toMatchObject({
      jobId: incremental?.ExportArn,
      TotalProcessed: lines.length,
      verification: { verdict: 'VERIFIED', records: lines.length },
    });

    // The ledger: run 2 continues where run 1 stopped, and covers up to later.
    const runs = (await stack.ledger()).sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
    expect(runs).toHaveLength(2);
    const [one, two] = runs;
    expect(one?.target).toBe(two?.target);
    expect(one?.outcome?.coveredUntil).toBe(full?.ExportTime?.toISOString());
    expect(two?.outcome?.coveredUntil).toBe(
      incremental?.IncrementalExportSpecification?.ExportToTime?.toISOString(),
    );
    expect(incremental?.IncrementalExportSpecification?.ExportFromTime?.toISOString()).toBe(
      one?.outcome?.coveredUntil,
    );
    expect(Date.parse(two?.outcome?.coveredUntil ?? '')).toBeGreaterThan(
      Date.parse(one?.outcome?.coveredUntil ?? ''),
    );
  });

  it('a MISMATCH night does not move the coverage: the next run exports that window again, so the covered timeline has no gap', async ({
    task,
  }) => {
    stack = await startSourceStack({ tables: [{ name: LOCAL_TABLE, items: LOCAL_TABLE_ITEMS }] });
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const incrementalInput = (scheduledTime: string) =>
      dynamoInput(LOCAL_TABLE, { ExportType: 'INCREMENTAL_EXPORT', ScheduledTime: scheduledTime });

    // Night 1: the target's first run, a full export (covers up to 75 minutes ago).
    await stack.run(incrementalInput(minutesAgo(60)), { name: 'night-1' });
    // Changes 60 minutes ago: inside night 2's window.
    stack.setClockShift(-60 * 60_000);
    await changeItems(stack.emulator.url, LOCAL_TABLE);
    stack.setClockShift(0);
    // Night 2: its export is cut short (the files hold fewer items than ItemCount): MISMATCH.
    stack.emulator.faults.add({ kind: 'truncate-export', service: 'dynamodb', count: 1 });
    const night2 = await stack.run(incrementalInput(minutesAgo(35)), { name: 'night-2' });
    // Night 3, a normal run.
    const night3 = await stack.run(incrementalInput(minutesAgo(10)), { name: 'night-3' });

    const [, second, third] = stack.published().map((p) => p.summary);
    const runs = (await stack.ledger()).sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
    const [one, two, three] = runs;
    record(
      task,
      'dynamodb: a MISMATCH night, then the next (coverage)',
      'SUCCEEDED,FAILED,SUCCEEDED | MISMATCH,COMPLETED | from night 1',
      `SUCCEEDED,${night2.status},${night3.status} | ${second?.status},${third?.status} | from ${
        third?.details?.ExportFromTime === one?.outcome?.coveredUntil
          ? 'night 1'
          : third?.details?.ExportFromTime
      }`,
    );
    expect([night2.status, night3.status]).toEqual(['FAILED', 'SUCCEEDED']);
    expect([second?.status, third?.status]).toEqual(['MISMATCH', 'COMPLETED']);
    expect(two?.outcome).toMatchObject({ status: 'MISMATCH' });
    // The MISMATCH night recorded no coverage and is not a good night in the ledger's index.
    expect(two?.outcome?.coveredUntil).toBeUndefined();
    expect(two?.goodTarget).toBeUndefined();
    expect(one?.goodTarget).toBe(one?.target);
    // Night 3 starts where the last verified window (night 1's) ended: night 2's window is exported again.
    expect(third?.details?.ExportFromTime).toBe(one?.outcome?.coveredUntil);
    expect(three?.outcome?.coveredUntil).toBe(third?.details?.ExportToTime);
    // And it holds the items changed in night 2's window: 5 added, 3 updated, 2 deleted.
    expect(third?.TotalProcessed).toBe(10);
    expect(third?.verification).toMatchObject({ verdict: 'VERIFIED', records: 10 });
  });

  it('ends COMPLETED with "Nothing exported" when the window since the last run is under 15 minutes', async ({
    task,
  }) => {
    stack = await startSourceStack({ tables: [{ name: TABLE, items: ITEMS }] });
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const incremental = { ExportType: 'INCREMENTAL_EXPORT' };

    const first = await stack.run(
      dynamoInput(TABLE, { ...incremental, ScheduledTime: at(now - 10 * 60_000) }),
    );
    const second = await stack.run(dynamoInput(TABLE, { ...incremental, ScheduledTime: at(now) }));

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 2,
    };
    const observed = stack.outcome([first, second], START, exports.length);
    record(task, 'dynamodb: incremental run 10 min after the last (skipped)', expected, observed);
    expect(observed).toEqual(expected);
    const [base, skipped] = stack.published().map((p) => p.summary);
    expect(base).toMatchObject({ jobId: exports[0]?.ExportArn, TotalProcessed: await itemsIn(stack, TABLE) });
    expect(skipped?.headline).toMatch(
      /^Nothing exported for table fault-orders \(incremental\): .*15-minute/,
    );
    expect(skipped?.TotalProcessed).toBe(0);
    // The coverage does not move: the next run starts where the full export stopped.
    const runs = (await stack.ledger()).sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
    expect(runs.map((r) => r.outcome?.coveredUntil)).toEqual([
      exports[0]?.ExportTime?.toISOString(),
      exports[0]?.ExportTime?.toISOString(),
    ]);
  });
});
