import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Outcome, retriesOf } from './harness.ts';
import { record } from './matrix.ts';
import { profilesInput, type SourceStack, startSourceStack } from './source-stack.ts';

/*
 * The whole workflow for a Customer Profiles target: the deployed ASL on the local engine,
 * the real handlers, CreateSegmentSnapshot / GetSegmentSnapshot over HTTP to the emulator.
 * The API reports no counts, so every count asserted here is the emulator's own (the
 * snapshot it recorded, the lines of the files it wrote), never one copied from a summary.
 */

let stack: SourceStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const CREATE = 'CreateSegmentSnapshot';

/** Lines of the snapshot's JSONL files, as the emulator wrote them. */
function linesOf(files: readonly string[]): number {
  return files
    .map((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length)
    .reduce((a, b) => a + b, 0);
}

function snapshotsOf(s: SourceStack) {
  return s.emulator.state.profiles.snapshots;
}

describe('a Customer Profiles run through the whole workflow', () => {
  it('COMPLETES with TotalProcessed equal to the profiles the snapshot wrote, verdict COUNTED', async ({
    task,
  }) => {
    stack = await startSourceStack();

    const result = await stack.run(profilesInput());

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshots.length);
    record(task, 'customer-profiles: snapshot COMPLETED', expected, observed);
    expect(observed).toEqual(expected);
    const [snapshot] = snapshots;
    const written = snapshot?.records;
    expect(written).toBeGreaterThan(0);
    expect(linesOf(snapshot?.files ?? [])).toBe(written);
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({
      status: 'COMPLETED',
      source: 'customer-profiles',
      jobId: snapshot?.snapshotId,
      jobReused: false,
      TotalProcessed: written,
    });
    expect(summary?.verification).toMatchObject({
      verdict: 'COUNTED',
      records: written,
      files: snapshot?.files.length,
    });
    expect(summary?.headline).toContain(`segment ${snapshot?.segmentDefinitionName}`);
  });

  it('publishes FAILED with the StatusMessage in Failures and the headline when the snapshot fails', async ({
    task,
  }) => {
    const reason = 'Segment snapshot failed: the export role may no longer write to the bucket';
    stack = await startSourceStack({
      faults: [{ kind: 'job-fail', service: 'customer-profiles', message: reason, count: 1 }],
    });

    const result = await stack.run(profilesInput());

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'FAILED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshots.length);
    record(task, 'customer-profiles: snapshot FAILED', expected, observed);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportJobFailed');
    // The emulator's own record of how the snapshot ended.
    const message = snapshots[0]?.outcome?.message;
    expect(snapshots[0]?.outcome?.status).toBe('FAILED');
    expect(message).toBe(reason);
    const summary = stack.published()[0]?.summary;
    expect(summary).toMatchObject({ status: 'FAILED', jobStatus: 'FAILED', jobId: snapshots[0]?.snapshotId });
    expect(summary?.Failures).toEqual([message]);
    expect(summary?.headline).toContain(message);
    expect(summary?.verification ?? null).toBeNull();
  });

  it("publishes MISMATCH naming the part that never landed when a snapshot's files are cut short", async ({
    task,
  }) => {
    stack = await startSourceStack({
      faults: [{ kind: 'truncate-export', service: 'customer-profiles', count: 1 }],
    });

    const result = await stack.run(profilesInput());

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'MISMATCH',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshots.length);
    record(task, 'customer-profiles: last part missing (truncate-export)', expected, observed);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportVerificationMismatch');
    const summary = stack.published()[0]?.summary;
    expect(summary?.verification?.verdict).toBe('MISMATCH');
    expect(summary?.verification?.note).toMatch(
      /_part-00002-of-00002\.jsonl is missing: the job's other files name it as one of its parts/,
    );
  });

  it('retries a throttled CreateSegmentSnapshot in the ASL and COMPLETES with one snapshot', async ({
    task,
  }) => {
    stack = await startSourceStack({
      faults: [{ kind: 'throttle', service: 'customer-profiles', operation: CREATE, count: 2 }],
    });

    const result = await stack.run(profilesInput());

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 3,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshots.length);
    record(task, 'customer-profiles: CreateSegmentSnapshot throttled twice', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count(CREATE, 429)).toBe(2);
    // Not the SDK (the create client sends once): the state machine's retrier, twice.
    expect(retriesOf(result, 'CreateExportJob')).toBe(2);
    expect(stack.published()[0]?.summary).toMatchObject({
      jobId: snapshots[0]?.snapshotId,
      TotalProcessed: snapshots[0]?.records,
    });
  });

  it('publishes ERROR "domain not found" with advice and starts no snapshot for an unknown domain', async ({
    task,
  }) => {
    stack = await startSourceStack();
    const domain = 'no-such-domain';
    expect(stack.emulator.state.profiles.domains.has(domain)).toBe(false);

    const result = await stack.run(profilesInput({ DomainName: domain }));

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'ERROR',
      createCalls: 1,
      jobs: 0,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshotsOf(stack).length);
    record(task, 'customer-profiles: unknown domain', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count(CREATE, 404)).toBe(1);
    const summary = stack.published()[0]?.summary;
    expect(summary?.error).toMatchObject({
      name: 'SourceRequestRejectedError',
      reason: 'domain not found',
      advice: expect.stringContaining('aws customer-profiles list-domains'),
    });
    expect(summary?.jobId).toBeNull();
    expect(summary?.headline).toContain('domain not found');
  });

  it('refuses to retry a CreateSegmentSnapshot whose answer was lost: ERROR "snapshot start unconfirmed", claim released', async ({
    task,
  }) => {
    stack = await startSourceStack({
      faults: [{ kind: 'create-then-500', service: 'customer-profiles', operation: CREATE, count: 1 }],
    });
    const input = profilesInput();

    const result = await stack.run(input);

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'ERROR',
      createCalls: 1,
      // The snapshot did start: the emulator has it, the workflow could not learn its id.
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshotsOf(stack).length);
    record(
      task,
      'customer-profiles: CreateSegmentSnapshot answer lost (500 after create)',
      expected,
      observed,
    );
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    const summary = stack.published()[0]?.summary;
    expect(summary?.error).toMatchObject({
      name: 'SourceRequestRejectedError',
      reason: 'snapshot start unconfirmed',
      message: expect.stringMatching(/may or may not have started/),
    });
    // It says why it did not retry, and where to look.
    expect(summary?.error?.advice).toMatch(/does not retry a create whose answer was lost/);
    expect(summary?.error?.advice).toContain(snapshotsOf(stack)[0]?.destinationUri);
    // The claim is released: no job recorded, no live claim, the run ended in ERROR.
    const [item, ...others] = await stack.ledger();
    expect(others).toEqual([]);
    expect(item?.jobId).toBeUndefined();
    expect(item?.claimExpiresAt).toBe(0);
    expect(item?.outcome?.status).toBe('ERROR');

    // So the advised re-run of the same scheduled run starts at once, without waiting on a claim.
    const again = await stack.run(input);

    expect(again.status).toBe('SUCCEEDED');
    expect(retriesOf(again, 'CreateExportJob')).toBe(0);
    expect(snapshotsOf(stack)).toHaveLength(2);
    expect(stack.published()[1]?.summary).toMatchObject({
      status: 'COMPLETED',
      jobId: snapshotsOf(stack)[1]?.snapshotId,
    });
  });
});

describe('the same Customer Profiles run delivered twice', () => {
  it('starts one snapshot when both executions start at the same moment; both summaries name it', async ({
    task,
  }) => {
    stack = await startSourceStack({
      // A slow create keeps the first execution's claim open, so the second finds the run claimed.
      faults: [{ kind: 'delay', service: 'customer-profiles', operation: CREATE, delayMs: 300, count: 1 }],
    });
    const input = profilesInput();

    const results = await Promise.all([stack.start(input).result, stack.start(input).result]);

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 2,
    };
    const observed = stack.outcome(results, CREATE, snapshots.length);
    record(task, 'customer-profiles: duplicate run, concurrent', expected, observed);
    expect(observed).toEqual(expected);
    const summaries = stack.published().map((p) => p.summary);
    const id = snapshots[0]?.snapshotId;
    expect(summaries.map((s) => s.jobId)).toEqual([id, id]);
    expect(summaries.map((s) => s.jobReused).sort()).toEqual([false, true]);
    expect(summaries.map((s) => s.TotalProcessed)).toEqual([snapshots[0]?.records, snapshots[0]?.records]);
    const [item] = await stack.ledger();
    expect(item?.jobId).toBe(id);
  });

  it("reuses the recorded snapshot when the create function's answer is lost after it recorded the job", async ({
    task,
  }) => {
    stack = await startSourceStack({ loseAnswer: { state: 'CreateExportJob', times: 1 } });

    const result = await stack.run(profilesInput());

    const snapshots = snapshotsOf(stack);
    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result], CREATE, snapshots.length);
    record(task, "customer-profiles: create function's answer lost", expected, observed);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(1);
    const [item] = await stack.ledger();
    expect(item?.jobId).toBe(snapshots[0]?.snapshotId);
    expect(stack.published()[0]?.summary).toMatchObject({
      jobId: snapshots[0]?.snapshotId,
      jobReused: true,
      TotalProcessed: snapshots[0]?.records,
    });
  });
});
