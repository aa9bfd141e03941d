import { ConfigurationError } from '../../core/errors.ts';
import {
  CONFIG_DEFAULTS,
  CONFIG_LIMITS,
  type PollConfig,
  type SdkClientConfig,
} from '../../core/settings.ts';
import { type InputDefaults, inputDefaultsFrom } from '../../sources/settings.ts';

export {
  CONFIG_DEFAULTS,
  CONFIG_LIMITS,
  POLL_CHECK_CAP,
  type PollConfig,
  pollCapProblem,
  type SdkClientConfig,
} from '../../core/settings.ts';

/**
 * Every setting the functions read, loaded from the environment (the settings, defaults and
 * ranges themselves: core/settings.ts). Handlers call the loader for
 * their function once, at cold start; cores receive the frozen result and never
 * read `process.env` themselves. serverless.yml sets these variables per stage.
 */

type Env = Record<string, string | undefined>;

export interface CreateExportJobConfig {
  stage: string;
  /**
   * The stage's defaults for what an input leaves out, each from the environment variable its
   * source declares (sources/<id>/settings.ts); only those set.
   */
  inputDefaults: InputDefaults;
  poll: PollConfig;
  ledger: LedgerConfig;
}

/** The run ledger (functions/shared/run-ledger.ts). */
export interface LedgerConfig {
  /** RUN_LEDGER_TABLE: the DynamoDB table. */
  tableName: string;
  /** How long a claim without a job protects a run, seconds; above the create function's timeout. */
  claimSeconds: number;
  /** Items are deleted this many days after their scheduled time. */
  retentionDays: number;
}

export interface GetExportJobStatusConfig {
  stage: string;
  poll: PollConfig;
}

export interface PublishSummaryConfig {
  stage: string;
  topicArn: string;
  /** RUN_LEDGER_TABLE: where the outcome is recorded and earlier runs are read. */
  ledgerTableName: string;
  /** METRICS_NAMESPACE: the CloudWatch namespace of the per-run metrics (EMF). */
  metricsNamespace: string;
  /** RECORDS_DROP_WARN_PERCENT: a headline warning when a target exports this many percent fewer records than its previous COMPLETED run; undefined = never. */
  recordsDropWarnPercent?: number;
  /** RAW_FAILURES_IN_EMAIL=true: the email text lists Pinpoint's Failures entries unmasked (default: masked). */
  rawFailuresInEmail?: boolean;
  /**
   * MAX_FAILURE_PERCENT: the stage's failure limit (percent of the records processed) for a
   * target whose input sets no MaxFailurePercent; above it the run is TOO_MANY_FAILURES.
   * Optional so hand-built configs keep working; the loader always sets it.
   */
  maxFailurePercent?: number;
  /** DASHBOARD_URL: the stage's CloudWatch dashboard, linked from every summary that is not a success. */
  dashboardUrl?: string;
  /** RUNBOOK_URL: the stage's runbook (notifications.runbookUrl), linked the same way. */
  runbookUrl?: string;
}

export interface VerifyExportConfig {
  stage: string;
  /** VERIFY_BATCH_BYTES: stored (compressed) bytes per counting batch; a larger export gets larger batches past 400. */
  batchBytes: number;
  /** VERIFY_CONCURRENCY: batches counted at once (the Map's MaxConcurrencyPath; an inline Map runs at most 40). */
  concurrency: number;
  /** S3_FORCE_PATH_STYLE=true: path-style requests (`/<bucket>/<key>`), for local S3 emulators; AWS uses virtual-hosted style. */
  s3ForcePathStyle: boolean;
}

export interface CountExportBatchConfig {
  stage: string;
  /** COUNT_RESERVE_SECONDS: counting stops when only this much of the function's time is left (the answer still goes out). */
  reserveSeconds: number;
  /** COUNT_BUDGET_SECONDS: counting stops after this long even if the function has more time; undefined = timeout minus reserve. */
  budgetSeconds?: number;
  /** COUNT_STREAMS: files counted at once, one per vCPU the function's memory buys (about 1 per 1,769 MB). */
  streams: number;
  s3ForcePathStyle: boolean;
}

export interface FinishVerificationConfig {
  stage: string;
  s3ForcePathStyle: boolean;
}

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string): string {
  const value = str(env, name);
  if (!value) throw new ConfigurationError(`Environment variable ${name} is not set`);
  return value;
}

/** The entries whose value is set (a loaded config has no `undefined` keys, so older tests' deep equality holds). */
function optional<T extends Record<string, string | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function flag(env: Env, name: string): boolean {
  const raw = str(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigurationError(`Environment variable ${name} must be true or false, got "${raw}"`);
}

function positiveInt(
  env: Env,
  name: string,
  fallback: number,
  [min, max]: readonly [number, number] = [1, Number.MAX_SAFE_INTEGER],
): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from ${min} to ${max}`;
    throw new ConfigurationError(`Environment variable ${name} must be ${range}, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

function positiveNumber(env: Env, name: string, fallback: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new ConfigurationError(
      `Environment variable ${name} must be a number in (0, ${max}], got "${raw}"`,
    );
  }
  return value;
}

/** A percentage from 0 to 100 (0 allowed: no failure at all is tolerated). */
function percent(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new ConfigurationError(`Environment variable ${name} must be a number from 0 to 100, got "${raw}"`);
  }
  return value;
}

function loadPoll(env: Env): PollConfig {
  const poll = {
    minWaitSeconds: positiveInt(
      env,
      'POLL_MIN_WAIT_SECONDS',
      CONFIG_DEFAULTS.POLL_MIN_WAIT_SECONDS,
      CONFIG_LIMITS.POLL_MIN_WAIT_SECONDS,
    ),
    maxWaitSeconds: positiveInt(
      env,
      'POLL_MAX_WAIT_SECONDS',
      CONFIG_DEFAULTS.POLL_MAX_WAIT_SECONDS,
      CONFIG_LIMITS.POLL_MAX_WAIT_SECONDS,
    ),
    runDeadlineSeconds: positiveInt(
      env,
      'RUN_DEADLINE_SECONDS',
      CONFIG_DEFAULTS.RUN_DEADLINE_SECONDS,
      CONFIG_LIMITS.RUN_DEADLINE_SECONDS,
    ),
    nearWaitSeconds: positiveInt(
      env,
      'POLL_NEAR_WAIT_SECONDS',
      CONFIG_DEFAULTS.POLL_NEAR_WAIT_SECONDS,
      CONFIG_LIMITS.POLL_NEAR_WAIT_SECONDS,
    ),
    idleGrowth: positiveNumber(env, 'POLL_IDLE_GROWTH', CONFIG_DEFAULTS.POLL_IDLE_GROWTH, 10),
    aimFraction: positiveNumber(env, 'POLL_AIM_FRACTION', CONFIG_DEFAULTS.POLL_AIM_FRACTION, 1),
    finishingShare: positiveNumber(env, 'POLL_FINISHING_SHARE', CONFIG_DEFAULTS.POLL_FINISHING_SHARE, 10),
  };
  if (poll.minWaitSeconds > poll.maxWaitSeconds) {
    throw new ConfigurationError(
      `POLL_MIN_WAIT_SECONDS (${poll.minWaitSeconds}) must not exceed POLL_MAX_WAIT_SECONDS (${poll.maxWaitSeconds})`,
    );
  }
  return Object.freeze(poll);
}

export function loadCreateExportJobConfig(env: Env = process.env): Readonly<CreateExportJobConfig> {
  return Object.freeze({
    stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE,
    inputDefaults: Object.freeze(inputDefaultsFrom((name) => str(env, name))),
    poll: loadPoll(env),
    ledger: Object.freeze({
      tableName: required(env, 'RUN_LEDGER_TABLE'),
      claimSeconds: positiveNumber(env, 'LEDGER_CLAIM_SECONDS', CONFIG_DEFAULTS.LEDGER_CLAIM_SECONDS, 900),
      retentionDays: positiveInt(env, 'LEDGER_RETENTION_DAYS', CONFIG_DEFAULTS.LEDGER_RETENTION_DAYS),
    }),
  });
}

export function loadGetExportJobStatusConfig(env: Env = process.env): Readonly<GetExportJobStatusConfig> {
  return Object.freeze({ stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE, poll: loadPoll(env) });
}

export function loadPublishSummaryConfig(env: Env = process.env): Readonly<PublishSummaryConfig> {
  return Object.freeze({
    stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE,
    topicArn: required(env, 'SUMMARY_TOPIC_ARN'),
    ledgerTableName: required(env, 'RUN_LEDGER_TABLE'),
    ...(str(env, 'RECORDS_DROP_WARN_PERCENT') !== undefined && {
      recordsDropWarnPercent: positiveNumber(env, 'RECORDS_DROP_WARN_PERCENT', 0, 100),
    }),
    ...(flag(env, 'RAW_FAILURES_IN_EMAIL') && { rawFailuresInEmail: true }),
    metricsNamespace: str(env, 'METRICS_NAMESPACE') ?? CONFIG_DEFAULTS.METRICS_NAMESPACE,
    maxFailurePercent: percent(env, 'MAX_FAILURE_PERCENT', CONFIG_DEFAULTS.MAX_FAILURE_PERCENT),
    ...optional({ dashboardUrl: str(env, 'DASHBOARD_URL'), runbookUrl: str(env, 'RUNBOOK_URL') }),
  });
}

export function loadVerifyExportConfig(env: Env = process.env): Readonly<VerifyExportConfig> {
  return Object.freeze({
    stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE,
    batchBytes: positiveInt(env, 'VERIFY_BATCH_BYTES', CONFIG_DEFAULTS.VERIFY_BATCH_BYTES, [1, 1024 ** 4]),
    concurrency: positiveInt(env, 'VERIFY_CONCURRENCY', CONFIG_DEFAULTS.VERIFY_CONCURRENCY, [1, 40]),
    s3ForcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE'),
  });
}

export function loadCountExportBatchConfig(env: Env = process.env): Readonly<CountExportBatchConfig> {
  return Object.freeze({
    stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE,
    reserveSeconds: positiveInt(
      env,
      'COUNT_RESERVE_SECONDS',
      CONFIG_DEFAULTS.COUNT_RESERVE_SECONDS,
      [1, 600],
    ),
    ...(str(env, 'COUNT_BUDGET_SECONDS') !== undefined && {
      budgetSeconds: positiveInt(env, 'COUNT_BUDGET_SECONDS', 0, [1, 900]),
    }),
    streams: positiveInt(env, 'COUNT_STREAMS', CONFIG_DEFAULTS.COUNT_STREAMS, [1, 16]),
    s3ForcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE'),
  });
}

export function loadFinishVerificationConfig(env: Env = process.env): Readonly<FinishVerificationConfig> {
  return Object.freeze({
    stage: str(env, 'STAGE') ?? CONFIG_DEFAULTS.STAGE,
    s3ForcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE'),
  });
}

export function loadSdkClientConfig(env: Env = process.env): Readonly<SdkClientConfig> {
  return Object.freeze({
    requestHandler: {
      connectionTimeout: positiveInt(env, 'AWS_SDK_CONNECTION_TIMEOUT_MS', 3_000),
      requestTimeout: positiveInt(env, 'AWS_SDK_REQUEST_TIMEOUT_MS', 10_000),
      // Without it @smithy/node-http-handler (4.x) only logs a warning when requestTimeout passes
      // and keeps waiting for the answer: a hung call would hang the Lambda until its own timeout.
      // Clients of calls that are not idempotent (CreateExportJob, SNS Publish) turn it off.
      throwOnRequestTimeout: true,
    },
  });
}

/** The stage's defaults for every source's input (the create function's environment). */
export function inputDefaultsOf(config: Pick<CreateExportJobConfig, 'inputDefaults'>): InputDefaults {
  return config.inputDefaults;
}
