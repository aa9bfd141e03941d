import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type {
  ExportSummary,
  PublishSummaryEvent,
  PublishSummaryResult,
  RunState,
  SummaryStatus,
  VerificationResult,
} from '../../core/types.ts';
import { resolveTableArn } from '../../sources/dynamodb/table-arn.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import { sourceFor } from '../../sources/registry.ts';
import { runIdentityOf } from '../../sources/run-identity.ts';
import { localInputDefaults, localInputEnvironment } from '../../sources/settings.ts';
import {
  externalEndpoints,
  LocalRunSetupError,
  type LocalServiceOptions,
  type LocalServices,
  parseSummary,
  prepareDataDir,
  startLocalServices,
} from './services.ts';
import {
  changeItems,
  DEMO_CHANGED_ITEMS,
  type ItemChanges,
  LOCAL_ACCOUNT,
  LOCAL_TABLE,
  LOCAL_TABLE_ITEMS,
  type LocalInputOptions,
  localInput,
  tableArnFor,
  tableNameOf,
  withTableArn,
} from './source-inputs.ts';
import { type EventLog, loadHandlers, startExecution, type TaskState } from './workflow.ts';

/*
 * The whole workflow on a laptop: the deployed ASL file in the local engine,
 * the real handlers in-process, their real SDK clients talking HTTP to the
 * local emulator or the external endpoints (dev/local/services.ts). `npm start`, the
 * CLI's `--local` and the tests all go through here.
 */

export interface LocalRunOptions extends LocalInputOptions, LocalServiceOptions {
  scheduledTime?: string;
  /** Execution name; default `local-<time>`. */
  executionName?: string;
  /** The full execution input, instead of building one from the fields above. */
  input?: unknown;
  /**
   * DynamoDB: create `table` in the emulator, seeded with items, with point-in-time recovery on
   * (`pitr`) or off (`no-pitr`). The default table is always there; any other is not, unless
   * asked for: the run then gets DynamoDB's own "table not found", as against AWS.
   */
  seed?: 'pitr' | 'no-pitr';
  /** Stop waiting after this many seconds and report TIMED_OUT. */
  deadlineSeconds?: number;
  /** Poll wait bounds, seconds; compressed by default so a run takes seconds. */
  minWaitSeconds?: number;
  maxWaitSeconds?: number;
  /**
   * The ASL's Retry timing (intervals and delay caps) times this factor, compressed like the
   * waits while its attempts, backoff rates and full jitter stay as deployed; default 1/8.
   */
  retryTimeScale?: number;
  /** Folder standing for S3 and SNS; default `.local/emulator`. */
  dataDir?: string;
  /** Handler log level (Powertools); default WARN so progress stays readable. */
  logLevel?: string;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'emulator'; url: string; snsUrl: string; external: boolean }
  | { type: 'started'; executionName: string; input: unknown }
  | { type: 'job'; state: RunState; created: boolean }
  /** Also after FinishVerification: the run state with its `verification`. */
  | { type: 'status'; state: RunState; changed: boolean }
  | { type: 'retry'; stateName: string; error: string; attempt: number }
  | { type: 'caught'; stateName: string; error: string; cause: string }
  | { type: 'published'; status: SummaryStatus; subject: string; messageId: string };

export interface LocalRunResult {
  /**
   * The DynamoDB incremental demo's earlier run (the full export the incremental one adds
   * to), and what changed in the table between the two.
   */
  earlier?: { run: LocalRunResult; changes: ItemChanges };
  executionName: string;
  executionArn: string;
  /** Final state of the execution. */
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  /**
   * What PublishSummary returned to the workflow (status, subject, messageId,
   * failure): the run's outcome. Null when no summary was published.
   */
  published: PublishSummaryResult | null;
  /** The input PublishSummary was given (the run's state: error, job, request). */
  publishEvent: PublishSummaryEvent | null;
  /**
   * The summary subscribers received, read back for display only and matched
   * by execution name; null when it could not be read back (see summaryNote).
   */
  summary: ExportSummary | null;
  /** What an email subscriber reads (read back like `summary`). */
  emailText: string | null;
  /** Why `summary` is null although one was published (external endpoints that are not our emulator). */
  summaryNote: string | null;
  /** NDJSON records in the export files (the in-process emulator only). */
  recordsExported: number | null;
  /** Where the SNS message was written, when the in-process emulator ran. */
  messageFile: string | null;
  /** Export jobs the in-process emulator holds at the end (null with external endpoints). */
  jobsCreated: number | null;
  /** Files the export wrote, when the in-process emulator ran. */
  exportFiles: string[];
  dataDir: string | null;
  events: EventLog[];
  invocations: Record<TaskState, number>;
  durationMs: number;
}

/** Local runs compress the ASL's Retry timing 8x (a 2-second first retry waits up to 0.25 s). */
export const LOCAL_RETRY_TIME_SCALE = 1 / 8;

/** The run's input: the one given, or the one its options describe (dev/local/source-inputs.ts). */
async function buildInput(options: LocalRunOptions, tableArn: string | undefined): Promise<unknown> {
  if (options.input !== undefined) return options.input;
  return localInput(
    options,
    options.scheduledTime ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    tableArn,
  );
}

/**
 * The export's files on disk, as the verification's manifest lists them (the in-process
 * emulator's S3 folder): the files it counted, not the source's own manifests beside them.
 */
function filesUnder(dataDir: string, verified: VerificationResult | null, external: boolean): string[] {
  const manifest = verified?.manifestUri ? /^s3:\/\/([^/]+)\/(.*)$/.exec(verified.manifestUri) : null;
  if (external || !manifest) return [];
  const bucket = resolve(dataDir, 's3', manifest[1] ?? '');
  try {
    const { files } = JSON.parse(readFileSync(resolve(bucket, manifest[2] ?? ''), 'utf8')) as {
      files?: { key: string }[];
    };
    return (files ?? []).map((file) => resolve(bucket, file.key));
  } catch {
    return [];
  }
}

function countRecords(files: readonly string[]): number | null {
  try {
    let records = 0;
    for (const file of files) {
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) records++;
      if (text.length > 0 && !text.endsWith('\n')) records++;
    }
    return records;
  } catch {
    return null;
  }
}

/** A Lambda error's Cause is JSON `{errorType, errorMessage}`; anything else is the message itself. */
function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain cause
  }
  return cause;
}

/** How long before the run a local DynamoDB table's point-in-time recovery and items date from. */
export const LOCAL_TABLE_AGE_MS = 2 * 60 * 60 * 1000;

/**
 * Local services, handlers and environment opened once for one or more executions (the
 * DynamoDB incremental demo runs a full and an incremental export against one table).
 */
export interface LocalSession {
  /** The emulator's (or the external endpoints') URL. */
  url: string;
  /** A DynamoDB run's table, as the session's DynamoDB describes it. */
  tableArn: string | undefined;
  /** Moves the emulator's clock against real time, ms (negative: the past). */
  setClockShift(ms: number): void;
  /** Runs one execution; `overrides` change this execution's input options. */
  run(overrides?: Partial<LocalRunOptions>): Promise<LocalRunResult>;
  close(): Promise<void>;
}

/** How long before now the DynamoDB incremental demo's full export is scheduled: the incremental window after it. */
export const DEMO_WINDOW_MS = 60 * 60 * 1000;
/**
 * When (before now) the demo's items change: inside the incremental window, which ends 15
 * minutes before the second run's scheduled time (sources/dynamodb/window.ts EXPORT_LAG_MS).
 */
export const DEMO_CHANGES_AGO_MS = 30 * 60 * 1000;

/** True for the DynamoDB incremental demo: a local incremental target on the seeded table. */
const isIncrementalDemo = (options: LocalRunOptions) =>
  options.source === 'dynamodb' && options.incremental === true && options.scheduledTime === undefined;

/**
 * Runs one export end to end locally and returns what happened. A local incremental
 * DynamoDB run is two: the emulator's table is new each time, so the first run of the
 * target (a full export, scheduled {@link DEMO_WINDOW_MS} ago) comes first, then a few
 * items change (on the emulator's clock, {@link DEMO_CHANGES_AGO_MS} ago), then the
 * incremental export of exactly those.
 */
export async function runLocal(options: LocalRunOptions = {}): Promise<LocalRunResult> {
  if (isIncrementalDemo(options) && externalEndpoints()) {
    // The demo changes items between its two runs. With external endpoints the table is the
    // user's own, and an export tool never writes to the data it exports.
    throw new LocalRunSetupError(
      `--incremental without --scheduled-time is the demo that changes ${DEMO_CHANGED_ITEMS} items of the table between its two runs; with external endpoints (AWS_ENDPOINT_URL_*) the table ${tableNameOf(options.table ?? LOCAL_TABLE)} is not the emulator's own, and an export tool never writes to the data it exports. Give --scheduled-time for one incremental run of the table as it is, or unset the endpoint variables to run the demo on the built-in emulator's seeded table`,
      '--incremental',
    );
  }
  const session = await openLocalSession(options);
  try {
    if (!isIncrementalDemo(options)) return await session.run();
    const earlier = Date.now() - DEMO_WINDOW_MS;
    const first = await session.run({
      scheduledTime: new Date(earlier).toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(options.executionName ? { executionName: `${options.executionName.slice(0, 70)}-full` } : {}),
      input: await localInput(
        options,
        new Date(earlier).toISOString().replace(/\.\d+Z$/, 'Z'),
        session.tableArn,
      ),
    });
    // The emulator's clock half an hour back: the changes fall between the two runs' ends.
    session.setClockShift(-DEMO_CHANGES_AGO_MS);
    const changes = await changeItems(session.url, tableNameOf(options.table ?? LOCAL_TABLE)).finally(() =>
      session.setClockShift(0),
    );
    const second = await session.run({ scheduledTime: new Date().toISOString() });
    return { ...second, earlier: { run: first, changes } };
  } finally {
    await session.close();
  }
}

/** The incremental demo's target in the run ledger, as create-export-job will compute it. */
async function demoTargetOf(options: LocalRunOptions): Promise<string> {
  const now = new Date().toISOString();
  const raw = await localInput(options, now);
  const defaults = localInputDefaults();
  const request = resolveExecutionInput(raw, defaults, now);
  return runIdentityOf(request, sourceFor(request).describe.destinationTemplate(raw, defaults)).target;
}

/** Starts the services, sets the handlers' environment and loads them; {@link LocalSession.close} puts it all back. */
export async function openLocalSession(options: LocalRunOptions = {}): Promise<LocalSession> {
  const progress = options.onProgress ?? (() => undefined);
  const dataDir = prepareDataDir(options.dataDir ?? '.local/emulator');
  // The ledger is kept (history --local shows every run), but not an earlier incremental demo's
  // runs of its target: its coverage must start from its own full export, not from a table the
  // new emulator no longer has. Its runs replace the earlier demo's.
  const services = await startLocalServices(
    options,
    dataDir,
    isIncrementalDemo(options) ? await demoTargetOf(options) : undefined,
  );
  const { DEFAULT_TOPIC_ARN } = await import('../emulator/index.ts');
  progress({
    type: 'emulator',
    url: services.pinpointUrl,
    snsUrl: services.snsUrl,
    external: services.external,
  });

  const env: Record<string, string> = {
    ...services.env,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    STAGE: 'local',
    SUMMARY_TOPIC_ARN: process.env.SUMMARY_TOPIC_ARN ?? DEFAULT_TOPIC_ARN,
    // Every source's stage defaults, as a deployed stack sets them (sources/<id>/settings.ts).
    ...localInputEnvironment(),
    POLL_MIN_WAIT_SECONDS: String(options.minWaitSeconds ?? 1),
    POLL_MAX_WAIT_SECONDS: String(options.maxWaitSeconds ?? 2),
    RUN_DEADLINE_SECONDS: String(options.deadlineSeconds ?? 120),
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
    // publish-summary's EMF metric lines are log lines too: shown with the logs (--logs), else
    // summed up in the report's metrics row.
    POWERTOOLS_METRICS_DISABLED: options.logLevel === undefined ? 'true' : 'false',
  };
  // Handlers read configuration from process.env at load: set it for this session, put it back after.
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const restore = () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };

  try {
    const table = tableNameOf(options.table ?? LOCAL_TABLE);
    if (options.source === 'dynamodb' && !services.external && (table === LOCAL_TABLE || options.seed)) {
      // A table that has had point-in-time recovery (and its items) for a while, as a real one would.
      const { createSeededTable, enablePointInTimeRecovery } = await import('../emulator/dynamodb.ts');
      services.setClockShift(-LOCAL_TABLE_AGE_MS);
      await createSeededTable(services.pinpointUrl, table, LOCAL_TABLE_ITEMS);
      if (options.seed !== 'no-pitr') await enablePointInTimeRecovery(services.pinpointUrl, table);
      services.setClockShift(0);
    }
    const tableArn =
      options.source === 'dynamodb'
        ? await localTableArn(options.table ?? LOCAL_TABLE, services, env)
        : undefined;
    const handlers = await loadHandlers();
    return {
      url: services.pinpointUrl,
      tableArn,
      setClockShift: (ms) => services.setClockShift(ms),
      run: (overrides = {}) =>
        runExecution({ ...options, ...overrides }, services, handlers, env, tableArn, dataDir),
      close: async () => {
        restore();
        await services.close();
      },
    };
  } catch (error) {
    restore();
    await services.close();
    throw error;
  }
}

/**
 * The ARN of a local DynamoDB run's table. The built-in emulator's is in its own account and
 * Region; any other endpoint is asked (DescribeTable), since its account is not ours to guess.
 */
async function localTableArn(
  table: string,
  services: LocalServices,
  env: Record<string, string>,
): Promise<string> {
  if (!services.external) return tableArnFor(table, LOCAL_ACCOUNT);
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? services.pinpointUrl;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  });
  try {
    const arn = await resolveTableArn(client, table);
    if (arn) return arn;
  } catch (error) {
    throw new LocalRunSetupError(
      `--table ${table}: DynamoDB at ${endpoint} did not describe it (${(error as Error).name}: ${(error as Error).message})`,
      '--table',
    );
  } finally {
    client.destroy();
  }
  throw new LocalRunSetupError(
    `--table ${table}: DynamoDB at ${endpoint} has no such table (DescribeTable); give the name or ARN of a table there`,
    '--table',
  );
}

/** One execution in an open session. */
async function runExecution(
  options: LocalRunOptions,
  services: LocalServices,
  handlers: Awaited<ReturnType<typeof loadHandlers>>,
  env: Record<string, string>,
  tableArn: string | undefined,
  dataDir: string,
): Promise<LocalRunResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  {
    const input = withTableArn(await buildInput(options, tableArn), tableArn);
    const executionName =
      options.executionName ?? `local-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z`;
    progress({ type: 'started', executionName, input });
    let lastStatus: string | undefined;
    // The engine's StateRetried/StateCaught events do not repeat the error: remember it from StateFailed.
    let lastError = { error: 'Error', cause: '' };
    let published: PublishSummaryResult | null = null;
    let verified: VerificationResult | null = null;
    let publishEvent: PublishSummaryEvent | null = null;

    const execution = startExecution(input, {
      handlers,
      name: executionName,
      retryTimeScale: options.retryTimeScale ?? LOCAL_RETRY_TIME_SCALE,
      onTaskResult: (state, result, taskInput) => {
        if (state === 'CreateExportJob') {
          const run = result as RunState;
          lastStatus = run.job.JobStatus;
          progress({ type: 'job', state: run, created: !run.job.Reused });
        } else if (state === 'GetExportJobStatus') {
          const run = result as RunState;
          progress({ type: 'status', state: run, changed: run.job.JobStatus !== lastStatus });
          lastStatus = run.job.JobStatus;
        } else if (state === 'FinishVerification') {
          // The state with the verdict at $.verification, as the next task sees it.
          const run = { ...(taskInput as RunState), verification: result as VerificationResult };
          verified = run.verification;
          progress({ type: 'status', state: run, changed: true });
        } else if (state === 'VerifyExport' || state === 'CountExportBatch') {
          // The plan and the batches' counts: the verdict comes with FinishVerification.
        } else {
          // The workflow's own result: what PublishSummary returned, and what it was given.
          published = result as PublishSummaryResult;
          publishEvent = taskInput as PublishSummaryEvent;
          progress({
            type: 'published',
            status: published.status,
            subject: published.subject,
            messageId: published.messageId,
          });
        }
      },
      onEvent: (event) => {
        const e = event as EventLog & {
          state?: { name: string; input?: unknown };
          Error?: string;
          Cause?: unknown;
          retry?: { attempt: number };
        };
        if (e.type === 'StateRetried' && e.state) {
          progress({
            type: 'retry',
            stateName: e.state.name,
            error: lastError.error,
            attempt: e.retry?.attempt ?? 0,
          });
        }
        if (e.type === 'StateFailed') lastError = { error: e.Error ?? 'Error', cause: causeMessage(e.Cause) };
        if (e.type === 'StateCaught' && e.state)
          progress({
            type: 'caught',
            stateName: e.state.name,
            error: lastError.error,
            cause: lastError.cause,
          });
        // PublishSummary's input, also when the task fails and returns nothing.
        if (e.type === 'StateEntered' && e.state?.name === 'PublishSummary' && publishEvent === null) {
          publishEvent = {
            Run: e.state.input as PublishSummaryEvent['Run'],
            Execution: {
              Id: execution.executionArn,
              Name: executionName,
              StartTime: new Date(started).toISOString(),
            },
          };
        }
      },
    });
    const result = await execution.result;

    const readBack = published
      ? await services.readBack(executionName, execution.executionArn, env.SUMMARY_TOPIC_ARN ?? '')
      : { note: null };
    const { summary, emailText } = parseSummary(readBack.message);
    // Pinpoint: the emulator's job files; other sources: the files under the location the verification read.
    const pinpoint = options.source === undefined || options.source === 'pinpoint';
    const exportFiles = pinpoint ? services.exportFiles() : filesUnder(dataDir, verified, services.external);
    return {
      executionName,
      executionArn: execution.executionArn,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      ...(result.cause ? { cause: result.cause } : {}),
      published,
      publishEvent,
      summary,
      emailText,
      summaryNote: readBack.note,
      messageFile: readBack.message?.file ?? null,
      jobsCreated: services.jobsCreated(),
      exportFiles,
      recordsExported: services.external
        ? null
        : pinpoint
          ? countRecords(exportFiles)
          : ((verified as VerificationResult | null)?.records ?? null),
      dataDir: services.external ? null : dataDir,
      events: result.events,
      invocations: Object.fromEntries(
        Object.entries(execution.stats).map(([state, stats]) => [state, stats.invocations]),
      ) as Record<TaskState, number>,
      durationMs: Date.now() - started,
    };
  }
}
