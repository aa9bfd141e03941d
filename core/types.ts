import type { JobStatus, SummaryVerdict, Verdict } from './job.ts';
import type { Outcome } from './outcome.ts';

/**
 * The data that flows through the export workflow. These shapes are the contract
 * between `statemachine/export-workflow.asl.json` and the three functions: the
 * ASL reads `$.job.JobStatus`, `$.poll.waitSeconds`, `$.poll.deadlinePassed`,
 * `$.poll.checks` and `$.summary.status` from them.
 */

export { JOB_STATUSES, type JobStatus, type SummaryVerdict, type Verdict } from './job.ts';

/**
 * The validated, completed request of each source, by the source's id. Core names no source:
 * each adds its own request type here from its folder (`sources/<id>/types.ts`, by declaration
 * merging), so the union below is every registered source's.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, one entry per source.
export interface SourceRequests {}

/** The export sources' ids (docs/SOURCES.md). */
export type SourceId = keyof SourceRequests & string;

/** The validated, completed request of any source. */
export type ResolvedExportRequest = SourceRequests[SourceId];

/** Fields every source's resolved request has. */
export interface CommonRequest {
  /** The source's id; absent for the first source's requests (inputs written before sources existed). */
  Source?: string | undefined;
  /** ISO 8601, UTC: the run's scheduled time (the input's, or the execution's start). */
  ScheduledTime: string;
  /** The target's name, when the input names it (schedules do: the stage config's target name). */
  Target?: string;
  /**
   * The target's failure limit, percent of the records processed (0-100): above it the run is
   * TOO_MANY_FAILURES, not COMPLETED. Absent: the stage's default (MAX_FAILURE_PERCENT).
   */
  MaxFailurePercent?: number;
}

/** How the execution was started. */
export type Trigger = 'schedule' | 'manual' | 'other';

/** Identity of the Step Functions execution, from the Context Object (`$$.Execution`). */
export interface ExecutionRef {
  Id: string;
  Name: string;
  StartTime: string;
}

/** Execution identity plus what started it. */
export interface ExecutionInfo extends ExecutionRef {
  Trigger: Trigger;
}

/** The export job as last seen. Failures are left out on purpose: they can exceed Step Functions' 256 KB payload limit, so publish-summary reads them itself. */
export interface JobSnapshot {
  Id: string;
  JobStatus: JobStatus;
  CreationDate: string;
  CompletionDate?: string;
  TotalPieces?: number;
  CompletedPieces?: number;
  FailedPieces?: number;
  TotalProcessed?: number;
  TotalFailures?: number;
  /** True when an existing job for the same run was found and reused instead of creating one. */
  Reused: boolean;
  /**
   * Sources other than Pinpoint: the job's status in the source's own words (IN_PROGRESS),
   * mapped to {@link JobStatus} for the poller and the state machine.
   */
  SourceStatus?: string;
  /**
   * Sources other than Pinpoint: why the job FAILED, in the source's words (Customer Profiles'
   * StatusMessage, DynamoDB's FailureCode: FailureMessage). Short: it travels in the state.
   */
  Failures?: string[];
  /**
   * What the source reports beyond the common fields, shown in the summary's `details`
   * (DynamoDB: ExportType, ExportTime or the window, BilledSizeBytes, ExportManifest).
   */
  Details?: Record<string, string | number | boolean | null>;
  /**
   * The point in the source's data the export covers up to (ISO): DynamoDB's ExportTime or
   * ExportToTime. Recorded in the run ledger; the next incremental run starts from it.
   */
  CoveredUntil?: string;
}

/** Poll-loop bookkeeping carried from one status check to the next. */
export interface PollState {
  /** Status checks made so far (GetExportJob calls by get-export-job-status). */
  checks: number;
  /** Seconds the Wait state waits before the next check (integer ≥ 1). */
  waitSeconds: number;
  /** ISO 8601 time after which the run stops waiting and reports TIMED_OUT. */
  deadline: string;
  deadlinePassed: boolean;
  /** When the job status last changed or progress was last seen to move (ISO 8601). */
  lastProgressAt: string;
  /** CompletedPieces + FailedPieces at the last check, to detect progress. */
  lastPiecesDone: number;
  /** Status seen at the previous check, to report changes. */
  lastStatus: JobStatus;

  /*
   * What the wait estimator (core/poll-schedule.ts) remembers between
   * checks. Optional: a state written before a field existed still works, and the
   * ASL passes `$.poll` through as is. Times are ISO 8601; durations are seconds
   * since the job's CreationDate.
   */
  /** When the previous check ran. */
  lastCheckAt?: string;
  /** Shortest and longest setup (creation until the job left INITIALIZING) the checks alone allow. */
  setupSeenMinSeconds?: number;
  setupSeenMaxSeconds?: number;
  /**
   * Shortest and longest setup once the setup phases' usual shape is taken into
   * account (narrower; dropped, back to the seen bounds, when a check contradicts it).
   */
  setupMinSeconds?: number;
  setupMaxSeconds?: number;
  /** Start of PROCESSING (midway between the two checks around it). */
  processingStartedAt?: string;
  /** Earliest possible start of COMPLETING or FAILING: the last check that still saw PROCESSING. */
  finishingStartedAt?: string;
  /** Latest possible start of COMPLETING or FAILING: the first check that saw it (or the job's end). */
  finishingSeenAt?: string;
  /** When the count of finished pieces last went up (midway between the two checks around it). */
  piecesChangedAt?: string;
  /** When pieces were first seen finished, and how many: the start of the steady-rate window. */
  rateAnchorAt?: string;
  rateAnchorPieces?: number;
  /** Pieces finished per second, the fastest (earliest-end) of the estimates. */
  piecesPerSecond?: number;
  /**
   * When the job was created as the poller counts it: its CreationDate, or — when that is
   * missing or unparsable — when create-export-job first saw the job.
   */
  createdAt?: string;
  /** Earliest start of the status last seen: the last check that saw another status. */
  statusSince?: string;
  /**
   * The prior: how long the target's previous COMPLETED run took (creation to completion,
   * seconds), from the run ledger. Absent for a target without history.
   */
  expectedSeconds?: number;
  /**
   * The rest of the prior, from the same run's ledger outcome: how long its setup took, and
   * when its COMPLETING/FAILING began (seconds since its job's creation). Absent when not recorded.
   */
  priorSetupSeconds?: number;
  priorFinishingStartSeconds?: number;
}

/**
 * The poller's prior: the target's previous COMPLETED run as the run ledger recorded it
 * (RunOutcome's durationSeconds, setupSeconds, finishingStartedSeconds).
 */
export interface PollPrior {
  /** Creation to completion, seconds. */
  durationSeconds: number;
  /** How long the setup (creation until the job left INITIALIZING) took, seconds. */
  setupSeconds?: number;
  /** When COMPLETING (or FAILING) began, seconds since the job's creation. */
  finishingStartedSeconds?: number;
}

/** The workflow's state between tasks (output of create-export-job and get-export-job-status). */
export interface RunState {
  execution: ExecutionInfo;
  request: ResolvedExportRequest;
  /** The run's item in the run ledger (functions/shared/run-ledger.ts). Optional: a state written before the ledger existed still works. */
  run?: LedgerRunRef;
  job: JobSnapshot;
  poll: PollState;
  /** What VerifyExport found in S3 (`ResultPath: $.verification`), after a COMPLETED job. */
  verification?: VerificationResult;
  /** VerifyExport's error when it failed through every retry (its Catch, `ResultPath: $.verificationError`). */
  verificationError?: CaughtError;
}

/** What the VerifyExport task returns (`$.verification`): a few hundred bytes; the per-file detail is in the manifest. */
export interface VerificationResult {
  verdict: Verdict;
  /** The S3 location listed: `s3://bucket/prefix/`, the job's own files. */
  location: string;
  /** Objects under the location (the manifest not included). */
  files: number;
  bytes: number;
  /** Records counted in the files; null unless every file was counted. */
  records: number | null;
  /** Files whose records were counted. */
  countedFiles: number;
  /** Records the source reported (Pinpoint: TotalProcessed − TotalFailures); null when it did not say. */
  expected: number | null;
  /** The manifest, written last under the location: `s3://bucket/prefix/_manifest.json`. */
  manifestUri: string;
  /** The verdict in words. */
  note: string;
  /** Files whose records were not counted (a format not counted, the budget, a batch that failed, a missing file). */
  uncountedFiles?: number;
  /** Files the source's manifest names that are not in the bucket (or were gone when read). */
  missingFiles?: number;
  /** Files with another ETag than the source's manifest recorded, or that changed while they were verified. */
  changedFiles?: number;
  /** The counting batches the workflow's Map ran. */
  batches?: number;
}

/** Where a run is recorded in the run ledger. */
export interface LedgerRunRef {
  /** The target's key: what is exported and where. */
  target: string;
  /** The target's readable name (the input's Target, or one derived from the definition). */
  targetName: string;
  scheduledTime: string;
  /** 1 for the first claim of the run; higher after a take-over or a redo. */
  attempt: number;
}

/** Input of the CreateExportJob task (built by the ASL's Parameters). */
export interface CreateExportJobEvent {
  Input: unknown;
  Execution: ExecutionRef;
}

/** Input of the GetExportJobStatus task: the run state as is. */
export type GetExportJobStatusEvent = RunState;

/** Error caught by a Catch with `ResultPath: $.error`. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** Input of the PublishSummary task (built by the ASL's Parameters). */
export interface PublishSummaryEvent {
  /** The state at the moment of PublishSummary: a RunState, or whatever the failed task had plus `error`. */
  Run: Partial<RunState> & {
    error?: CaughtError;
  };
  /**
   * Not `$$.Execution.Input`: the raw input may be as large as Step Functions' 256 KB limit,
   * so it never travels past CreateExportJob; when that fails its error carries what a
   * summary shows of the input (see `appendInputFacts` in errors.ts).
   */
  Execution: ExecutionRef;
}

/** How a run ended: the outcome (core/outcome.ts), decided once by publish-summary. */
export type SummaryStatus = Outcome;

/** The summary subscribers receive (the structured form). */
export interface ExportSummary {
  /** The run's outcome (core/outcome.ts): every channel tells this one. */
  status: SummaryStatus;
  /** One line a person reads at a glance. */
  headline: string;
  stage: string;
  /** The export source's id (docs/SOURCES.md); null when the input was too broken to say. */
  source?: string | null;
  /** The source as people name it ("Pinpoint", "Customer Profiles", "DynamoDB"); null when unknown. */
  service?: string | null;
  /** What was exported, in the source's words ("segment vip of domain crm"); null when the input was too broken to say. */
  what?: string | null;
  /** The target's name in the run ledger (`npm run export -- history --target NAME`); null when the run never got that far. */
  target: string | null;
  /**
   * The target's previous good (COMPLETED) run, from the run ledger, and how this run's
   * exported records compare (percent, negative = fewer; only for a COMPLETED run); null without one.
   * `TotalProcessed` is that run's exported count (kept under its old name for subscribers).
   */
  previousRun: { scheduledTime: string; TotalProcessed: number | null; changePercent: number | null } | null;
  /** True when the exported records dropped by more than the stage's RECORDS_DROP_WARN_PERCENT against the previous run. */
  recordsDrop: boolean;
  /**
   * True when TotalProcessed counts changes, not the target's records (an incremental DynamoDB
   * export): never compared with another run. Absent otherwise.
   */
  countsChanges?: boolean;
  /**
   * The source's own facts of the run, as the source names them (Pinpoint: `applicationId`,
   * `segmentId`, `segmentVersion`); empty for a source with none to add.
   */
  sourceFields?: Record<string, string | number | null>;
  /** The message attributes those facts give subscribers to filter on (Pinpoint: `applicationId`, `segmentId`). */
  sourceAttributes?: Record<string, string>;
  jobId: string | null;
  jobStatus: JobStatus | null;
  jobReused: boolean;
  s3UrlPrefix: string | null;
  /** Records the source processed, as it reports them (Pinpoint's count its failures too). */
  TotalProcessed: number | null;
  TotalFailures: number | null;
  /** Records exported: TotalProcessed minus TotalFailures; null when the source did not say. */
  exported?: number | null;
  /** TotalFailures in percent of TotalProcessed, one decimal; null when it cannot be said. */
  failurePercent?: number | null;
  /** The target's failure limit the outcome was decided with (percent of TotalProcessed). */
  maxFailurePercent?: number;
  Failures: string[];
  /** How many Failures entries were left out to fit SNS's message limit (Pinpoint keeps at most 100). */
  failuresOmitted: number;
  TotalPieces: number | null;
  CompletedPieces: number | null;
  FailedPieces: number | null;
  creationDate: string | null;
  completionDate: string | null;
  durationSeconds: number | null;
  statusChecks: number;
  scheduledTime: string | null;
  execution: { id: string; name: string; startTime: string; trigger: Trigger };
  /**
   * For COMPLETED: what the verification found in S3 (VerifyExport), or UNVERIFIED with the reason
   * when it could not run; null for any other status. Optional only for summaries published before it existed.
   */
  verification?: {
    verdict: SummaryVerdict;
    files: number | null;
    bytes: number | null;
    records: number | null;
    expected: number | null;
    manifestUri: string | null;
    note: string;
  } | null;
  /**
   * What the source reports beyond the common fields (DynamoDB: ExportType, the window,
   * BilledSizeBytes, ExportManifest; Customer Profiles: DataFormat); null for Pinpoint.
   */
  details?: Record<string, string | number | boolean | null> | null;
  /**
   * For ERROR: what failed (`name`, the workflow error; `message`, what happened), the cause
   * in a few words (`reason`, lowercase ASCII, at most 60 characters, e.g. "application not
   * found", "end of support", "orchestrator bug") and what an operator should do.
   */
  error: { name: string; message: string; reason: string; advice: string } | null;
  /** What to do, for every outcome that is not a success (null for COMPLETED): the one advice table. */
  advice?: string | null;
  /** Where to look: consoles and the stage's runbook; each null when it cannot be said. */
  links?: SummaryLinks;
}

/** The links a summary carries. */
export interface SummaryLinks {
  /** The execution in the Step Functions console. */
  execution: string | null;
  /** The export's S3 location in the S3 console. */
  s3: string | null;
  /** The stage's CloudWatch dashboard. */
  dashboard: string | null;
  /** The stage's runbook (notifications.runbookUrl), when one is configured. */
  runbook: string | null;
}

/** What publish-summary returns to the state machine. */
export interface PublishSummaryResult {
  /** The run's outcome: the ASL's last Choice succeeds the execution only for COMPLETED. */
  status: SummaryStatus;
  messageId: string;
  subject: string;
  /** The summary's headline, what to do and the verification's verdict: what a caller that cannot read the topic shows. */
  headline?: string;
  advice?: string | null;
  verdict?: SummaryVerdict | null;
  /** For the ExportFailed Fail state's ErrorPath/CausePath. */
  failure: { error: string; cause: string } | null;
  /** The per-target metric values the run emitted (EMF), by metric name; the local run prints them. */
  metrics?: Record<string, number>;
}

/** How a file's records are counted. */
export type RecordFormat = 'ndjson' | 'csv' | 'binary';

/** What a source tells the verification about one finished job. */
export interface VerificationTarget {
  /** `pinpoint`, `dynamodb`, `customer-profiles`. */
  source: string;
  /** As people name the source: `Pinpoint`. */
  sourceName: string;
  bucket: string;
  /** Key prefix of the job's own files, ending in `/` (or empty for the whole bucket); the manifest is written here. */
  prefix: string;
  /**
   * The source's own manifests of the job (DynamoDB: each export's manifest-summary.json, the
   * keys DescribeExport's `ExportManifest` gives), read as the source's `publishedFiles` says:
   * only the files they name are the job's, and a named file that is missing is a MISMATCH.
   * DynamoDB's incremental exports share one `AWSDynamoDB/data/` folder, so listing alone cannot
   * tell which files are this run's. `expected`: how many the job has (one per export); fewer
   * keys is a MISMATCH.
   */
  sourceManifests?: { keys: string[]; expected: number };
  /**
   * Only files written at or after this time (ISO) are the job's: a source that writes
   * straight into a destination other runs share (Customer Profiles) leaves older files there.
   */
  modifiedSince?: string;
  /** The format of files whose extension does not say (Pinpoint writes JSON lines). */
  defaultFormat: RecordFormat;
  /** Records the source reported; null when it does not report a count. */
  expected: number | null;
  /** How the expected count was derived, in the source's own field names. */
  expectedFrom: string;
  run: { executionId: string; executionName: string; scheduledTime: string | null; target: string | null };
  /** The job as the source reported it; `id` and `status` at least. */
  job: { id: string; status: string } & Record<string, unknown>;
}
