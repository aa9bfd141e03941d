import { resolve } from 'node:path';
import type { FaultRule } from '../emulator/faults.ts';
import type { Emulator, EmulatorOptions } from '../emulator/index.ts';
import type { ExportSummary, RunState, SummaryStatus } from '../functions/shared/types.ts';
import { type EventLog, loadHandlers, startExecution, type TaskState } from './workflow.ts';

/*
 * The whole workflow on a laptop: the deployed ASL file in the local engine,
 * the real handlers in-process, their real SDK clients talking HTTP to the
 * local Pinpoint + SNS emulator (or to the endpoints AWS_ENDPOINT_URL_PINPOINT
 * and AWS_ENDPOINT_URL_SNS name, when both are set). `npm start`, the CLI's
 * `--local` and the tests all go through here.
 */

export interface LocalRunOptions {
  applicationId?: string;
  segmentId?: string;
  segmentVersion?: number;
  s3UrlPrefix?: string;
  roleArn?: string;
  scheduledTime?: string;
  /** Execution name; default `local-<time>`. */
  executionName?: string;
  /** The full execution input, instead of building one from the fields above. */
  input?: unknown;
  /** Endpoints in the emulator's synthetic dataset. */
  endpoints?: number;
  /** Every Nth endpoint is malformed (counted as a failure); 0 = none. */
  malformedEvery?: number;
  /** How long the emulated export job runs, seconds. */
  jobDurationSeconds?: number;
  /** Faults the emulator injects. */
  faults?: FaultRule[];
  /** Stop waiting after this many seconds and report TIMED_OUT. */
  deadlineSeconds?: number;
  /** Poll wait bounds, seconds; compressed by default so a run takes seconds. */
  minWaitSeconds?: number;
  maxWaitSeconds?: number;
  /** Pause before each Retry of a task, ms, in place of the ASL's backoff (compressed like the waits); default 250. */
  retryIntervalMs?: number;
  /** Folder standing for S3 and SNS; default `.local/emulator`. */
  dataDir?: string;
  /** Handler log level (Powertools); default WARN so progress stays readable. */
  logLevel?: string;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'emulator'; url: string; external: boolean }
  | { type: 'started'; executionName: string; input: unknown }
  | { type: 'job'; state: RunState; created: boolean }
  | { type: 'status'; state: RunState; changed: boolean }
  | { type: 'retry'; stateName: string; error: string; attempt: number }
  | { type: 'caught'; stateName: string; error: string }
  | { type: 'published'; status: SummaryStatus; subject: string; messageId: string };

export interface LocalRunResult {
  executionName: string;
  executionArn: string;
  /** Final state of the execution. */
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  /** The summary subscribers received (null when it could not be read back, or none was published). */
  summary: ExportSummary | null;
  /** What an email subscriber reads. */
  emailText: string | null;
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

export const LOCAL_ROLE_ARN = 'arn:aws:iam::000000000000:role/pinpoint-export-local';
export const LOCAL_S3_URL_PREFIX = 's3://local-exports/pinpoint/{ApplicationId}/{SegmentId}/{date}/';

function buildInput(options: LocalRunOptions, applicationId: string): unknown {
  if (options.input !== undefined) return options.input;
  const request = {
    ...(options.roleArn ? { RoleArn: options.roleArn } : {}),
    ...(options.s3UrlPrefix ? { S3UrlPrefix: options.s3UrlPrefix } : {}),
    ...(options.segmentId ? { SegmentId: options.segmentId } : {}),
    ...(options.segmentVersion === undefined ? {} : { SegmentVersion: options.segmentVersion }),
  };
  return {
    ApplicationId: applicationId,
    ...(Object.keys(request).length > 0 ? { ExportJobRequest: request } : {}),
    ScheduledTime: options.scheduledTime ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

function parseSummary(message: string | undefined): {
  summary: ExportSummary | null;
  emailText: string | null;
} {
  if (!message) return { summary: null, emailText: null };
  try {
    const structure = JSON.parse(message) as { default?: string; email?: string };
    return {
      summary: structure.default ? (JSON.parse(structure.default) as ExportSummary) : null,
      emailText: structure.email ?? null,
    };
  } catch {
    return { summary: null, emailText: message };
  }
}

/**
 * With external endpoints, the summary can still be read back when they are a
 * running `npm run emulator` (its control API); any other endpoint (LocalStack, …)
 * gives none, and the caller says so.
 */
async function lastMessageFromExternalEmulator(
  snsUrl: string,
  topicArn: string,
): Promise<{ message: string; file: string } | undefined> {
  try {
    const response = await fetch(new URL('/_emulator/state', snsUrl), { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    const state = (await response.json()) as {
      published?: { topicArn: string; message: string; file: string }[];
    };
    return state.published?.filter((m) => m.topicArn === topicArn).at(-1);
  } catch {
    return undefined;
  }
}

/** Runs one export end to end locally and returns what happened. */
export async function runLocal(options: LocalRunOptions = {}): Promise<LocalRunResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const externalPinpoint = process.env.AWS_ENDPOINT_URL_PINPOINT;
  const externalSns = process.env.AWS_ENDPOINT_URL_SNS;
  const external = Boolean(externalPinpoint && externalSns);

  let emulator: Emulator | undefined;
  const { startEmulator, DEFAULT_APPLICATION_ID, DEFAULT_TOPIC_ARN } = await import('../emulator/index.ts');
  const dataDir = resolve(options.dataDir ?? '.local/emulator');
  if (!external) {
    const emulatorOptions: EmulatorOptions = {
      port: 0,
      dataDir,
      dataset: { endpoints: options.endpoints ?? 2_000, malformedEvery: options.malformedEvery ?? 0 },
      job: { durationSeconds: options.jobDurationSeconds ?? 6 },
    };
    emulator = await startEmulator(emulatorOptions);
    for (const fault of options.faults ?? []) emulator.faults.add(fault);
  }
  const pinpointUrl = emulator?.url ?? externalPinpoint ?? '';
  progress({ type: 'emulator', url: pinpointUrl, external });

  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_PINPOINT: pinpointUrl,
    AWS_ENDPOINT_URL_SNS: emulator?.url ?? externalSns ?? '',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    STAGE: 'local',
    SUMMARY_TOPIC_ARN: process.env.SUMMARY_TOPIC_ARN ?? DEFAULT_TOPIC_ARN,
    DEFAULT_ROLE_ARN: LOCAL_ROLE_ARN,
    DEFAULT_S3_URL_PREFIX: LOCAL_S3_URL_PREFIX,
    POLL_MIN_WAIT_SECONDS: String(options.minWaitSeconds ?? 1),
    POLL_MAX_WAIT_SECONDS: String(options.maxWaitSeconds ?? 2),
    RUN_DEADLINE_SECONDS: String(options.deadlineSeconds ?? 120),
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
  };
  // Handlers read configuration from process.env at load: set it for this run, put it back after.
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);

  try {
    const handlers = await loadHandlers();
    const applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
    const input = buildInput(options, applicationId);
    const executionName =
      options.executionName ?? `local-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z`;
    progress({ type: 'started', executionName, input });
    let lastStatus: string | undefined;
    // The engine's StateRetried/StateCaught events do not repeat the error: remember it from StateFailed.
    let lastError = 'Error';
    const retryMs = options.retryIntervalMs ?? 250;
    const execution = startExecution(input, {
      handlers,
      name: executionName,
      retryIntervalOverrides: {
        CreateExportJob: retryMs,
        GetExportJobStatus: retryMs,
        PublishSummary: retryMs,
      },
      onTaskResult: (state, result) => {
        if (state === 'CreateExportJob') {
          const run = result as RunState;
          lastStatus = run.job.JobStatus;
          progress({ type: 'job', state: run, created: !run.job.Reused });
        } else if (state === 'GetExportJobStatus') {
          const run = result as RunState;
          progress({ type: 'status', state: run, changed: run.job.JobStatus !== lastStatus });
          lastStatus = run.job.JobStatus;
        } else {
          const r = result as { status: SummaryStatus; subject: string; messageId: string };
          progress({ type: 'published', status: r.status, subject: r.subject, messageId: r.messageId });
        }
      },
      onEvent: (event) => {
        const e = event as EventLog & {
          state?: { name: string };
          Error?: string;
          retry?: { attempt: number };
        };
        if (e.type === 'StateRetried' && e.state) {
          progress({
            type: 'retry',
            stateName: e.state.name,
            error: lastError,
            attempt: e.retry?.attempt ?? 0,
          });
        }
        if (e.type === 'StateFailed') lastError = e.Error ?? 'Error';
        if (e.type === 'StateCaught' && e.state)
          progress({ type: 'caught', stateName: e.state.name, error: lastError });
      },
    });
    const result = await execution.result;

    const message = emulator
      ? emulator.state.published.at(-1)
      : await lastMessageFromExternalEmulator(env.AWS_ENDPOINT_URL_SNS ?? '', env.SUMMARY_TOPIC_ARN ?? '');
    const { summary, emailText } = parseSummary(message?.message);
    const exportFiles = emulator
      ? emulator.state.jobs.flatMap((job) => (job as unknown as { files?: string[] }).files ?? [])
      : [];
    return {
      executionName,
      executionArn: execution.executionArn,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      ...(result.cause ? { cause: result.cause } : {}),
      summary,
      emailText,
      messageFile: message?.file ?? null,
      jobsCreated: emulator ? emulator.state.jobs.length : null,
      exportFiles,
      dataDir: emulator ? dataDir : null,
      events: result.events,
      invocations: {
        CreateExportJob: execution.stats.CreateExportJob.invocations,
        GetExportJobStatus: execution.stats.GetExportJobStatus.invocations,
        PublishSummary: execution.stats.PublishSummary.invocations,
      },
      durationMs: Date.now() - started,
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await emulator?.close();
  }
}
