import type { Logger } from '@aws-lambda-powertools/logger';
import { GetExportJobCommand, type PinpointClient } from '@aws-sdk/client-pinpoint';
import { PINPOINT_SOURCE, toWorkflowError } from '../shared/aws-errors.ts';
import type { GetExportJobStatusConfig } from '../shared/config.ts';
import { PinpointUnavailableError } from '../shared/errors.ts';
import { toJobSnapshot } from '../shared/job-snapshot.ts';
import { nextPollState } from '../shared/poll-schedule.ts';
import type { GetExportJobStatusEvent, RunState } from '../shared/types.ts';

export interface GetExportJobStatusDeps {
  pinpoint: PinpointClient;
  config: GetExportJobStatusConfig;
  logger: Logger;
  now: () => Date;
}

/**
 * Reads the export job once and returns the run state with the job's status
 * and counts, the wait before the next check, and whether the deadline passed.
 */
export async function getExportJobStatus(
  event: GetExportJobStatusEvent,
  deps: GetExportJobStatusDeps,
): Promise<RunState> {
  const { logger } = deps;
  logger.appendKeys({
    executionName: event.execution.Name,
    applicationId: event.request.ApplicationId,
    jobId: event.job.Id,
  });
  const response = await deps.pinpoint
    .send(new GetExportJobCommand({ ApplicationId: event.request.ApplicationId, JobId: event.job.Id }))
    .catch((error: unknown) => {
      throw toWorkflowError(error, PINPOINT_SOURCE, {
        operation: 'GetExportJob',
        caller: 'get-export-job-status',
      });
    });
  if (!response.ExportJobResponse) {
    throw new PinpointUnavailableError('Pinpoint GetExportJob answered without a job', {
      reason: 'unreadable answer',
      advice:
        'Pinpoint kept answering GetExportJob without the job: check the job with `aws pinpoint get-export-job`.',
    });
  }
  const job = toJobSnapshot(response.ExportJobResponse, event.job.Reused);
  const poll = nextPollState(event.poll, job, deps.now(), deps.config.poll);
  // Every change of status or finished pieces is logged at INFO with what a trace needs
  // (docs/PERFORMANCE.md: the Logs Insights query that replays them in `npm run bench -- --traces`).
  const progress = {
    jobStatus: job.JobStatus,
    completedPieces: job.CompletedPieces,
    failedPieces: job.FailedPieces,
    totalPieces: job.TotalPieces,
    totalProcessed: job.TotalProcessed,
    creationDate: job.CreationDate,
    checks: poll.checks,
    nextWaitSeconds: poll.waitSeconds,
    deadlinePassed: poll.deadlinePassed,
  };
  if (job.JobStatus !== event.poll.lastStatus)
    logger.info('Export job status changed', { ...progress, from: event.poll.lastStatus });
  else if (poll.lastPiecesDone !== event.poll.lastPiecesDone)
    logger.info('Export job progress changed', progress);
  else logger.debug('Export job status checked', progress);
  return { ...event, job, poll };
}
