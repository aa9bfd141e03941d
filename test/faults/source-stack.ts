import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExportCommand,
  DynamoDBClient,
  type ExportDescription,
  ListExportsCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { vi } from 'vitest';
import { readSummaryMessage } from '../../core/sns-message.ts';
import { createSeededTable, enablePointInTimeRecovery } from '../../dev/emulator/dynamodb.ts';
import {
  clientEnvOf,
  DEFAULT_PROFILES_DOMAIN,
  DEFAULT_SEGMENT_DEFINITION,
  DEFAULT_TOPIC_ARN,
  type Emulator,
  startEmulator,
} from '../../dev/emulator/index.ts';
import {
  bindHandlers,
  loadHandlers,
  startExecution,
  type TaskState,
  type WorkflowExecution,
  type WorkflowResult,
} from '../../dev/local/workflow.ts';
import type { LedgerItem } from '../../functions/shared/run-ledger.ts';
import type { FaultRule } from '../../sources/emulator/faults.ts';
import { type Outcome, type Published, scheduledNow } from './harness.ts';

/** A message SNS accepted, parsed as subscribers read it (as harness.ts does). */
function readPublished(message: Emulator['state']['published'][number]): Published {
  const { summary, emailText } = readSummaryMessage(message.message, message.messageAttributes);
  if (!summary) throw new Error(`a published message has no summary: ${message.message.slice(0, 200)}`);
  let bytes = Buffer.byteLength(message.message);
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return {
    summary,
    emailText,
    subject: message.subject ?? '',
    attributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [name, value.StringValue]),
    ),
    bytes,
  };
}

/*
 * The failure-proof suite's stack for the sources other than Pinpoint: like harness.ts (the
 * deployed ASL on the local engine, the real handlers in-process, their SDK clients over HTTP
 * to the emulator), plus what those sources need: the stage's Customer Profiles and DynamoDB
 * defaults in the handlers' environment, tables seeded with point-in-time recovery an hour old
 * (the emulator's clock is moved back while they are made), a lost Lambda answer, and readers
 * for the run ledger and the table exports. harness.ts serves Pinpoint and is left as it is.
 */

/** The stage defaults of these stacks (what deploy/source-stacks.ts would give the create function). */
export const SOURCE_ENV = {
  PROFILES_ROLE_ARN: 'arn:aws:iam::000000000000:role/profiles-export-faults',
  PROFILES_DESTINATION: 's3://local-exports/profiles/{DomainName}/{SegmentDefinitionName}/{timestamp}/',
  DYNAMODB_EXPORT_BUCKET: 'local-exports',
  DYNAMODB_EXPORT_PREFIX: 'dynamodb/{TableName}/{timestamp}/',
} as const;

/** The emulator's account and region, as its table ARNs carry them. */
export const tableArnOf = (table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;

export interface SeededTable {
  name: string;
  items: number;
  /** Point-in-time recovery on (default true). */
  pitr?: boolean;
}

export interface SourceStackOptions {
  /** Profiles in the seeded domain (emulator default 500). */
  profiles?: number;
  /** How long a segment snapshot stays IN_PROGRESS, seconds; default 0.5. */
  snapshotSeconds?: number;
  /** Tables made (and filled) an hour before the runs, as a real table would have been. */
  tables?: SeededTable[];
  faults?: FaultRule[];
  /**
   * Loses the answer of this task's first `times` invocations after the handler finished (its
   * work done, its result never delivered), as a Lambda service error Step Functions retries.
   */
  loseAnswer?: { state: TaskState; times: number };
  /**
   * AWS_MAX_ATTEMPTS for the handlers' SDK clients (default: the SDK's own, 3). 1 makes a fault
   * reach the state machine instead of being absorbed by the SDK's retries.
   */
  sdkMaxAttempts?: number;
  /** The run's deadline (RUN_DEADLINE_SECONDS); default 120. */
  deadlineSeconds?: number;
  /** Items per data file of a DynamoDB export (the emulator's default 5,000). */
  exportItemsPerFile?: number;
  /** More handler environment (the verification's VERIFY_BATCH_BYTES, VERIFY_CONCURRENCY…). */
  env?: Record<string, string>;
  /** Called before each Lambda invocation with its event; throw to inject a fault (dev/local/lambda-binding.ts). */
  beforeInvoke?: (functionName: string, input: unknown) => void;
}

export interface SourceRunOptions {
  name?: string;
  /** WaitForExportJob, ms; default 200 (a DynamoDB export takes 3 s on the emulator's clock). */
  waitMs?: number;
}

/** CreateExportJob's retriers in ASL order; the RunInProgressError one (index 3) waits a little. */
const CREATE_RETRY = [0, 0, 0, 150, 0];

/** How long before the runs the seeded tables and their point-in-time recovery date from. */
export const TABLE_AGE_MS = 2 * 60 * 60 * 1000;

export type SourceStack = Awaited<ReturnType<typeof startSourceStack>>;

/** Starts the emulator, seeds its tables, points the handlers' environment at it and loads them. */
export async function startSourceStack(options: SourceStackOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'source-faults-'));
  const clock = { shift: 0 };
  const emulator: Emulator = await startEmulator({
    port: 0,
    dataDir,
    now: () => Date.now() + clock.shift,
    profiles: {
      ...(options.profiles === undefined ? {} : { count: options.profiles }),
      snapshotSeconds: options.snapshotSeconds ?? 0.5,
    },
    ...(options.exportItemsPerFile ? { dynamodb: { exportItemsPerFile: options.exportItemsPerFile } } : {}),
  });
  const dynamodb = new DynamoDBClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    vi.unstubAllEnvs();
    dynamodb.destroy();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  let lose = options.loseAnswer?.times ?? 0;
  let shared: ReturnType<typeof bindHandlers>;
  try {
    clock.shift = -TABLE_AGE_MS;
    for (const table of options.tables ?? []) {
      await createSeededTable(emulator.url, table.name, table.items);
      if (table.pitr !== false) await enablePointInTimeRecovery(emulator.url, table.name);
    }
    clock.shift = 0;
    for (const rule of options.faults ?? []) emulator.faults.add(rule);

    const env: Record<string, string> = {
      ...clientEnvOf(emulator),
      ...SOURCE_ENV,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      STAGE: 'faults',
      SUMMARY_TOPIC_ARN: DEFAULT_TOPIC_ARN,
      POLL_MIN_WAIT_SECONDS: '1',
      POLL_MAX_WAIT_SECONDS: '2',
      RUN_DEADLINE_SECONDS: String(options.deadlineSeconds ?? 120),
      AWS_SDK_REQUEST_TIMEOUT_MS: '2000',
      AWS_SDK_CONNECTION_TIMEOUT_MS: '1000',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...(options.sdkMaxAttempts === undefined ? {} : { AWS_MAX_ATTEMPTS: String(options.sdkMaxAttempts) }),
      ...options.env,
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    const handlers = await loadHandlers();
    shared = bindHandlers({
      handlers,
      ...(options.beforeInvoke ? { beforeInvoke: options.beforeInvoke } : {}),
      onTaskResult: (state) => {
        if (state !== options.loseAnswer?.state || lose <= 0) return;
        lose--;
        throw Object.assign(new Error('The Lambda service lost the function’s answer'), {
          name: 'Lambda.ServiceException',
        });
      },
    });
  } catch (error) {
    await close();
    throw error;
  }

  /** Starts one execution (several may run at once, sharing the bindings like one stack). */
  function start(input: unknown, run: SourceRunOptions = {}): WorkflowExecution {
    return startExecution(
      input,
      {
        handlers: {} as never, // unused: the shared bindings hold the handlers
        ...(run.name ? { name: run.name } : {}),
        waitTimeOverrides: { WaitForExportJob: run.waitMs ?? 200 },
        retryIntervalOverrides: {
          CreateExportJob: CREATE_RETRY,
          GetExportJobStatus: 0,
          VerifyExport: 0,
          CountExportBatch: 0,
          FinishVerification: 0,
          PublishSummary: 0,
        },
      },
      shared,
    );
  }

  const run = (input: unknown, options: SourceRunOptions = {}): Promise<WorkflowResult> =>
    start(input, options).result;

  /** Every item of the run ledger, read with a Scan of the emulator's table. */
  async function ledger(): Promise<LedgerItem[]> {
    const items: LedgerItem[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({
          TableName: emulator.ledgerTable,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item) as LedgerItem);
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return items;
  }

  /** The table's exports as DynamoDB describes them (ListExports, then DescribeExport each). */
  async function exportsOf(table: string): Promise<ExportDescription[]> {
    const arns: string[] = [];
    let next: string | undefined;
    do {
      const page = await dynamodb.send(
        new ListExportsCommand({ TableArn: tableArnOf(table), ...(next ? { NextToken: next } : {}) }),
      );
      arns.push(...(page.ExportSummaries ?? []).map((s) => s.ExportArn ?? ''));
      next = page.NextToken;
    } while (next);
    const described: ExportDescription[] = [];
    for (const arn of arns) {
      const answer = await dynamodb.send(new DescribeExportCommand({ ExportArn: arn }));
      if (answer.ExportDescription) described.push(answer.ExportDescription);
    }
    return described;
  }

  /** What happened, in the matrix's shape: `operation` is the source's start call, `jobs` its jobs. */
  function outcome(runs: WorkflowResult[], operation: string, jobs: number): Outcome {
    const summaries = published().map((p) => p.summary.status);
    return {
      execution: runs.map((r) => r.status).join(','),
      summary: summaries.length > 0 ? summaries.join(',') : 'none',
      createCalls: emulator.state.count(operation),
      jobs,
      messages: emulator.state.published.length,
    };
  }

  const published = (): Published[] => emulator.state.published.map(readPublished);

  return {
    emulator,
    dataDir,
    dynamodb,
    start,
    run,
    published,
    ledger,
    exportsOf,
    outcome,
    /** Moves the emulator's clock against real time (ms; negative: the past). */
    setClockShift: (ms: number) => {
      clock.shift = ms;
    },
    close,
  };
}

/** A scheduled Customer Profiles run on the emulator's seeded domain, the stage's role and destination. */
export function profilesInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Source: 'customer-profiles',
    DomainName: DEFAULT_PROFILES_DOMAIN,
    SegmentDefinitionName: DEFAULT_SEGMENT_DEFINITION,
    ScheduledTime: scheduledNow(),
    ...overrides,
  };
}

/** A scheduled DynamoDB run of `table`, with the stage's bucket and prefix. */
export function dynamoInput(table: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { Source: 'dynamodb', TableArn: tableArnOf(table), ScheduledTime: scheduledNow(), ...overrides };
}
