import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateExportJobCommand,
  type ExportJobResponse,
  GetExportJobCommand,
  GetExportJobsCommand,
  type PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { LEDGER_SOURCE, PINPOINT_SOURCE, toWorkflowError } from '../shared/aws-errors.ts';
import type { CreateExportJobConfig } from '../shared/config.ts';
import { type ExplainedError, PinpointUnavailableError, RunInProgressError } from '../shared/errors.ts';
import { resolveExecutionInput } from '../shared/input.ts';
import { toJobSnapshot } from '../shared/job-snapshot.ts';
import { initialPollState } from '../shared/poll-schedule.ts';
import type { ClaimResult, RunIdentity, RunLedger } from '../shared/run-ledger.ts';
import { triggerOf } from '../shared/trigger.ts';
import type {
  CreateExportJobEvent,
  LedgerRunRef,
  PollPrior,
  ResolvedExportRequest,
  RunState,
} from '../shared/types.ts';

export interface CreateExportJobDeps {
  /** Client for the look-up (GetExportJobs); SDK retries are fine here. */
  pinpoint: PinpointClient;
  /**
   * Client for CreateExportJob with SDK retries off: a 5xx may come back after
   * Pinpoint did create the job, so the retry must start over from the look-up
   * (the state machine's Retry does that) instead of sending the create again.
   */
  pinpointCreate: PinpointClient;
  /** The run ledger: claims the run before anything is created. */
  ledger: RunLedger;
  config: CreateExportJobConfig;
  logger: Logger;
  now: () => Date;
}

/** The function's key in serverless.yml, for error advice. */
const CALLER = 'create-export-job';

export const LOOKUP_PAGE_SIZE = 50;
/** Jobs created this long before the run was first claimed still count as its own (clock skew). */
export const LOOKUP_SKEW_MS = 60_000;

/**
 * True when `job` was created for this run: same definition, created at or after
 * `since`, and not failed (a failed job is redone, not reused).
 */
export function isJobOfThisRun(
  job: ExportJobResponse,
  request: ResolvedExportRequest,
  since: number,
): boolean {
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

const isFailed = (job: ExportJobResponse) => job.JobStatus === 'FAILED' || job.JobStatus === 'FAILING';

/**
 * Looks for a job this run created but whose create answer was lost. Reads every
 * page; it stops early only once the pages are seen to be newest first (each
 * page's creation dates descending, below the previous page's) and a page has
 * reached past `since`. AWS does not document the order, so it is checked, not
 * assumed.
 */
export async function findJobOfThisRun(
  pinpoint: PinpointClient,
  request: ResolvedExportRequest,
  since: number,
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
        throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'GetExportJobs', caller: CALLER });
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

/**
 * The run's identity in the ledger. The target is what is exported and where:
 * application, segment and version, and the S3 prefix *template* (its resolved
 * form changes every night; the run's ScheduledTime is the ledger's sort key).
 */
export function runIdentityOf(request: ResolvedExportRequest, prefixTemplate: string): RunIdentity {
  const { SegmentId, SegmentVersion } = request.ExportJobRequest;
  const where = createHash('sha256').update(prefixTemplate).digest('hex').slice(0, 12);
  const segment = SegmentId ?? 'all';
  return {
    source: 'pinpoint',
    target: ['pinpoint', request.ApplicationId, segment, SegmentVersion ?? 'latest', where].join('#'),
    targetName:
      request.Target ?? `${request.ApplicationId.slice(0, 8)}-${segment.slice(0, 12)}-${where.slice(0, 6)}`,
    scheduledTime: request.ScheduledTime,
  };
}

/** The prefix template the input (or the stage default) gave, before placeholders were resolved. */
function prefixTemplateOf(input: unknown, fallback: string | undefined): string {
  const given = (input as { ExportJobRequest?: { S3UrlPrefix?: unknown } }).ExportJobRequest?.S3UrlPrefix;
  return typeof given === 'string' ? given : (fallback ?? '');
}

const ledgerCall = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
  call().catch((error: unknown) => {
    throw toWorkflowError(error, LEDGER_SOURCE, { operation, caller: CALLER });
  });

/** The job the ledger recorded; undefined when Pinpoint no longer knows it (deleted, or another Pinpoint). */
async function getExportJob(pinpoint: PinpointClient, applicationId: string, jobId: string) {
  const response = await pinpoint
    .send(new GetExportJobCommand({ ApplicationId: applicationId, JobId: jobId }))
    .catch((error: unknown) => {
      if (
        (error as { name?: string }).name === 'NotFoundException' &&
        /\bjob\b/i.test(String((error as Error).message))
      ) {
        return undefined;
      }
      throw toWorkflowError(error, PINPOINT_SOURCE, { operation: 'GetExportJob', caller: CALLER });
    });
  if (response === undefined) return undefined;
  if (!response.ExportJobResponse?.Id) {
    throw new PinpointUnavailableError('Pinpoint GetExportJob answered without a job', {
      reason: 'unreadable answer',
      advice: 'Pinpoint kept answering GetExportJob without the job: start the run again later.',
    });
  }
  return response.ExportJobResponse;
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

  const run = runIdentityOf(request, prefixTemplateOf(event.Input, config.defaultS3UrlPrefix));
  logger.appendKeys({ target: run.targetName });
  const { job, reused, attempt } = await jobOfRun(run, request, execution.Name, deps);
  logger.appendKeys({ jobId: job.Id });
  const prior = await previousRunPrior(run, deps);

  const snapshot = toJobSnapshot(job, reused);
  const ref: LedgerRunRef = {
    target: run.target,
    targetName: run.targetName,
    scheduledTime: run.scheduledTime,
    attempt,
  };
  return {
    execution,
    request,
    run: ref,
    job: snapshot,
    poll: initialPollState(snapshot, new Date(execution.StartTime), deps.now(), config.poll, prior),
  };
}

/**
 * The poller's prior: how long the target's previous COMPLETED run took, and its setup and
 * COMPLETING start when the ledger recorded them. Only a hint: without it (a new target, or
 * the ledger unreadable) the poller starts from nothing, so a failed read is logged and the
 * run goes on.
 */
async function previousRunPrior(run: RunIdentity, deps: CreateExportJobDeps): Promise<PollPrior | undefined> {
  const positive = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0;
  try {
    const outcome = (await deps.ledger.previousCompleted(run))?.outcome;
    if (!positive(outcome?.durationSeconds)) return undefined;
    return {
      durationSeconds: outcome.durationSeconds,
      ...(positive(outcome.setupSeconds) ? { setupSeconds: outcome.setupSeconds } : {}),
      ...(positive(outcome.finishingStartedSeconds)
        ? { finishingStartedSeconds: outcome.finishingStartedSeconds }
        : {}),
    };
  } catch (error) {
    deps.logger.warn("Could not read the target's previous run for the poll schedule; polling without it", {
      error: (error as Error)?.name,
    });
    return undefined;
  }
}

/**
 * Claims the run in the ledger and returns its export job: the one already
 * recorded, one an earlier attempt created but could not record (found by the
 * look-up), or a new one. Only the execution holding the claim ever creates.
 */
async function jobOfRun(
  run: RunIdentity,
  request: ResolvedExportRequest,
  executionName: string,
  deps: CreateExportJobDeps,
): Promise<{ job: ExportJobResponse; reused: boolean; attempt: number }> {
  const { logger } = deps;
  let claim: ClaimResult = await ledgerCall('PutItem', () => deps.ledger.claim(run, executionName));
  if (claim.kind === 'job') {
    const recorded = await getExportJob(deps.pinpoint, request.ApplicationId, claim.jobId);
    if (recorded && !isFailed(recorded)) {
      logger.info('Reusing the export job already created for this run', {
        jobId: recorded.Id,
        jobStatus: recorded.JobStatus,
        claimedBy: claim.item.claimedBy,
      });
      return { job: recorded, reused: true, attempt: claim.item.attempt };
    }
    logger.info(
      recorded
        ? 'The export job of this run FAILED: starting the run over'
        : 'Pinpoint no longer knows the export job of this run: starting the run over',
      { failedJobId: claim.jobId },
    );
    const failed = claim;
    claim = await ledgerCall('UpdateItem', () => deps.ledger.redo(failed.item, failed.jobId, executionName));
    if (claim.kind === 'job') {
      // Another execution redid the run first and recorded its new job.
      const redone = await getExportJob(deps.pinpoint, request.ApplicationId, claim.jobId);
      if (!redone) {
        throw new PinpointUnavailableError(`Pinpoint does not know export job ${claim.jobId} just recorded`, {
          reason: 'export job not found',
          advice: 'Another execution recorded this job a moment ago: the retry reads it again.',
        });
      }
      return { job: redone, reused: true, attempt: claim.item.attempt };
    }
  }
  if (claim.kind === 'in-progress') {
    throw new RunInProgressError(
      `Run ${run.targetName} scheduled at ${run.scheduledTime} is being started by execution ${claim.item.claimedBy} (claimed at ${claim.item.claimedAt})`,
      {
        reason: 'run started by another execution',
        advice: `Execution ${claim.item.claimedBy} holds this run and has not recorded its export job: it is retried until that execution records the job or its claim expires. If this persists, check that execution in the Step Functions console.`,
      },
    );
  }

  const item = claim.item;
  if (claim.recover) {
    // An earlier attempt of this run may have created a job and lost the answer.
    const since = Date.parse(item.firstClaimedAt) - LOOKUP_SKEW_MS;
    const found = await findJobOfThisRun(deps.pinpoint, request, since);
    if (found?.Id) {
      logger.info('Found the export job an earlier attempt created', { jobId: found.Id });
      await recordJob(run, executionName, found, deps);
      return { job: found, reused: true, attempt: item.attempt };
    }
  }

  const response = await deps.pinpointCreate
    .send(
      new CreateExportJobCommand({
        ApplicationId: request.ApplicationId,
        ExportJobRequest: request.ExportJobRequest,
      }),
    )
    .catch(async (error: unknown) => {
      const workflowError = toWorkflowError(error, PINPOINT_SOURCE, {
        operation: 'CreateExportJob',
        caller: CALLER,
      });
      await releaseIfRefused(run, workflowError, deps);
      throw workflowError;
    });
  if (!response.ExportJobResponse?.Id) {
    // Retried: the retry holds the claim, so it looks for the job if Pinpoint did create it.
    throw new PinpointUnavailableError('Pinpoint CreateExportJob answered without a job id', {
      reason: 'unreadable answer',
      advice:
        'Pinpoint kept answering CreateExportJob without a job id: start the run again later with `npm run export` and the same --scheduled-time.',
    });
  }
  const job = response.ExportJobResponse;
  logger.info('Created export job', { jobId: job.Id, s3UrlPrefix: request.ExportJobRequest.S3UrlPrefix });
  await recordJob(run, executionName, job, deps);
  return { job, reused: false, attempt: item.attempt };
}

async function recordJob(
  run: RunIdentity,
  executionName: string,
  job: ExportJobResponse,
  deps: CreateExportJobDeps,
): Promise<void> {
  const jobId = job.Id ?? '';
  const recorded = await ledgerCall('UpdateItem', () =>
    deps.ledger.recordJob(run, executionName, jobId, job.CreationDate ?? deps.now().toISOString()),
  );
  if (!recorded) {
    // The claim expired while this invocation ran (it lasts three function timeouts) and another
    // execution took it over: say so loudly, it may create a second job.
    deps.logger.error('The run ledger claim was taken over before the job could be recorded', { jobId });
  }
}

/**
 * A create Pinpoint refused leaves no job: record the run as ended (releasing the
 * claim) so a corrected re-run need not wait for the claim to expire. A retried
 * error keeps the claim: its retry looks for the job first.
 */
async function releaseIfRefused(run: RunIdentity, error: ExplainedError, deps: CreateExportJobDeps) {
  if (error.name !== 'PinpointRequestRejectedError' && error.name !== 'OrchestratorBugError') return;
  await deps.ledger
    .recordOutcome(run, {
      status: 'ERROR',
      jobId: null,
      jobStatus: null,
      totalProcessed: null,
      totalFailures: null,
      durationSeconds: null,
      statusChecks: 0,
      summaryMessageId: null,
      finishedAt: deps.now().toISOString(),
      headline: error.reason,
    })
    .catch((ledgerError: unknown) => {
      deps.logger.warn('Could not release the run ledger claim; it expires by itself', { ledgerError });
    });
}
