import type { Logger } from '@aws-lambda-powertools/logger';
import { LEDGER_SOURCE, toWorkflowError } from '../../core/aws-errors.ts';
import { CREATE_REFUSED_ERRORS, type ExplainedError, RunInProgressError } from '../../core/errors.ts';
import { isPlainObject } from '../../core/input-rules.ts';
import { initialPollState } from '../../core/poll-schedule.ts';
import { triggerOf } from '../../core/trigger.ts';
import type {
  CreateExportJobEvent,
  JobSnapshot,
  LedgerRunRef,
  PollPrior,
  ResolvedExportRequest,
  RunState,
} from '../../core/types.ts';
import { type SourceDeps, sourceContextOf } from '../../sources/context.ts';
import { sourceOf } from '../../sources/ids.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import { sourceFor } from '../../sources/registry.ts';
import { runIdentityOf } from '../../sources/run-identity.ts';
import { runtimeFor } from '../../sources/runtimes.ts';
import type { CreateContext, SourceRuntime } from '../../sources/types.ts';
import type { CreateExportJobConfig } from '../shared/config.ts';
import { inputDefaultsOf } from '../shared/config.ts';
import type { ClaimResult, LedgerItem, RunIdentity, RunLedger } from '../shared/run-ledger.ts';

/**
 * `pinpoint` (the look-up) and `pinpointCreate` (CreateExportJob with SDK retries off), when the
 * caller makes them; left out, the Pinpoint source makes its own (sources/pinpoint/runtime.ts).
 */
export interface CreateExportJobDeps extends SourceDeps {
  /** The run ledger: claims the run before anything is created. */
  ledger: RunLedger;
  config: CreateExportJobConfig;
  logger: Logger;
  now: () => Date;
}

/** The function's key in serverless.yml, for error advice. */
const CALLER = 'create-export-job';

/** Jobs created this long before the run was first claimed still count as its own (clock skew). */
export const LOOKUP_SKEW_MS = 60_000;

const isFailed = (job: JobSnapshot) => job.JobStatus === 'FAILED' || job.JobStatus === 'FAILING';

export { runIdentityOf } from '../../sources/run-identity.ts';
export { inputDefaultsOf } from '../shared/config.ts';

const ledgerCall = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
  call().catch((error: unknown) => {
    throw toWorkflowError(error, LEDGER_SOURCE, { operation, caller: CALLER });
  });

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
  const defaults = inputDefaultsOf(config);
  const request = resolveExecutionInput(event.Input, defaults, execution.StartTime);
  const source = sourceFor(request);
  logger.appendKeys({
    source: sourceOf(request),
    ...(request.Source === undefined ? { applicationId: request.ApplicationId } : {}),
  });

  const raw = isPlainObject(event.Input) ? event.Input : {};
  const run = runIdentityOf(request, source.describe.destinationTemplate(raw, defaults));
  logger.appendKeys({ target: run.targetName });
  const runtime = await runtimeFor(request);
  const previous = await previousRun(run, runtime.continuesPreviousRun?.(request) === true, deps);
  const { job: snapshot, attempt } = await jobOfRun(run, request, execution.Name, runtime, previous, deps);
  logger.appendKeys({ jobId: snapshot.Id });
  const prior = priorOf(previous);

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
 * The target's previous COMPLETED run in the ledger. For most runs only a hint (the poller's
 * prior): a failed read is logged and the run goes on without it. A run that continues the
 * previous one (the runtime's `continuesPreviousRun`: an incremental DynamoDB export) needs it
 * to know where to start, so then a failed read fails the create (retried like every ledger
 * error) rather than guess a window.
 */
async function previousRun(
  run: RunIdentity,
  continuesPrevious: boolean,
  deps: CreateExportJobDeps,
): Promise<LedgerItem | undefined> {
  try {
    return await deps.ledger.previousCompleted(run);
  } catch (error) {
    if (continuesPrevious)
      throw toWorkflowError(error, LEDGER_SOURCE, { operation: 'Query', caller: CALLER });
    deps.logger.warn("Could not read the target's previous run for the poll schedule; polling without it", {
      error: (error as Error)?.name,
    });
    return undefined;
  }
}

/**
 * The poller's prior: how long the target's previous COMPLETED run took, and its setup and
 * COMPLETING start when the ledger recorded them. Without it (a new target) the poller
 * starts from nothing.
 */
function priorOf(previous: LedgerItem | undefined): PollPrior | undefined {
  const positive = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0;
  const outcome = previous?.outcome;
  if (!positive(outcome?.durationSeconds)) return undefined;
  return {
    durationSeconds: outcome.durationSeconds,
    ...(positive(outcome.setupSeconds) ? { setupSeconds: outcome.setupSeconds } : {}),
    ...(positive(outcome.finishingStartedSeconds)
      ? { finishingStartedSeconds: outcome.finishingStartedSeconds }
      : {}),
  };
}

/** The job the ledger recorded, as far as the ledger knows it (a source without dates takes the creation from here). */
function recordedJob(item: LedgerItem, jobId: string) {
  return { Id: jobId, Reused: true, ...(item.jobCreatedAt ? { CreationDate: item.jobCreatedAt } : {}) };
}

/**
 * Claims the run in the ledger and returns its export job: the one already
 * recorded, one an earlier attempt created but could not record (found by the
 * source's look-up), or a new one. Only the execution holding the claim ever creates.
 */
async function jobOfRun(
  run: RunIdentity,
  request: ResolvedExportRequest,
  executionName: string,
  runtime: SourceRuntime,
  previous: LedgerItem | undefined,
  deps: CreateExportJobDeps,
): Promise<{ job: JobSnapshot; attempt: number }> {
  const { logger } = deps;
  const ctx = sourceContextOf(deps, CALLER, deps.now);
  const service = runtime.errors.service;
  let claim: ClaimResult = await ledgerCall('PutItem', () => deps.ledger.claim(run, executionName));
  if (claim.kind === 'job') {
    const recorded = await runtime.read(request, recordedJob(claim.item, claim.jobId), ctx);
    if (recorded && !isFailed(recorded)) {
      logger.info('Reusing the export job already created for this run', {
        jobId: recorded.Id,
        jobStatus: recorded.JobStatus,
        claimedBy: claim.item.claimedBy,
      });
      return { job: recorded, attempt: claim.item.attempt };
    }
    logger.info(
      recorded
        ? 'The export job of this run FAILED: starting the run over'
        : `${service} no longer knows the export job of this run: starting the run over`,
      { failedJobId: claim.jobId },
    );
    const failed = claim;
    claim = await ledgerCall('UpdateItem', () => deps.ledger.redo(failed.item, failed.jobId, executionName));
    if (claim.kind === 'job') {
      // Another execution redid the run first and recorded its new job.
      const redone = await runtime.read(request, recordedJob(claim.item, claim.jobId), ctx);
      if (!redone) {
        throw new runtime.errors.errors.unavailable(
          `${service} does not know export job ${claim.jobId} just recorded`,
          {
            reason: 'export job not found',
            advice: 'Another execution recorded this job a moment ago: the retry reads it again.',
          },
        );
      }
      return { job: redone, attempt: claim.item.attempt };
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
  if (claim.recover && runtime.recover) {
    // An earlier attempt of this run may have created a job and lost the answer.
    const since = Date.parse(item.firstClaimedAt) - LOOKUP_SKEW_MS;
    const found = await runtime.recover(request, since, ctx);
    if (found) {
      logger.info('Found the export job an earlier attempt created', { jobId: found.Id });
      await recordJob(run, executionName, found, deps);
      return { job: found, attempt: item.attempt };
    }
  }

  const createContext: CreateContext = {
    ...ctx,
    run: {
      target: run.target,
      scheduledTime: run.scheduledTime,
      attempt: item.attempt,
      firstClaimedAt: item.firstClaimedAt,
      redo: item.previousJobIds?.length ?? 0,
    },
    previousCoveredUntil: previous?.outcome?.coveredUntil,
  };
  // Whether a retry finds a job this run started but never heard back from (the source's look-up,
  // runtime.recover, or an idempotent create): the source's description says it.
  const { findsLostJobs } = sourceFor(request).describe;
  if (!findsLostJobs) {
    // Nothing could find such a job: never start twice.
    await guardUnconfirmedStart(run, item, executionName, runtime, deps);
  }
  const job = await runtime.create(request, createContext).catch(async (error: unknown) => {
    const workflowError = error as ExplainedError;
    // Throttled: the source answered, and started nothing; the retry may start (the mark would stop it).
    if (workflowError?.name === runtime.errors.errors.throttled.name && !findsLostJobs) {
      await deps.ledger.clearStarting(run, executionName).catch(() => undefined);
    }
    await releaseIfRefused(run, workflowError, deps);
    throw workflowError;
  });
  logger.info('Created export job', { jobId: job.Id, reused: job.Reused });
  await recordJob(run, executionName, job, deps);
  return { job, attempt: item.attempt };
}

/**
 * For a source that can neither find a lost start nor repeat one safely (Customer Profiles):
 * refuses when an earlier attempt of this run began starting a job and never recorded one,
 * else marks this start in the ledger before it is made.
 */
async function guardUnconfirmedStart(
  run: RunIdentity,
  item: LedgerItem,
  executionName: string,
  runtime: SourceRuntime,
  deps: CreateExportJobDeps,
): Promise<void> {
  if (item.startingAt) {
    const service = runtime.errors.service;
    const error = new runtime.errors.errors.rejected(
      `${service} may have started a job for run ${run.targetName} scheduled at ${run.scheduledTime}: an earlier attempt began starting one at ${item.startingAt} and never recorded it`,
      {
        reason: 'job start unconfirmed',
        advice: `${service} cannot list the jobs it started, so the workflow does not start a second one. Check the destination for this run's files (or the ${service} console) a few minutes from now: if none appeared, start the run again with \`npm run export\` and the same --scheduled-time.`,
      },
    );
    await releaseIfRefused(run, error, deps);
    throw error;
  }
  const marked = await ledgerCall('UpdateItem', () => deps.ledger.markStarting(run, executionName));
  if (!marked) {
    throw new RunInProgressError(
      `Run ${run.targetName} scheduled at ${run.scheduledTime} is no longer held by ${executionName}`,
      {
        reason: 'run started by another execution',
        advice: 'Another execution took the run over: the retry follows it.',
      },
    );
  }
}

async function recordJob(
  run: RunIdentity,
  executionName: string,
  job: JobSnapshot,
  deps: CreateExportJobDeps,
): Promise<void> {
  const jobId = job.Id;
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
 * A create the source refused leaves no job: record the run as ended (releasing the
 * claim) so a corrected re-run need not wait for the claim to expire. A retried
 * error keeps the claim: its retry looks for the job first.
 */
async function releaseIfRefused(run: RunIdentity, error: ExplainedError, deps: CreateExportJobDeps) {
  if (!CREATE_REFUSED_ERRORS.has(error?.name)) return;
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
