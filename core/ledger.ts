/*
 * The run ledger's model: which run an item stands for, the outcome recorded for it, and what
 * a claim found. The ledger over DynamoDB is functions/shared/run-ledger.ts; its table's keys
 * and indexes are ledger-schema.ts.
 */

/** Which run an item stands for. */
export interface RunIdentity {
  /** The export target: everything that defines what is exported and where (see {@link targetKeyOf}). */
  target: string;
  /** A readable name for the target: the schedule's target name, or one derived from the definition. */
  targetName: string;
  /** ISO 8601, UTC. */
  scheduledTime: string;
  /** The export source, for example `pinpoint`. */
  source: string;
}

/** The outcome publish-summary records. */
export interface RunOutcome {
  /** The run's outcome (core/outcome.ts), as every other channel tells it. */
  status: string;
  jobId: string | null;
  jobStatus: string | null;
  totalProcessed: number | null;
  totalFailures: number | null;
  /** Records exported (processed minus failed): what `history` shows and the next run compares with. */
  exported?: number | null;
  /**
   * How the exported records compare with the target's previous good run, decided when the
   * summary was built (percent; absent when there was nothing to compare): `history` shows it
   * as is, whatever rows it fetched.
   */
  changePercent?: number;
  /** The previous good run that comparison was made against. */
  previousScheduledTime?: string;
  durationSeconds: number | null;
  statusChecks: number;
  summaryMessageId: string | null;
  finishedAt: string;
  headline: string;
  /** What the files in S3 held (VERIFIED, MISMATCH, NOT_COUNTED, UNVERIFIED); absent when not verified. */
  verdict?: string;
  /** How long the job's setup took, seconds, as the poll state bracketed it (the next run's prior). */
  setupSeconds?: number;
  /** When the job's COMPLETING/FAILING began, seconds since its creation, as the checks bracketed it (the next run's prior). */
  finishingStartedSeconds?: number;
  /**
   * What the export covered up to in the source's data (ISO; DynamoDB's ExportTime or
   * ExportToTime): the next incremental run of the target starts here.
   */
  coveredUntil?: string;
  /**
   * True when totalProcessed counts changes, not the target's records (an incremental
   * export): nothing to compare night to night (`history` shows no change for it).
   */
  countsChanges?: boolean;
}

/** Records a recorded outcome exported: processed minus failed for a run recorded before `exported` existed. */
export function exportedOf(outcome: RunOutcome | undefined): number | null {
  if (!outcome) return null;
  if (outcome.exported !== undefined) return outcome.exported;
  return outcome.totalProcessed === null ? null : outcome.totalProcessed - (outcome.totalFailures ?? 0);
}

/** One run as the ledger holds it. */
export interface LedgerItem extends RunIdentity {
  kind: 'run';
  /** Execution that holds (or last held) the claim. */
  claimedBy: string;
  /** When the first claim was made (ISO): an export job of this run cannot be older. */
  firstClaimedAt: string;
  claimedAt: string;
  /** Epoch ms after which a claim without a job may be taken over; 0 once released. */
  claimExpiresAt: number;
  /** 1 for the first claim; +1 for each take-over or redo. */
  attempt: number;
  /** When the first execution of this run started (ISO); the `recent` index's sort key. */
  startedAt: string;
  jobId?: string;
  jobCreatedAt?: string;
  /** Jobs of earlier attempts that FAILED (the run was redone). */
  previousJobIds?: string[];
  /**
   * When the claim's holder began starting a job of a source that cannot find a job whose
   * start it never heard back from (Customer Profiles): a later attempt that finds it set and
   * no job recorded does not start a second one. Cleared when a refused run is released.
   */
  startingAt?: string;
  outcome?: RunOutcome;
  /**
   * The target again, set only while the outcome is a success: the sparse `good` index's key,
   * so the previous good run is one Query away however many bad runs came since.
   */
  goodTarget?: string;
  /** Epoch seconds: DynamoDB's TTL deletes the item after this. */
  expiresAt: number;
}

/** What a claim found. */
export type ClaimResult =
  /** This execution holds the claim. `recover`: a job may already exist for it (an earlier attempt whose create answer was lost): look for it before creating one. */
  | { kind: 'claimed'; item: LedgerItem; recover: boolean }
  /** The run already has an export job: use it. */
  | { kind: 'job'; item: LedgerItem; jobId: string }
  /** Another execution holds a live claim without a job yet: try again shortly. */
  | { kind: 'in-progress'; item: LedgerItem };
