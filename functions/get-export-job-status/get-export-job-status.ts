import type { Logger } from '@aws-lambda-powertools/logger';
import { nextPollState } from '../../core/poll-schedule.ts';
import type { GetExportJobStatusEvent, RunState } from '../../core/types.ts';
import { type SourceDeps, sourceContextOf } from '../../sources/context.ts';
import { sourceOf } from '../../sources/ids.ts';
import { runtimeFor } from '../../sources/runtimes.ts';
import type { GetExportJobStatusConfig } from '../shared/config.ts';

export interface GetExportJobStatusDeps extends SourceDeps {
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
  const { request } = event;
  logger.appendKeys({
    executionName: event.execution.Name,
    source: sourceOf(request),
    ...(request.Source === undefined ? { applicationId: request.ApplicationId } : {}),
    jobId: event.job.Id,
  });
  const runtime = await runtimeFor(request);
  const ctx = sourceContextOf(deps, 'get-export-job-status', deps.now);
  const read = await runtime.read(request, event.job, ctx);
  if (!read) {
    // Only the create's check of a recorded job may find a job gone; here the source said so in an error.
    throw new runtime.errors.errors.rejected(
      `${runtime.errors.service} no longer knows export job ${event.job.Id}`,
      {
        reason: 'export job not found',
        advice: `${runtime.errors.service} no longer knows the export job: check it in the console; files already written are under the destination.`,
      },
    );
  }
  // What create-export-job learned (a skipped window, the window it planned) stays with the job.
  const job = { ...read, ...(event.job.Details && !read.Details ? { Details: event.job.Details } : {}) };
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
