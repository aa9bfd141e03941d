import { isAbsolute, relative } from 'node:path';
import { triggerOf } from '../core/trigger.ts';
import { faultRules, type LocalRunResult, type ProgressEvent } from '../dev/local/index.ts';
import type { Command, LocalOptions } from './args.ts';
import type { CliDeps, CommandResult, LocalFiles } from './command.ts';
import { CliError, ExitCode } from './errors.ts';
import type { FollowUpdate } from './follow.ts';
import { formatList, formatNumber, formatReport, type ListRow, ProgressRenderer } from './format.ts';
import type { buildExecutionInput } from './input.ts';
import {
  exitCodeOf,
  explanationOf,
  type JobProgress,
  jobProgressOf,
  outcomeOf,
  type RunReport,
  type RunSummary,
  secondsBetween,
  summaryOf,
} from './report.ts';

/*
 * The embedded local run as the CLI shows it: start --local (and npm start), and
 * status/list --local from the local runs' records.
 */

/** The same request through the embedded local run: no AWS account. */
export async function startLocal(
  command: Extract<Command, { name: 'start' }>,
  local: LocalOptions,
  input: ReturnType<typeof buildExecutionInput>,
  name: string,
  deps: CliDeps,
): Promise<CommandResult> {
  const json = command.common.json;
  const startedAt = deps.now();
  // What the progress events showed last.
  const seen: { job: JobProgress | null; summary: RunSummary | null } = { job: null, summary: null };
  const renderer = json
    ? undefined
    : new ProgressRenderer(deps.stdout, deps.isTTY, () => secondsBetween(startedAt, deps.now()), deps);
  const emit = (update: FollowUpdate) => renderer?.update(update);
  const onProgress = (event: ProgressEvent) => {
    const at = deps.now();
    switch (event.type) {
      case 'emulator':
        if (!json) {
          deps.stdout.write(
            event.external
              ? event.url === event.snsUrl
                ? `Local run against external endpoints: Pinpoint and SNS at ${event.url}\n`
                : `Local run against external endpoints: Pinpoint at ${event.url}, SNS at ${event.snsUrl}\n`
              : `Local run: emulator (Pinpoint, Customer Profiles, DynamoDB, SNS, S3) at ${event.url}\n`,
          );
        }
        break;
      case 'started':
        emit({ type: 'execution', status: 'RUNNING', at });
        break;
      case 'job':
      case 'status': {
        const progress = jobProgressOf(event.state);
        if (!progress) break;
        const statusChanged = event.type === 'job' || event.changed;
        const moved =
          statusChanged ||
          progress.completedPieces !== seen.job?.completedPieces ||
          progress.totalProcessed !== seen.job?.totalProcessed;
        seen.job = progress;
        if (moved) emit({ type: 'job', job: progress, statusChanged, at });
        else emit({ type: 'checked', job: progress, at });
        break;
      }
      case 'retry':
        emit({
          type: 'task-failed',
          stateName: event.stateName,
          error: event.error,
          cause: `retry ${event.attempt}`,
          at,
        });
        break;
      case 'caught':
        emit({
          type: 'task-failed',
          stateName: event.stateName,
          error: event.error,
          cause: `caught, the summary reports it${event.cause ? `: ${event.cause}` : ''}`,
          at,
        });
        break;
      case 'published':
        seen.summary = { status: event.status, subject: event.subject, messageId: event.messageId };
        emit({ type: 'summary', summary: seen.summary, at });
        break;
    }
  };

  let onInterrupted: (value: 'interrupted') => void = () => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onInterrupted = resolve;
  });
  const stopListening = deps.onInterrupt(() => onInterrupted('interrupted'));
  let result: LocalRunResult | 'interrupted';
  try {
    result = await Promise.race([
      deps.runLocal({
        input,
        executionName: name,
        ...sourceOptionsOf(command.request),
        dataDir: local.dataDir,
        ...(local.endpoints === undefined ? {} : { endpoints: local.endpoints }),
        ...(local.malformedEvery === undefined ? {} : { malformedEvery: local.malformedEvery }),
        ...(local.jobDurationSeconds === undefined ? {} : { jobDurationSeconds: local.jobDurationSeconds }),
        ...(local.seed === undefined ? {} : { seed: local.seed }),
        ...(local.deadlineSeconds === undefined ? {} : { deadlineSeconds: local.deadlineSeconds }),
        ...(local.faults.length > 0
          ? { faults: faultRules(local.faults, command.request.source) ?? [] }
          : {}),
        ...(local.logs ? { logLevel: 'INFO' } : {}),
        onProgress,
      }),
      interrupted,
    ]);
  } catch (error) {
    renderer?.finish();
    throw error;
  } finally {
    stopListening();
  }
  if (result !== 'interrupted') emit({ type: 'execution', status: result.status, at: deps.now() });
  renderer?.finish();
  if (result === 'interrupted') {
    if (!json) deps.stdout.write('\nStopped. A local run lives in this process, so it stops too.\n');
    return {
      exitCode: ExitCode.Interrupted,
      json: { command: 'start', mode: 'local', input, following: 'interrupted' },
    };
  }
  const full = result.summary;
  // The outcome is the workflow's own result: what PublishSummary returned, never what was read back.
  const published: RunSummary | null = result.published ? summaryOf({ summary: result.published }) : null;
  // The summary re-reads the job at the end: its numbers are the final ones.
  const finalJob: JobProgress | null = seen.job && {
    ...seen.job,
    completedPieces: full?.CompletedPieces ?? seen.job.completedPieces,
    totalPieces: full?.TotalPieces ?? seen.job.totalPieces,
    failedPieces: full?.FailedPieces ?? seen.job.failedPieces,
    totalProcessed: full?.TotalProcessed ?? seen.job.totalProcessed,
    totalFailures: full?.TotalFailures ?? seen.job.totalFailures,
    s3UrlPrefix: full?.s3UrlPrefix ?? seen.job.s3UrlPrefix,
    waitSeconds: null,
  };
  const outcome = outcomeOf(result.status, result.error, published);
  const error = result.error ? { error: result.error, cause: result.cause ?? null } : null;
  const report: RunReport = {
    name: result.executionName,
    arn: result.executionArn,
    stateMachineArn: result.executionArn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1'),
    consoleUrl: null,
    trigger: triggerOf(result.executionName, input),
    status: result.status,
    outcome,
    startDate: startedAt.toISOString(),
    stopDate: deps.now().toISOString(),
    durationSeconds: Math.round(result.durationMs / 1000),
    input,
    job: finalJob,
    summary: published,
    error,
    explanation: explanationOf({
      outcome,
      published,
      error,
      summary: full,
      publishEvent: result.publishEvent,
    }),
  };
  const localFiles: LocalFiles = {
    dataDir: result.dataDir,
    messageFile: result.messageFile,
    exportFiles: result.exportFiles,
    recordsExported: result.recordsExported,
    emailText: result.emailText,
    summaryNote: result.summaryNote,
    metrics: result.published?.metrics ?? null,
    details: result.summary?.details ?? null,
  };
  await deps.runStore(local.dataDir).record({ ...report, local: localFiles });
  const earlier = result.earlier
    ? {
        executionName: result.earlier.run.executionName,
        status: result.earlier.run.status,
        headline: result.earlier.run.summary?.headline ?? null,
        changes: result.earlier.changes,
      }
    : undefined;
  if (!json && earlier) {
    deps.stdout.write(
      `\nFirst run ${earlier.executionName}: ${earlier.headline ?? earlier.status}\nThen changed in the table: ${earlier.changes.added} items added, ${earlier.changes.updated} updated, ${earlier.changes.deleted} deleted; the incremental run exports exactly those.\n`,
    );
  }
  if (!json) deps.stdout.write(`\n${formatReport(report, localRows(localFiles))}\n`);
  // The demo's first run must have ended well too, or the second proves nothing.
  const exitCode =
    earlier && earlier.status !== 'SUCCEEDED' ? ExitCode.ExportFailed : exitCodeOf(report.outcome);
  return {
    exitCode,
    json: {
      command: 'start',
      mode: 'local',
      input,
      run: report,
      following: 'finished',
      local: localFiles,
      ...(earlier ? { earlier } : {}),
    },
  };
}

/** What a local run of a source other than Pinpoint needs beyond its input (the DynamoDB table to seed, the demo). */
function sourceOptionsOf(request: Extract<Command, { name: 'start' }>['request']) {
  return {
    ...(request.source ? { source: request.source } : {}),
    ...(request.table ? { table: request.table } : {}),
    ...(request.format ? { format: request.format } : {}),
    ...(request.incremental ? { incremental: true } : {}),
    // A given --scheduled-time is one run of that time, never the incremental demo.
    ...(request.scheduledTime ? { scheduledTime: request.scheduledTime } : {}),
  };
}

/** A path as typed from here (`.local/emulator/…`) when it is under the current folder. */
function shownPath(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath && !relativePath.startsWith('..') && !isAbsolute(relativePath) ? relativePath : path;
}

/** One line of what a run's metrics would put in CloudWatch: "RecordsExported 2,000 · StatusChecks 4 · …". */
export function formatMetricsDigest(metrics: Record<string, number>): string {
  const shown = Object.entries(metrics)
    .filter(([name]) => name !== 'Runs')
    .map(([name, value]) => `${name} ${formatNumber(value)}`);
  return `${shown.join(' · ')} (CloudWatch EMF from publish-summary; --logs shows the lines)`;
}

/** The rows a local run adds to its report: where its files are. */
function localRows(local: LocalFiles): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (local.exportFiles.length > 0) {
    rows.push([
      'files',
      `${local.exportFiles.length} ${local.exportFiles.length === 1 ? 'file' : 'files'}${
        local.recordsExported === null ? '' : `, ${formatNumber(local.recordsExported)} records`
      }`,
    ]);
  }
  if (local.dataDir) rows.push(['local S3', shownPath(local.dataDir)]);
  if (local.messageFile) rows.push(['sns message', shownPath(local.messageFile)]);
  if (local.summaryNote) rows.push(['note', local.summaryNote]);
  if (local.metrics) rows.push(['metrics', formatMetricsDigest(local.metrics)]);
  const details = Object.entries(local.details ?? {}).filter(([, value]) => value !== null);
  if (details.length > 0)
    rows.push(['details', details.map(([name, value]) => `${name} ${value}`).join(' · ')]);
  return rows;
}

/** `status --local`: a local run's record. */
export async function statusLocal(
  command: Extract<Command, { name: 'status' }>,
  dataDir: string,
  deps: CliDeps,
): Promise<CommandResult> {
  const name = command.execution.startsWith('arn:')
    ? (command.execution.split(':').at(-1) ?? '')
    : command.execution;
  const record = await deps.runStore(dataDir).get(name);
  if (!record) {
    throw new CliError(
      'not-found',
      `no local run ${name} in ${dataDir}: check the name and --data-dir (see: npm run export -- list --local)`,
    );
  }
  const { local, ...report } = record;
  if (!command.common.json) deps.stdout.write(`${formatReport(report, localRows(local))}\n`);
  return {
    exitCode: exitCodeOf(report.outcome),
    json: { command: 'status', mode: 'local', run: report, local, following: 'not-requested' },
  };
}

/** `list --local`: the local runs' records, newest first. */
export async function listLocal(
  command: Extract<Command, { name: 'list' }>,
  dataDir: string,
  deps: CliDeps,
): Promise<CommandResult> {
  const records = await deps.runStore(dataDir).list(command.max);
  const rows: ListRow[] = records.map((r) => ({
    name: r.name,
    arn: r.arn,
    trigger: r.trigger,
    status: r.status,
    outcome: r.outcome,
    startDate: r.startDate,
    stopDate: r.stopDate,
    durationSeconds: r.durationSeconds,
  }));
  if (!command.common.json) deps.stdout.write(`${formatList(rows)}\n`);
  return { exitCode: ExitCode.Ok, json: { command: 'list', mode: 'local', dataDir, runs: rows } };
}
