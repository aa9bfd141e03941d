import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatHistory, historyRowsOf, sparkline } from '../../cli/history.ts';
import {
  createLedgerTable,
  DEFAULT_LEDGER_TABLE,
  ledgerFileOf,
  saveLedgerFile,
  startLocalLedgerServer,
} from '../../dev/emulator/dynamodb.ts';
import type { LedgerItem, RunIdentity } from '../../functions/shared/run-ledger.ts';
import { RunLedger } from '../../functions/shared/run-ledger.ts';
import { harness } from './harness.ts';

/*
 * `npm run export -- history`: the run ledger read back, on AWS (the stack's
 * table, here a real DynamoDB implementation over HTTP) and locally (the
 * ledger local runs keep in their data folder).
 */

const TARGET = 'nightly-all-endpoints';
const run = (day: string, target = TARGET): RunIdentity => ({
  target: `pinpoint#${target}`,
  targetName: target,
  scheduledTime: `2026-11-${day}T02:00:00.000Z`,
  source: 'pinpoint',
});

/**
 * Four nights of one target and one of another, as publish-summary records them: the outcome,
 * what was exported, and the change against the previous good night decided when the summary was built.
 */
async function recordNights(ledger: RunLedger) {
  const nights: [string, string, number | null, { changePercent: number; previousScheduledTime: string }?][] =
    [
      ['24', 'COMPLETED', 50_000],
      ['25', 'COMPLETED', 52_000, { changePercent: 4, previousScheduledTime: '2026-11-24T02:00:00.000Z' }],
      ['26', 'FAILED', 0],
      ['27', 'COMPLETED', 41_600, { changePercent: -20, previousScheduledTime: '2026-11-25T02:00:00.000Z' }],
    ];
  for (const [day, status, records, change] of nights) {
    await ledger.claim(run(day), `exec-${day}`);
    await ledger.recordJob(run(day), `exec-${day}`, `job-${day}`, `2026-11-${day}T02:00:05.000Z`);
    await ledger.recordOutcome(run(day), {
      status,
      jobId: `job-${day}`,
      jobStatus: status,
      totalProcessed: records,
      totalFailures: status === 'FAILED' ? 12 : 0,
      exported: records,
      ...change,
      durationSeconds: 900,
      statusChecks: 10,
      summaryMessageId: `m-${day}`,
      finishedAt: `2026-11-${day}T02:15:05.000Z`,
      headline: status,
      ...(status === 'COMPLETED' ? { verdict: 'VERIFIED' } : {}),
    });
  }
  await ledger.claim(run('27', 'weekly-vip'), 'exec-vip');
}

let server: Awaited<ReturnType<typeof startLocalLedgerServer>>;
let tableName: string;
let tables = 0;
const cloudFormation = mockClient(CloudFormationClient);

beforeAll(async () => {
  server = await startLocalLedgerServer('unused');
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  cloudFormation.reset();
  tableName = `history-${++tables}`;
  await createLedgerTable(server.endpoint, tableName);
  // Each ledger item is claimed "now": keep the start times in night order for the recent index.
  let clock = Date.parse('2026-11-24T02:00:04Z');
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const nextDay = () => {
    clock += 86_400_000;
    return new Date(clock);
  };
  await recordNights(new RunLedger(client, { tableName, now: nextDay }));
  client.destroy();
});

function awsHarness() {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'scheduled-exports-prod',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [{ OutputKey: 'RunLedgerTableName', OutputValue: tableName }],
      },
    ],
  });
  const h = harness({
    // The stack's table is the local DynamoDB here: never real AWS.
    dynamodb: () =>
      new DynamoDBClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
  });
  return h;
}

describe('history rows and their text', () => {
  it('shows the change each run recorded against its previous good run, not one computed from the rows fetched', () => {
    const items = [
      {
        targetName: 'a',
        scheduledTime: '3',
        claimedBy: 'e3',
        outcome: { status: 'COMPLETED', totalProcessed: 90, exported: 90, changePercent: -25 },
      },
      {
        targetName: 'a',
        scheduledTime: '2',
        claimedBy: 'e2',
        outcome: { status: 'MISMATCH', totalProcessed: 100, exported: 100 },
      },
    ] as unknown as LedgerItem[];

    // The good run the first was compared with is not among these rows: the change still shows.
    expect(historyRowsOf(items).map((r) => r.changePercent)).toEqual([-25, null]);
  });

  it('shows what was exported (processed minus failed), also for a run recorded before `exported` existed', () => {
    const items = [
      {
        targetName: 'a',
        scheduledTime: '2',
        claimedBy: 'e2',
        outcome: { status: 'TOO_MANY_FAILURES', totalProcessed: 2_000, totalFailures: 2_000, exported: 0 },
      },
      {
        targetName: 'a',
        scheduledTime: '1',
        claimedBy: 'e1',
        outcome: { status: 'COMPLETED', totalProcessed: 2_000, totalFailures: 3 },
      },
    ] as unknown as LedgerItem[];

    expect(historyRowsOf(items).map((r) => [r.outcome, r.records])).toEqual([
      ['TOO_MANY_FAILURES', 0],
      ['COMPLETED', 1_997],
    ]);
  });

  it('draws the trend oldest to newest between its min and max', () => {
    expect(sparkline([10, 20, null, 30])).toBe('▁▅ █');
    expect(sparkline([7, 7])).toBe('██');
    expect(sparkline([])).toBe('');
  });

  it('says so when a target has no runs', () => {
    expect(formatHistory([], 'nightly')).toMatch(/^No runs of target nightly in the run ledger/);
  });
});

describe('history on a deployed stage', () => {
  afterEach(() => cloudFormation.reset());

  it("prints one target's nights newest first with the change, the trend, min and max", async () => {
    const h = awsHarness();

    const code = await h.run(['history', '--target', TARGET, '--stage', 'prod', '--region', 'eu-west-1']);

    expect(code).toBe(0);
    const lines = h.stdout().trim().split('\n');
    expect(lines[0]).toBe(
      `target ${TARGET}: 4 runs, 3 COMPLETED; records (oldest to newest) ▇█ ▁  min 41,600 (2026-11-27), max 52,000 (2026-11-25)`,
    );
    expect(lines[2]).toMatch(
      /^SCHEDULED\s+OUTCOME\s+RECORDS\s+CHANGE\s+FAILURES\s+DURATION\s+VERIFIED\s+EXECUTION$/,
    );
    expect(lines[3]).toMatch(
      /^2026-11-27 02:00:00Z\s+COMPLETED\s+41,600\s+-20\.0 %\s+0\s+15m 00s\s+VERIFIED\s+exec-27$/,
    );
    expect(lines[4]).toMatch(/^2026-11-26 02:00:00Z\s+FAILED\s+0\s+12\s+15m 00s\s+exec-26$/);
    expect(lines).toHaveLength(7);
  });

  it('shows the same CHANGE whatever --max fetches (the good night it was compared with need not be a row)', async () => {
    const h = awsHarness();

    const code = await h.run(['history', '--target', TARGET, '--max', '1', '--stage', 'prod', '--json']);

    expect(code).toBe(0);
    const doc = JSON.parse(h.stdout());
    expect(doc.runs).toHaveLength(1);
    expect(doc.runs[0]).toMatchObject({ scheduledTime: '2026-11-27T02:00:00.000Z', changePercent: -20 });
  });

  it('lists the newest runs of every target, a run still going included, as JSON too', async () => {
    const h = awsHarness();

    const code = await h.run(['history', '--stage', 'prod', '--json', '--max', '3']);

    expect(code).toBe(0);
    const doc = JSON.parse(h.stdout());
    expect(doc.ledger).toBe(`DynamoDB table ${tableName}`);
    expect(doc.runs.map((r: { target: string; outcome: string }) => `${r.target} ${r.outcome}`)).toEqual([
      'weekly-vip RUNNING',
      `${TARGET} COMPLETED`,
      `${TARGET} FAILED`,
    ]);
  });

  it('explains a stack deployed before the run ledger existed (exit 3)', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [] }],
    });
    const h = harness();

    const code = await h.run(['history', '--stage', 'prod', '--region', 'eu-west-1']);

    expect(code).toBe(3);
    expect(h.stderr()).toContain('has no RunLedgerTableName output');
  });

  it('rejects a target that is not a target name before reading anything (exit 2)', async () => {
    const h = harness();

    const code = await h.run(['history', '--target', 'nightly exports!']);

    expect(code).toBe(2);
    expect(h.stderr()).toContain('--target must be a target name');
    expect(cloudFormation.calls()).toHaveLength(0);
  });
});

describe('history --local', () => {
  it('reads the ledger a local data folder keeps, with the same rows as on AWS', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'history-local-'));
    try {
      const copy = await startLocalLedgerServer(DEFAULT_LEDGER_TABLE);
      const client = new DynamoDBClient({
        endpoint: copy.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await recordNights(new RunLedger(client, { tableName: DEFAULT_LEDGER_TABLE }));
      await saveLedgerFile(copy.endpoint, DEFAULT_LEDGER_TABLE, ledgerFileOf(dataDir));
      client.destroy();
      await copy.close();
      const h = harness();

      const code = await h.run(['history', '--local', '--data-dir', dataDir, '--target', TARGET, '--json']);

      expect(code).toBe(0);
      const doc = JSON.parse(h.stdout());
      expect(doc.runs.map((r: { records: number }) => r.records)).toEqual([41_600, 0, 52_000, 50_000]);
      expect(doc.runs[0].changePercent).toBe(-20);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a --data-dir that does not exist, naming it (exit 2), rather than show an empty history', async () => {
    const h = harness();

    const code = await h.run(['history', '--local', '--data-dir', '/typo/no-such-folder']);

    expect(code).toBe(2);
    expect(h.stderr()).toContain('--data-dir /typo/no-such-folder does not exist');
  });

  it('shows an empty history for a folder no local run has used', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'history-empty-'));
    try {
      const h = harness();

      const code = await h.run(['history', '--local', '--data-dir', dataDir]);

      expect(code).toBe(0);
      expect(h.stdout().trim()).toBe('No runs in the run ledger yet.');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
