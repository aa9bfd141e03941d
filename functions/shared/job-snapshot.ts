import type { ExportJobResponse } from '@aws-sdk/client-pinpoint';
import type { JobSnapshot, JobStatus } from './types.ts';

/** The part of a Pinpoint ExportJobResponse the workflow carries between states (no Failures: see JobSnapshot). */
export function toJobSnapshot(job: ExportJobResponse, reused: boolean): JobSnapshot {
  return {
    Id: job.Id ?? '',
    JobStatus: (job.JobStatus ?? 'CREATED') as JobStatus,
    CreationDate: job.CreationDate ?? new Date(0).toISOString(),
    ...(job.CompletionDate ? { CompletionDate: job.CompletionDate } : {}),
    ...(job.TotalPieces === undefined ? {} : { TotalPieces: job.TotalPieces }),
    ...(job.CompletedPieces === undefined ? {} : { CompletedPieces: job.CompletedPieces }),
    ...(job.FailedPieces === undefined ? {} : { FailedPieces: job.FailedPieces }),
    ...(job.TotalProcessed === undefined ? {} : { TotalProcessed: job.TotalProcessed }),
    ...(job.TotalFailures === undefined ? {} : { TotalFailures: job.TotalFailures }),
    Reused: reused,
  };
}
