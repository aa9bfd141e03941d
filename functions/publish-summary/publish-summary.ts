import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SNS_SOURCE, toWorkflowError } from '../../core/aws-errors.ts';
import { isSuccess, OUTCOME_RULES } from '../../core/outcome.ts';
import { recordedTiming } from '../../core/poll-estimates.ts';
import { buildSnsMessage } from '../../core/sns-message.ts';
import { buildSummary, type FinalJob, type RunHistory } from '../../core/summary.ts';
import type { ExportSummary, PublishSummaryEvent, PublishSummaryResult } from '../../core/types.ts';
import { type SourceDeps, sourceContextOf } from '../../sources/context.ts';
import { finalReadFor } from '../../sources/final-reads.ts';
import { sourceOf } from '../../sources/ids.ts';
import { summarySourceOf } from '../../sources/registry.ts';
import type { PublishSummaryConfig } from '../shared/config.ts';
import { exportedOf, type RunLedger } from '../shared/run-ledger.ts';
import { emitRunMetrics, type RunMetricValues } from './metrics.ts';

export interface PublishSummaryDeps extends SourceDeps {
  sns: SNSClient;
  /** Where the run's metrics go (EMF log lines); tests and local runs may leave it out. */
  metrics?: Metrics;
  /** The run ledger: the target's previous run before, the outcome after publishing. */
  ledger: RunLedger;
  config: PublishSummaryConfig;
  logger: Logger;
}

/** Longest the re-read of the final job may take, retries included (the function times out at 30 s). */
export const FINAL_READ_BUDGET_MS = 8_000;

/** The Fail state's error for an outcome that is not a success (`list` and `status` read it back). */
function failureOf(summary: ExportSummary): PublishSummaryResult['failure'] {
  const error = OUTCOME_RULES[summary.status].failError;
  return error === null ? null : { error, cause: summary.headline };
}

/** Maps an error thrown by SNS Publish to a workflow error (the shared classifier with SNS's rows). */
export function toSnsWorkflowError(error: unknown): Error {
  return toWorkflowError(error, SNS_SOURCE, { operation: 'Publish', caller: 'publish-summary' });
}

async function readFinalJob(
  event: PublishSummaryEvent,
  deps: PublishSummaryDeps,
): Promise<FinalJob | undefined> {
  const request = event.Run.request;
  const jobId = event.Run.job?.Id;
  if (!request || !jobId) return undefined;
  try {
    const read = finalReadFor(request);
    if (!read) return undefined;
    const finalRead = await read;
    const ctx = sourceContextOf(deps, 'publish-summary', () => new Date());
    // Bounded well inside the function's timeout: a hung source must not cost the summary.
    return (await finalRead(request, jobId, ctx, AbortSignal.timeout(FINAL_READ_BUDGET_MS))) as
      | FinalJob
      | undefined;
  } catch (error) {
    // A summary from the last snapshot beats no summary: never fail on this read.
    deps.logger.warn('Could not re-read the export job; summarising the last status seen', {
      error: error as Error,
    });
    return undefined;
  }
}

/**
 * The target's previous COMPLETED run. The ledger is a nice-to-have here: if it
 * cannot be read the summary goes out without the comparison.
 */
async function readHistory(event: PublishSummaryEvent, deps: PublishSummaryDeps): Promise<RunHistory> {
  const run = event.Run.run;
  const { recordsDropWarnPercent, maxFailurePercent, dashboardUrl, runbookUrl } = deps.config;
  const history: RunHistory = {
    dropWarnPercent: recordsDropWarnPercent,
    maxFailurePercent,
    dashboardUrl,
    runbookUrl,
  };
  if (!run) return history;
  try {
    const previous = await deps.ledger.previousCompleted(run);
    if (previous?.outcome) {
      history.previous = { scheduledTime: previous.scheduledTime, exported: exportedOf(previous.outcome) };
    }
  } catch (error) {
    deps.logger.warn("Could not read the target's earlier runs from the run ledger", {
      error: error as Error,
    });
  }
  return history;
}

/**
 * Writes the outcome to the run's ledger item, after the summary went out: a
 * ledger failure must neither cost the summary nor send it twice, so it is logged.
 */
async function recordOutcome(
  event: PublishSummaryEvent,
  summary: ExportSummary,
  messageId: string | null,
  deps: PublishSummaryDeps,
): Promise<void> {
  const run = event.Run.run;
  if (!run) return;
  const change = summary.previousRun;
  try {
    await deps.ledger.recordOutcome(run, {
      status: summary.status,
      jobId: summary.jobId,
      jobStatus: summary.jobStatus,
      totalProcessed: summary.TotalProcessed,
      totalFailures: summary.TotalFailures,
      exported: summary.exported ?? null,
      ...(change && change.changePercent !== null
        ? { changePercent: change.changePercent, previousScheduledTime: change.scheduledTime }
        : {}),
      durationSeconds: summary.durationSeconds,
      statusChecks: summary.statusChecks,
      summaryMessageId: messageId,
      finishedAt: new Date().toISOString(),
      headline: summary.headline.slice(0, 500),
      ...(summary.verification ? { verdict: summary.verification.verdict } : {}),
      // The job's timing as the checks saw it: the next run's prior (create-export-job).
      ...recordedTiming(event.Run.poll),
      ...(summary.countsChanges ? { countsChanges: true } : {}),
      // Only a success (files verified) moves the target's coverage on: the next incremental run
      // starts at the last good run's coverage (the ledger's `good` index), so a window whose
      // files were not verified is exported again.
      ...(isSuccess(summary.status) && event.Run.job?.CoveredUntil
        ? { coveredUntil: event.Run.job.CoveredUntil }
        : {}),
    });
  } catch (error) {
    deps.logger.error('Could not record the run outcome in the run ledger', { error: error as Error });
  }
}

/** The run's metrics, after the summary went out; like the ledger, never a reason to fail. */
function emitMetrics(summary: ExportSummary, deps: PublishSummaryDeps): RunMetricValues | undefined {
  if (!deps.metrics) return undefined;
  try {
    return emitRunMetrics(deps.metrics, summary, new Date());
  } catch (error) {
    deps.logger.error('Could not emit the run metrics', { error: error as Error });
    return undefined;
  }
}

/** Builds the run's summary and publishes it to the SNS topic, once. */
export async function publishSummary(
  event: PublishSummaryEvent,
  deps: PublishSummaryDeps,
): Promise<PublishSummaryResult> {
  const { logger, config } = deps;
  logger.appendKeys({
    executionName: event.Execution.Name,
    source: sourceOf(event.Run.request ?? {}),
    ...(event.Run.job ? { jobId: event.Run.job.Id } : {}),
  });
  const finalJob = await readFinalJob(event, deps);
  const summary = buildSummary(
    event,
    config.stage,
    finalJob,
    await readHistory(event, deps),
    summarySourceOf,
  );
  const message = buildSnsMessage(summary, { rawFailuresInEmail: config.rawFailuresInEmail === true });
  const response = await deps.sns
    .send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: message.Subject,
        Message: message.Message,
        MessageStructure: message.MessageStructure,
        MessageAttributes: message.MessageAttributes,
      }),
    )
    .catch((error: unknown) => {
      throw toSnsWorkflowError(error);
    });
  await recordOutcome(event, summary, response.MessageId ?? null, deps);
  logger.info('Published export summary', {
    status: summary.status,
    messageId: response.MessageId,
    totalProcessed: summary.TotalProcessed,
    totalFailures: summary.TotalFailures,
    failuresOmitted: message.summary.failuresOmitted,
  });
  const metrics = emitMetrics(summary, deps);
  return {
    status: summary.status,
    messageId: response.MessageId ?? '',
    subject: message.Subject,
    headline: summary.headline,
    advice: summary.advice ?? null,
    verdict: summary.verification?.verdict ?? null,
    ...(metrics ? { metrics } : {}),
    failure: failureOf(summary),
  };
}
