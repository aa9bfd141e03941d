import {
  CreateExportJobCommand,
  type ExportJobResponse,
  GetExportJobCommand,
  GetExportJobsCommand,
  PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { toWorkflowError } from '../../core/aws-errors.ts';
import { PinpointUnavailableError } from '../../core/errors.ts';
import type { JobSnapshot, JobStatus } from '../../core/types.ts';
import type { SourceContext, SourceRuntime } from '../types.ts';
import { PINPOINT_SOURCE } from './errors.ts';
import type { PinpointRequest } from './types.ts';

/*
 * Amazon Pinpoint's SDK calls: CreateExportJob, GetExportJob, and the look-up of a job
 * whose create answer was lost (GetExportJobs). Loaded only by runs of this source.
 */

export const LOOKUP_PAGE_SIZE = 50;

/**
 * The clients, made once per container: `pinpoint` (look-up and status reads, SDK
 * retries fine) and `pinpointCreate`, which waits for its answer and never retries: a
 * create that outlasts the request timeout, or answers 5xx, may still have been
 * carried out, so the state machine's retry starts over from the look-up instead.
 */
function clientsOf(ctx: SourceContext): { pinpoint: PinpointClient; pinpointCreate: PinpointClient } {
  ctx.clients.pinpoint ??= new PinpointClient({ ...ctx.sdk });
  ctx.clients.pinpointCreate ??= new PinpointClient({
    ...ctx.sdk,
    requestHandler: { ...ctx.sdk.requestHandler, throwOnRequestTimeout: false },
    maxAttempts: 1,
  });
  return ctx.clients as { pinpoint: PinpointClient; pinpointCreate: PinpointClient };
}

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

const isFailed = (job: ExportJobResponse) => job.JobStatus === 'FAILED' || job.JobStatus === 'FAILING';

/**
 * True when `job` was created for this run: same definition, created at or after
 * `since`, and not failed (a failed job is redone, not reused).
 */
export function isJobOfThisRun(job: ExportJobResponse, request: PinpointRequest, since: number): boolean {
  const want = request.ExportJobRequest;
  const have = job.Definition;
  if (!have || !job.CreationDate) return false;
  if (isFailed(job)) return false;
  if (Date.parse(job.CreationDate) < since) return false;
  return (
    have.RoleArn === want.RoleArn &&
    have.S3UrlPrefix === want.S3UrlPrefix &&
    (have.SegmentId ?? undefined) === want.SegmentId &&
    // Without a requested version Pinpoint exports the latest and may echo its number.
    (want.SegmentVersion === undefined || have.SegmentVersion === want.SegmentVersion)
  );
}

/**
 * Looks for a job this run created but whose create answer was lost. Reads every
 * page; it stops early only once the pages are seen to be newest first (each
 * page's creation dates descending, below the previous page's) and a page has
 * reached past `since`. AWS does not document the order, so it is checked, not
 * assumed.
 */
export async function findJobOfThisRun(
  pinpoint: PinpointClient,
  request: PinpointRequest,
  since: number,
  caller: string,
): Promise<ExportJobResponse | undefined> {
  let token: string | undefined;
  let newestFirst = true;
  let previousOldest = Number.POSITIVE_INFINITY;
  do {
    const response = await pinpoint
      .send(
        new GetExportJobsCommand({
          ApplicationId: request.ApplicationId,
          PageSize: String(LOOKUP_PAGE_SIZE),
          ...(token ? { Token: token } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'GetExportJobs', caller });
      });
    const items = response.ExportJobsResponse?.Item ?? [];
    const match = items.find((job) => isJobOfThisRun(job, request, since));
    if (match) return match;
    const created = items.map((job) => Date.parse(job.CreationDate ?? ''));
    const sorted = created.every(
      (t, i) => !Number.isNaN(t) && t <= (i === 0 ? previousOldest : (created[i - 1] ?? t)),
    );
    newestFirst &&= sorted;
    if (created.length > 0) previousOldest = Math.min(previousOldest, ...created);
    token = response.ExportJobsResponse?.NextToken;
    if (newestFirst && previousOldest < since) return undefined;
  } while (token);
  return undefined;
}

async function getExportJob(
  pinpoint: PinpointClient,
  request: PinpointRequest,
  jobId: string,
  caller: string,
  notFoundIsUndefined: boolean,
): Promise<ExportJobResponse | undefined> {
  const response = await pinpoint
    .send(new GetExportJobCommand({ ApplicationId: request.ApplicationId, JobId: jobId }))
    .catch((error: unknown) => {
      if (
        notFoundIsUndefined &&
        (error as { name?: string }).name === 'NotFoundException' &&
        /\bjob\b/i.test(String((error as Error).message))
      ) {
        return undefined;
      }
      throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'GetExportJob', caller });
    });
  if (response === undefined) return undefined;
  if (!response.ExportJobResponse?.Id) {
    throw new PinpointUnavailableError('Pinpoint GetExportJob answered without a job', {
      reason: 'unreadable answer',
      advice:
        'Pinpoint kept answering GetExportJob without the job: check the job with `aws pinpoint get-export-job`, or start the run again later.',
    });
  }
  return response.ExportJobResponse;
}

export const PINPOINT_RUNTIME: SourceRuntime<PinpointRequest> = {
  errors: PINPOINT_SOURCE,

  async create(request, ctx) {
    const { pinpointCreate } = clientsOf(ctx);
    const response = await pinpointCreate
      .send(
        new CreateExportJobCommand({
          ApplicationId: request.ApplicationId,
          ExportJobRequest: request.ExportJobRequest,
        }),
      )
      .catch((error: unknown) => {
        throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'CreateExportJob', caller: ctx.caller });
      });
    if (!response.ExportJobResponse?.Id) {
      // Retried: the retry holds the claim, so it looks for the job if Pinpoint did create it.
      throw new PinpointUnavailableError('Pinpoint CreateExportJob answered without a job id', {
        reason: 'unreadable answer',
        advice:
          'Pinpoint kept answering CreateExportJob without a job id: start the run again later with `npm run export` and the same --scheduled-time.',
      });
    }
    return toJobSnapshot(response.ExportJobResponse, false);
  },

  async read(request, job, ctx) {
    const { pinpoint } = clientsOf(ctx);
    // The poller's read must not take a missing job for a finished run: only the create's
    // check of a recorded job treats NotFound as "start over".
    const found = await getExportJob(
      pinpoint,
      request,
      job.Id,
      ctx.caller,
      ctx.caller === 'create-export-job',
    );
    return found ? toJobSnapshot(found, job.Reused) : undefined;
  },

  async recover(request, since, ctx) {
    const { pinpoint } = clientsOf(ctx);
    const found = await findJobOfThisRun(pinpoint, request, since, ctx.caller);
    return found?.Id ? toJobSnapshot(found, true) : undefined;
  },
};

export default PINPOINT_RUNTIME;
