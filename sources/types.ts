import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsErrorSource } from '../core/aws-errors.ts';
import type { RawInputFacts } from '../core/errors.ts';
import type { SdkClientConfig } from '../core/settings.ts';
import type { SourceFacts, SummaryWords } from '../core/summary.ts';
import type {
  JobSnapshot,
  ResolvedExportRequest,
  RunState,
  SourceId,
  VerificationTarget,
} from '../core/types.ts';
import type { InputDefaults } from './settings.ts';

/*
 * The source seam (docs/SOURCES.md). The modules of a source's folder the functions use:
 *
 *   describe.ts  pure: input validation and defaults, the run's identity, where the
 *                job's files are and what the summary says of it. No AWS SDK client,
 *                so every function may import it statically.
 *   runtime.ts   the SDK calls: create, read the status, recover a lost create, the
 *                error rows. Loaded with a dynamic import() (sources/runtimes.ts), so
 *                a function bundle carries each source's client in its own chunk and
 *                a run loads only its own source's.
 *   names.ts     its names, patterns and limits; settings.ts its stage defaults; input.ts
 *                its execution input from options: each stated once, for describe.ts,
 *                its stack.ts, the CLI and the local run.
 */

export type { SummaryWords } from '../core/summary.ts';
/** The stage's defaults for every source's input, by name (sources/settings.ts). */
export type { InputDefaults } from './settings.ts';

/** One data file as the source's own manifest names it. */
export interface PublishedFile {
  key: string;
  /** The object's S3 ETag as the source recorded it, without quotes. */
  etag?: string;
  /** Records in the file, as the source counted them. */
  records?: number;
  /** Base64 MD5 of the object's bytes. */
  md5?: string;
}

/**
 * A source that publishes facts about each file it wrote (DynamoDB: manifest-summary.json names
 * manifest-files.json, one line per data file), so the files can be checked without reading
 * them: present, the ETag it recorded, its record count. Parsing only.
 */
export interface PublishedFilesFormat {
  /** The first-level manifest's name (the run state names these keys: `manifestKeys`). */
  summaryName: string;
  /** The files manifest's name. */
  filesName: string;
  /** The files manifest a first-level manifest names, and the records it states; or what is wrong with it. */
  filesManifestOf(text: string): { key: string; records?: number } | { problem: string };
  /** The file one line of the files manifest names; undefined for a blank line. */
  fileOf(line: string): PublishedFile | { problem: string } | undefined;
}

/** The pure half of a source. `R` is its resolved request. */
export interface SourceDescription<R extends ResolvedExportRequest = ResolvedExportRequest> {
  id: SourceId;
  /** The source as people name it: "Pinpoint", "Customer Profiles", "DynamoDB". */
  service: string;
  /** Top-level input fields this source accepts besides Source, ScheduledTime and Target. */
  inputFields: readonly string[];
  /** The placeholders its destination template may use (time placeholders included). */
  placeholders: readonly string[];
  /**
   * Validates the source's part of the input (unknown fields already refused) and completes it
   * from the defaults; throws InvalidExportInputError naming the field at fault.
   */
  resolve(
    raw: Record<string, unknown>,
    defaults: InputDefaults,
    scheduledTime: Date,
  ): Omit<R, 'ScheduledTime' | 'Target'>;
  /**
   * The run's target key in the ledger (what is exported and where, the destination *template*
   * included, never the resolved one) and a readable name when the input gives none.
   */
  identity(request: R, destinationTemplate: string): { target: string; name: string };
  /**
   * What a manual execution's name says the run exports (`npm run export -- start`): the
   * segment, its version when one is given, the table; nothing for everything (`all`).
   */
  executionLabel(request: R): { what?: string | undefined; version?: number | undefined };
  /** The destination template the input (or the stage default) gave, before placeholders were resolved. */
  destinationTemplate(raw: Record<string, unknown>, defaults: InputDefaults): string;
  /**
   * Where a COMPLETED job's files are and how many records it reported; undefined when it wrote
   * none (a skipped run). The run's own facts (`run`) are added by verify-export.
   */
  verification(state: RunState & { request: R }): Omit<VerificationTarget, 'run'> | undefined;
  words(request: R): SummaryWords;
  /** How to read the manifests a source writes beside its files, when it writes any (DynamoDB). */
  publishedFiles?: PublishedFilesFormat;
  /**
   * For a source that writes no manifest: the files its own file names say belong to the job
   * and that the listing lacks (Customer Profiles: `<snapshot>_part-00003-of-00004.jsonl` names
   * four parts), each as the key it would have. Empty when the names say nothing.
   */
  missingFiles?(keys: readonly string[]): string[];
  /**
   * Whether a retry or a re-run with the same ScheduledTime finds a job an earlier attempt
   * started but never heard back from (Pinpoint's look-up, its runtime's `recover`; DynamoDB's
   * client token, an idempotent create); Customer Profiles cannot list snapshots. The one
   * statement of it: create-export-job never starts such a source's job twice, and the
   * summary's re-run advice says so.
   */
  findsLostJobs: boolean;
  /**
   * Whether a run's record count is comparable with the target's previous COMPLETED run's (the
   * summary's change and records-drop warning). Not for an incremental export: it counts changes.
   */
  comparesCounts(request: R): boolean;
  /** What the summary's headline adds about this job, in a few words (DynamoDB: its window); optional. */
  jobNote?(job: JobSnapshot): string | undefined;
  /** What an ERROR summary may show of a raw input that failed validation. */
  rawFacts(raw: Record<string, unknown>): Partial<RawInputFacts>;
  /** Its own facts in the summary and the attributes they give (core/summary.ts `SummarySource`); optional. */
  summaryFacts?(request: R | undefined, raw: Record<string, string> | undefined): SourceFacts;
  /** The SNS attributes its summaryFacts add, by name: what each holds (docs/OPERATE.md's table); optional. */
  attributes?: Readonly<Record<string, string>>;
}

/** What every runtime call gets. */
export interface SourceContext {
  logger: Logger;
  now: () => Date;
  sdk: Partial<SdkClientConfig>;
  /** The function calling (its key in serverless.yml), for error advice. */
  caller: string;
  /**
   * SDK clients by name, made once per container by the runtime that needs them
   * (tests put mocked clients here: `pinpoint`, `pinpointCreate`).
   */
  clients: Record<string, unknown>;
}

/** What create gets beyond the context. */
export interface CreateContext extends SourceContext {
  /**
   * The run: the ledger's key, the attempt (1, or more after a take-over or redo) and when the
   * run was first claimed (the same for every retry and duplicate of it).
   */
  run: {
    target: string;
    scheduledTime: string;
    attempt: number;
    firstClaimedAt: string;
    /**
     * How many of the run's jobs FAILED and were redone: unlike `attempt`, it does not change
     * when another execution takes over the claim, so an idempotency token built on it does not either.
     */
    redo: number;
  };
  /** What the target's previous COMPLETED run's export covered up to (ISO), from the ledger. */
  previousCoveredUntil?: string | undefined;
}

/** The half of a source that calls AWS. */
export interface SourceRuntime<R extends ResolvedExportRequest = ResolvedExportRequest> {
  /** Its rows for the one error classifier (core/aws-errors.ts). */
  errors: AwsErrorSource;
  /**
  /**
   * True when this run's export starts where the target's previous COMPLETED run stopped
   * (DynamoDB's incremental exports): the create must then know that run, so a failed read
   * of the ledger fails the create (retried) instead of guessing a window. Left out, the
   * previous run is only the poller's hint.
   */
  continuesPreviousRun?(request: R): boolean;
  /**
   * Starts the export job. Must not retry a create itself: a lost answer is recovered by
   * the state machine's retry, through {@link recover} or an idempotency token (DynamoDB's
   * ClientToken). A source whose description does not say `findsLostJobs` never starts again
   * after an attempt that may have started a job (create-export-job marks the start in the run
   * ledger).
   */
  create(request: R, ctx: CreateContext): Promise<JobSnapshot>;
  /** The job as it is now; undefined when the source no longer knows it. */
  read(
    request: R,
    job: Pick<JobSnapshot, 'Id' | 'Reused'> & Partial<JobSnapshot>,
    ctx: SourceContext,
  ): Promise<JobSnapshot | undefined>;
  /**
   * A job this run created (since `since`, epoch ms) whose create answer was lost; undefined
   * when there is none. Sources whose create is idempotent (a client token) need none.
   */
  recover?(request: R, since: number, ctx: SourceContext): Promise<JobSnapshot | undefined>;
}

/**
 * The job's final record for the summary, when the snapshot leaves something out
 * (Pinpoint: its Failures, which can exceed the state's 256 KB); sources/final-reads.ts.
 */
export type FinalRead<R extends ResolvedExportRequest = ResolvedExportRequest> = (
  request: R,
  jobId: string,
  ctx: SourceContext,
  signal: AbortSignal,
) => Promise<unknown>;
