/*
 * The words a job and its verification end in: what the outcome (outcome.ts) is decided from.
 * The run's other types (types.ts) re-export them.
 */

/** The job statuses (Pinpoint's words, which every source's status maps to); only COMPLETED and FAILED are terminal. */
export const JOB_STATUSES = [
  'CREATED',
  'PREPARING_FOR_INITIALIZATION',
  'INITIALIZING',
  'PROCESSING',
  'PENDING_JOB',
  'COMPLETING',
  'COMPLETED',
  'FAILING',
  'FAILED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * What the verification concludes: the files hold exactly the records the source
 * reported (VERIFIED), other than that (MISMATCH; also a job that reported records
 * and wrote no file), or the records could not all be counted (NOT_COUNTED: files in
 * formats that are not counted, or the time budget ran out). COUNTED: every file was
 * counted but the source reports no count to compare with (Customer Profiles); the
 * count is the run's TotalProcessed.
 */
export type Verdict = 'VERIFIED' | 'MISMATCH' | 'NOT_COUNTED' | 'COUNTED';

/** The summary's verdict: a {@link Verdict}, or UNVERIFIED when the verification itself failed. */
export type SummaryVerdict = Verdict | 'UNVERIFIED';
