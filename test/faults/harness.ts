import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSummaryMessage } from '../../core/sns-message.ts';
import type { ExportSummary, RunState, SummaryStatus } from '../../core/types.ts';
import {
  clientEnvOf,
  DEFAULT_APPLICATION_ID,
  DEFAULT_TOPIC_ARN,
  type Emulator,
  startEmulator,
} from '../../dev/emulator/index.ts';
import {
  bindHandlers,
  type EventLog,
  loadHandlers,
  startExecution,
  type TaskState,
  type WorkflowExecution,
  type WorkflowResult,
} from '../../dev/local/workflow.ts';
import type { FaultRule } from '../../sources/emulator/faults.ts';

/*
 * One "stack" for the failure-proof suite: a local Pinpoint + SNS emulator on
 * 127.0.0.1 (port 0, its own temp folder), the three real handlers loaded fresh
 * with this stack's configuration, and one set of Lambda bindings (reserved
 * concurrency 1 on CreateExportJob, as deployed) shared by every execution the
 * stack starts. Executions run the deployed ASL on aws-local-stepfunctions with
 * Wait and Retry intervals compressed, so faults are cheap to replay. Nothing is
 * mocked: the handlers' AWS SDK clients talk HTTP to the emulator.
 */

/** The role and bucket template of the fault stacks (not the emulator's or a real account's). */
export const ROLE_ARN = 'arn:aws:iam::000000000000:role/pinpoint-export-faults';
export const S3_URL_PREFIX = 's3://fault-exports/pinpoint/{ApplicationId}/{date}/';
export const STAGE = 'faults';
export { DEFAULT_APPLICATION_ID as APP };

export interface StackOptions {
  /** RUN_DEADLINE_SECONDS; default 120. */
  deadlineSeconds?: number;
  /** AWS_SDK_REQUEST_TIMEOUT_MS; default 2,000. */
  sdkRequestTimeoutMs?: number;
  /** How long an emulated export job runs; default 0.5 s. */
  jobDurationSeconds?: number;
  /** Endpoints per application; default 200. */
  endpoints?: number;
  malformedEvery?: number;
  /** Pieces per job (emulator default: about one per 250 endpoints). */
  pieces?: number;
  /** Applications the emulator knows; default the emulator's seeded one. */
  applications?: string[];
  endOfSupportApplications?: string[];
  /** Faults active from the start. */
  faults?: FaultRule[];
  /** Lambda service faults: called before every invocation (throw to fail it). */
  beforeInvoke?: (functionName: string) => void;
}

export interface RunOptions {
  /** WaitForExportJob, ms; default 20. */
  waitMs?: number;
  /** Retry intervals, ms, per state (a number, or one per retrier); default 0 everywhere. */
  retryIntervals?: Partial<Record<TaskState, number | number[]>>;
  /** Execution name; default a fresh one. */
  name?: string;
}

/** What a test asserts about one scenario, and what the matrix prints. */
export interface Outcome {
  /** Final state of each execution, in start order (`SUCCEEDED`, `FAILED`). */
  execution: string;
  /** Status of each summary published, in publish order; `none` when nothing was published. */
  summary: string;
  /** CreateExportJob requests Pinpoint received (any answer). */
  createCalls: number;
  /** Export jobs that exist in Pinpoint. */
  jobs: number;
  /** SNS messages accepted. */
  messages: number;
}

export interface Published {
  summary: ExportSummary;
  emailText: string;
  subject: string;
  attributes: Record<string, string | undefined>;
  /** Message plus attributes, the way SNS counts them against its 262,144-byte limit. */
  bytes: number;
}

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_PINPOINT',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'RUN_LEDGER_TABLE',
  'AWS_ENDPOINT_URL_S3',
  'S3_FORCE_PATH_STYLE',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'STAGE',
  'SUMMARY_TOPIC_ARN',
  'DEFAULT_ROLE_ARN',
  'DEFAULT_S3_URL_PREFIX',
  'POLL_MIN_WAIT_SECONDS',
  'POLL_MAX_WAIT_SECONDS',
  'RUN_DEADLINE_SECONDS',
  'AWS_SDK_REQUEST_TIMEOUT_MS',
  'AWS_SDK_CONNECTION_TIMEOUT_MS',
  'POWERTOOLS_LOG_LEVEL',
] as const;

/** The scheduled time of "tonight's" run: the current minute, as EventBridge Scheduler would send it. */
export function scheduledNow(): string {
  return new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * Starts an emulator, points the handlers' configuration at it and loads them.
 * process.env stays set until {@link Stack.close} (SDK clients resolve their
 * endpoint on first use), then is put back as it was.
 */
export async function startStack(options: StackOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pinpoint-faults-'));
  const emulator: Emulator = await startEmulator({
    port: 0,
    dataDir,
    ...(options.applications ? { applications: options.applications } : {}),
    ...(options.endOfSupportApplications
      ? { endOfSupportApplications: options.endOfSupportApplications }
      : {}),
    dataset: { endpoints: options.endpoints ?? 200, malformedEvery: options.malformedEvery ?? 0 },
    job: {
      durationSeconds: options.jobDurationSeconds ?? 0.5,
      ...(options.pieces === undefined ? {} : { pieces: options.pieces }),
    },
  });
  for (const rule of options.faults ?? []) emulator.faults.add(rule);

  const env: Record<(typeof ENV_KEYS)[number], string> = {
    ...clientEnvOf(emulator),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    STAGE,
    SUMMARY_TOPIC_ARN: DEFAULT_TOPIC_ARN,
    DEFAULT_ROLE_ARN: ROLE_ARN,
    DEFAULT_S3_URL_PREFIX: S3_URL_PREFIX,
    POLL_MIN_WAIT_SECONDS: '1',
    POLL_MAX_WAIT_SECONDS: '2',
    RUN_DEADLINE_SECONDS: String(options.deadlineSeconds ?? 120),
    AWS_SDK_REQUEST_TIMEOUT_MS: String(options.sdkRequestTimeoutMs ?? 2_000),
    AWS_SDK_CONNECTION_TIMEOUT_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const saved = ENV_KEYS.map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, env);

  /** Every task result, in order, across this stack's executions. */
  const taskResults: { state: TaskState; result: unknown }[] = [];
  let shared: ReturnType<typeof bindHandlers>;
  try {
    const handlers = await loadHandlers();
    shared = bindHandlers({
      handlers,
      ...(options.beforeInvoke ? { beforeInvoke: options.beforeInvoke } : {}),
      onTaskResult: (state, result) => taskResults.push({ state, result }),
    });
  } catch (error) {
    await close();
    throw error;
  }

  const results: WorkflowResult[] = [];
  let closed = false;

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  /** Starts one execution on this stack (several may run at once, sharing the bindings). */
  function start(input: unknown = defaultInput(), run: RunOptions = {}): WorkflowExecution {
    const retry = run.retryIntervals ?? {};
    const execution = startExecution(
      input,
      {
        handlers: {} as never, // unused: the shared bindings hold the handlers
        ...(run.name ? { name: run.name } : {}),
        waitTimeOverrides: { WaitForExportJob: run.waitMs ?? 20 },
        retryIntervalOverrides: {
          CreateExportJob: retry.CreateExportJob ?? 0,
          GetExportJobStatus: retry.GetExportJobStatus ?? 0,
          VerifyExport: retry.VerifyExport ?? 0,
          CountExportBatch: retry.CountExportBatch ?? 0,
          FinishVerification: retry.FinishVerification ?? 0,
          PublishSummary: retry.PublishSummary ?? 0,
        },
      },
      shared,
    );
    void execution.result.then((r) => results.push(r));
    return execution;
  }

  /** Runs one execution to its end. */
  async function run(input: unknown = defaultInput(), options: RunOptions = {}): Promise<WorkflowResult> {
    return start(input, options).result;
  }

  /** The summaries SNS accepted, parsed as subscribers read them. */
  function published(): Published[] {
    return emulator.state.published.map((message) => {
      const { summary, emailText } = readSummaryMessage(message.message, message.messageAttributes);
      if (!summary) throw new Error(`a published message has no summary: ${message.message.slice(0, 200)}`);
      let bytes = Buffer.byteLength(message.message);
      for (const [name, value] of Object.entries(message.messageAttributes)) {
        bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
        bytes += Buffer.byteLength(value.StringValue ?? '');
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
    });
  }

  /** What happened, in the shape the matrix prints. Pass the results in start order. */
  function outcome(runs: WorkflowResult[]): Outcome {
    const summaries = published().map((p) => p.summary.status);
    return {
      execution: runs.map((r) => r.status).join(','),
      summary: summaries.length > 0 ? summaries.join(',') : 'none',
      createCalls: emulator.state.count('CreateExportJob'),
      jobs: emulator.state.jobs.length,
      messages: emulator.state.published.length,
    };
  }

  /** Pinpoint requests received, whatever the answer. */
  function pinpointRequests(): number {
    return emulator.state.requests.filter((r) => r.service === 'pinpoint').length;
  }

  /** Job statuses get-export-job-status saw, in order. */
  function statusesSeen(): string[] {
    return taskResults
      .filter((t) => t.state === 'GetExportJobStatus')
      .map((t) => (t.result as RunState).job.JobStatus);
  }

  return {
    emulator,
    dataDir,
    stats: shared.stats,
    start,
    run,
    published,
    outcome,
    pinpointRequests,
    statusesSeen,
    close,
  };
}

/** A scheduled run's input, as the stage's schedule sends it (defaults for role and prefix). */
export function defaultInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ApplicationId: DEFAULT_APPLICATION_ID, ScheduledTime: scheduledNow(), ...overrides };
}

/** Retries the engine made for a state, read from its event log. */
export function retriesOf(result: WorkflowResult, state: TaskState): number {
  return result.events.filter(
    (e) => e.type === 'StateRetried' && (e as EventLog & { state?: { name: string } }).state?.name === state,
  ).length;
}

/** A one-line rendering of an outcome for the matrix. */
export function formatOutcome(o: Outcome): string {
  return `${o.execution} | ${o.summary} | create ${o.createCalls} | jobs ${o.jobs} | sns ${o.messages}`;
}

export type { SummaryStatus };
