import { LEDGER_DEFAULTS } from './ledger-schema.ts';
import { DEFAULT_MAX_FAILURE_PERCENT } from './outcome.ts';

/*
 * The settings every function reads, their defaults and ranges: one place. The functions'
 * loaders (functions/shared/config.ts) read them from the environment at cold start; the
 * stage file's reader (deploy/) checks them against the same ranges.
 */

/** Settings for the poll loop (get-export-job-status, and the first wait set by create-export-job). */
export interface PollConfig {
  /** Shortest wait between two status checks, seconds. */
  minWaitSeconds: number;
  /** Longest wait between two status checks, seconds. */
  maxWaitSeconds: number;
  /** How long after the run started the workflow gives up waiting and reports TIMED_OUT, seconds. */
  runDeadlineSeconds: number;
  /**
   * Wait while the job's end is estimated to be near (or overdue), seconds. It bounds the
   * delay between the job's end and the summary; clamped into [minWaitSeconds, maxWaitSeconds].
   * Optional so hand-built configs keep working; the loader always sets it.
   */
  nearWaitSeconds?: number;
  /** While nothing can be estimated, the next check comes after this fraction of the time elapsed so far. */
  idleGrowth?: number;
  /** While estimating, wait this fraction of the estimated time left, then look again. */
  aimFraction?: number;
  /**
   * Expected length of COMPLETING/FAILING as a multiple of the job's setup time (creation
   * until it left INITIALIZING). Pinpoint does not document it: the default is the job
   * model's 0.4. It is applied to the shortest setup the checks allow, so it stays an early
   * estimate; an operator can calibrate it from the status-change log lines.
   */
  finishingShare?: number;
}

/** Defaults, and the names of the environment variables that override them. */
export const CONFIG_DEFAULTS = {
  STAGE: 'dev',
  METRICS_NAMESPACE: 'ExportOrchestrator',
  /** Three times the create function's 30-second timeout: a live create always finishes first. */
  LEDGER_CLAIM_SECONDS: LEDGER_DEFAULTS.claimSeconds,
  /** About 13 months of history: a year-on-year comparison stays possible. */
  LEDGER_RETENTION_DAYS: LEDGER_DEFAULTS.retentionDays,
  POLL_MIN_WAIT_SECONDS: 5,
  POLL_MAX_WAIT_SECONDS: 900,
  RUN_DEADLINE_SECONDS: 12 * 3600,
  POLL_NEAR_WAIT_SECONDS: 25,
  POLL_IDLE_GROWTH: 1.5,
  POLL_AIM_FRACTION: 0.7,
  POLL_FINISHING_SHARE: 0.4,
  /** 2 GiB of gzip per batch (core/verification-sizing.ts, docs/PERFORMANCE.md). */
  VERIFY_BATCH_BYTES: 2 * 1024 ** 3,
  /** An inline Map's most. */
  VERIFY_CONCURRENCY: 40,
  /** The count's answer is a few hundred bytes: 10 s is ample. */
  COUNT_RESERVE_SECONDS: 10,
  /** Three vCPUs at the stage's default 5,307 MB (the stack sets it from the memory). */
  COUNT_STREAMS: 3,
  /** Why 1 %: core/outcome.ts. */
  MAX_FAILURE_PERCENT: DEFAULT_MAX_FAILURE_PERCENT,
} as const;

/**
 * Ranges of the integer settings. The upper bounds are the stage config's
 * (deploy/stage-config.ts): a deadline of a week, or a wait of an hour, is
 * already far past any export. The lower bounds stay at 1 second, below the
 * stage config's, because local runs and tests compress time.
 */
export const CONFIG_LIMITS = {
  POLL_MIN_WAIT_SECONDS: [1, 3600],
  POLL_MAX_WAIT_SECONDS: [1, 3600],
  POLL_NEAR_WAIT_SECONDS: [1, 3600],
  RUN_DEADLINE_SECONDS: [1, 7 * 24 * 3600],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * The poll loop's iteration cap: IsExportJobDone in statemachine/export-workflow.asl.json
 * ends the loop after this many status checks (a test holds the two equal).
 */
export const POLL_CHECK_CAP = 1000;

/**
 * Why the deadline cannot be reached within the cap, or undefined when it can: the poller
 * stretches its waits so the checks left always cover the time to the deadline, which
 * needs POLL_CHECK_CAP waits of at most maxWaitSeconds to cover runDeadlineSeconds. The
 * stage config refuses a configuration where they cannot; given one through the environment
 * (local runs compress time), the poller raises its longest wait to what the cap needs.
 */
export function pollCapProblem(poll: Pick<PollConfig, 'maxWaitSeconds' | 'runDeadlineSeconds'>) {
  if (poll.runDeadlineSeconds <= POLL_CHECK_CAP * poll.maxWaitSeconds) return undefined;
  return `(${poll.runDeadlineSeconds}) cannot be reached within the workflow's ${POLL_CHECK_CAP} status checks at the longest wait (${poll.maxWaitSeconds} s): the run would end TIMED_OUT before its deadline; raise the longest wait to at least ${Math.ceil(poll.runDeadlineSeconds / POLL_CHECK_CAP)} s or shorten the deadline`;
}

/** Timeouts for every AWS SDK client, so a hung connection fails fast and is retried by the state machine. */
export interface SdkClientConfig {
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
}
