import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateExportJobCommand,
  type ExportJobResponse,
  GetExportJobsCommand,
  type PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { PINPOINT_SOURCE, toWorkflowError } from '../shared/aws-errors.ts';
import type { CreateExportJobConfig } from '../shared/config.ts';
import { PinpointUnavailableError } from '../shared/errors.ts';
import { resolveExecutionInput } from '../shared/input.ts';
import { toJobSnapshot } from '../shared/job-snapshot.ts';
import { initialPollState } from '../shared/poll-schedule.ts';
import { triggerOf } from '../shared/trigger.ts';
import type { CreateExportJobEvent, ResolvedExportRequest, RunState } from '../shared/types.ts';

export interface CreateExportJobDeps {
  /** Client for the look-up (GetExportJobs); SDK retries are fine here. */
  pinpoint: PinpointClient;
  /**
   * Client for CreateExportJob with SDK retries off: a 5xx may come back after
   * Pinpoint did create the job, so the retry must start over from the look-up
   * (the state machine's Retry does that) instead of sending the create again.
   */
  pinpointCreate: PinpointClient;
  config: CreateExportJobConfig;
  logger: Logger;
  now: () => Date;
}

/** The function's key in serverless.yml, for error advice. */
const CALLER = 'create-export-job';

/** How many GetExportJobs pages to read at most when looking for a job of this run. */
export const LOOKUP_MAX_PAGES = 5;
export const LOOKUP_PAGE_SIZE = 50;
/** Jobs created this long before the scheduled time still count as this run's (clock skew). */
export const LOOKUP_SKEW_MS = 60_000;

/**
 * True when `job` was created for this run: same definition, created at or
 * after the scheduled time, and not failed (a failed job is redone, not reused).
 */
export function isJobOfThisRun(job: ExportJobResponse, request: ResolvedExportRequest): boolean {
  const want = request.ExportJobRequest;
  const have = job.Definition;
  if (!have || !job.CreationDate) return false;
  if (job.JobStatus === 'FAILED' || job.JobStatus === 'FAILING') return false;
  if (Date.parse(job.CreationDate) < Date.parse(request.ScheduledTime) - LOOKUP_SKEW_MS) return false;
  return (
    have.RoleArn === want.RoleArn &&
    have.S3UrlPrefix === want.S3UrlPrefix &&
    (have.SegmentId ?? undefined) === want.SegmentId &&
    // Without a requested version Pinpoint exports the latest and may echo its number.
    (want.SegmentVersion === undefined || have.SegmentVersion === want.SegmentVersion)
  );
}

async function findJobOfThisRun(
  pinpoint: PinpointClient,
  request: ResolvedExportRequest,
): Promise<ExportJobResponse | undefined> {
  const oldest = Date.parse(request.ScheduledTime) - LOOKUP_SKEW_MS;
  let token: string | undefined;
  for (let page = 0; page < LOOKUP_MAX_PAGES; page++) {
    const response = await pinpoint
      .send(
        new GetExportJobsCommand({
          ApplicationId: request.ApplicationId,
          PageSize: String(LOOKUP_PAGE_SIZE),
          ...(token ? { Token: token } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'GetExportJobs', caller: CALLER });
      });
    const items = response.ExportJobsResponse?.Item ?? [];
    const match = items.find((job) => isJobOfThisRun(job, request));
    if (match) return match;
    token = response.ExportJobsResponse?.NextToken;
    // Pinpoint lists newest first: once a page reaches past the window, stop.
    const reachedOlder = items.some((job) => job.CreationDate && Date.parse(job.CreationDate) < oldest);
    if (!token || reachedOlder) return undefined;
  }
  return undefined;
}

/**
 * Validates and completes the execution input, then reuses the export job
 * already created for this run or creates one. Returns the run state the poll
 * loop starts from.
 */
export async function createExportJob(
  event: CreateExportJobEvent,
  deps: CreateExportJobDeps,
): Promise<RunState> {
  const { config, logger } = deps;
  const execution = { ...event.Execution, Trigger: triggerOf(event.Execution.Name, event.Input) };
  logger.appendKeys({ executionName: execution.Name });
  const request = resolveExecutionInput(
    event.Input,
    { RoleArn: config.defaultRoleArn, S3UrlPrefix: config.defaultS3UrlPrefix },
    execution.StartTime,
  );
  logger.appendKeys({ applicationId: request.ApplicationId });

  let job = await findJobOfThisRun(deps.pinpoint, request);
  const reused = job !== undefined;
  if (job) {
    logger.info('Reusing the export job already created for this run', {
      jobId: job.Id,
      jobStatus: job.JobStatus,
    });
  } else {
    const response = await deps.pinpointCreate
      .send(
        new CreateExportJobCommand({
          ApplicationId: request.ApplicationId,
          ExportJobRequest: request.ExportJobRequest,
        }),
      )
      .catch((error: unknown) => {
        throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'CreateExportJob', caller: CALLER });
      });
    if (!response.ExportJobResponse?.Id) {
      // Retried: the retry's look-up finds the job if Pinpoint did create it.
      throw new PinpointUnavailableError('Pinpoint CreateExportJob answered without a job id', {
        reason: 'unreadable answer',
        advice:
          'Pinpoint kept answering CreateExportJob without a job id: start the run again later with `npm run export` and the same --scheduled-time.',
      });
    }
    job = response.ExportJobResponse;
    logger.info('Created export job', { jobId: job.Id, s3UrlPrefix: request.ExportJobRequest.S3UrlPrefix });
  }
  logger.appendKeys({ jobId: job.Id });

  const snapshot = toJobSnapshot(job, reused);
  return {
    execution,
    request,
    job: snapshot,
    poll: initialPollState(snapshot, new Date(execution.StartTime), deps.now(), config.poll),
  };
}
