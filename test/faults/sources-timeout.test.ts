import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from './harness.ts';
import { record } from './matrix.ts';
import { dynamoInput, profilesInput, type SourceStack, startSourceStack } from './source-stack.ts';

/*
 * A job of another source that never ends: the run stops waiting at its deadline and
 * publishes TIMED_OUT, in the source's own words, with one job started (the emulator's
 * job-stuck fault for the source's service).
 */

let stack: SourceStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const TABLE = 'orders-stuck';

describe('a job that never ends, for the other sources', () => {
  it('Customer Profiles: TIMED_OUT at the deadline, the snapshot still IN_PROGRESS', async ({ task }) => {
    stack = await startSourceStack({
      deadlineSeconds: 4,
      faults: [{ kind: 'job-stuck', service: 'customer-profiles', count: 1 }],
    });

    const result = await stack.run(profilesInput());

    const snapshots = stack.emulator.state.profiles.snapshots;
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'TIMED_OUT',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], 'CreateSegmentSnapshot', snapshots.length);
    record(task, 'customer-profiles: snapshot never ends (TIMED_OUT)', expected, observed);
    expect(observed).toEqual(expected);
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({
      status: 'TIMED_OUT',
      source: 'customer-profiles',
      jobStatus: 'PROCESSING',
    });
    expect(summary?.headline).toMatch(
      /^The Customer Profiles export \w+ of segment .* did not finish in time: last seen PROCESSING/,
    );
    expect(summary?.statusChecks).toBeGreaterThan(1);
  });

  it('DynamoDB: TIMED_OUT at the deadline, the export still IN_PROGRESS', async ({ task }) => {
    stack = await startSourceStack({
      deadlineSeconds: 4,
      tables: [{ name: TABLE, items: 30 }],
      faults: [{ kind: 'job-stuck', service: 'dynamodb', count: 1 }],
    });

    const result = await stack.run(dynamoInput(TABLE));

    const exports = await stack.exportsOf(TABLE);
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'TIMED_OUT',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], 'ExportTableToPointInTime', exports.length);
    record(task, 'dynamodb: export never ends (TIMED_OUT)', expected, observed);
    expect(observed).toEqual(expected);
    expect(exports[0]?.ExportStatus).toBe('IN_PROGRESS');
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({ status: 'TIMED_OUT', source: 'dynamodb', TotalProcessed: null });
    expect(summary?.headline).toContain('did not finish in time');
  });
});
