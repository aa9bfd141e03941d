import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { triggerOf } from '../core/trigger.ts';
import type { PublishSummaryEvent } from '../core/types.ts';
import { awsFailure, isAwsError } from './errors.ts';
import { consoleUrl, executionNameOf, stateMachineArnOf } from './naming.ts';
import {
  explanationOf,
  type JobProgress,
  jobProgressOf,
  outcomeOf,
  parseJson,
  type RunReport,
  type RunSummary,
  secondsBetween,
  summaryOf,
} from './report.ts';

/*
 * Follows one execution: DescribeExecution for its status, GetExecutionHistory
 * (newest first, back to the last event seen) for the export's progress, which
 * the GetExportJobStatus task's output carries as a RunState. Both loops are
 * bounded; Ctrl-C aborts the signal and only the following stops.
 */

/** What the follower reports as it learns it. */
export type FollowUpdate =
  | { type: 'execution'; status: ExecutionStatus; at: Date }
  | { type: 'job'; job: JobProgress; statusChanged: boolean; at: Date }
  /** A status check that changed nothing shown (the next check's time moved). */
  | { type: 'checked'; job: JobProgress; at: Date }
  | { type: 'task-failed'; stateName: string; error: string; cause: string; at: Date }
  | { type: 'summary'; summary: RunSummary; at: Date };

export interface FollowOptions {
  sfn: SFNClient;
  executionArn: string;
  /** Follow until the execution ends (true) or look once (false). */
  wait: boolean;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => Date;
  /** Between two looks; Step Functions' DescribeExecution quota easily allows one every few seconds. */
  intervalMs: number;
  /** At most this many looks, then give up following (the execution goes on). */
  maxPolls: number;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  onUpdate: (update: FollowUpdate) => void;
}

export interface FollowResult {
  report: RunReport;
  /** Ctrl-C stopped the following. */
  interrupted: boolean;
  /** maxPolls looks were made and the execution still runs. */
  gaveUp: boolean;
}

/** Events per GetExecutionHistory page; a poll iteration adds about nine. */
const HISTORY_PAGE = 100;
/** Pages read per look: the newest 5,000 events are plenty to find the latest state. */
const MAX_HISTORY_PAGES = 50;

const EXECUTION_END: Record<string, ExecutionStatus> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** Turns history events, in order, into updates; remembers the latest job progress and summary. */
export class HistoryTracker {
  lastEventId = 0;
  job: JobProgress | null = null;
  summary: RunSummary | null = null;
  /** PublishSummary's input (the run's state), for the reasons it gives. */
  publishRun: PublishSummaryEvent['Run'] | null = null;
  private stateName = '';
  private progressKey = '';

  constructor(private readonly onUpdate: (update: FollowUpdate) => void) {}

  consume(events: readonly HistoryEvent[]): void {
    for (const event of events) {
      this.lastEventId = Math.max(this.lastEventId, event.id ?? 0);
      const at = event.timestamp ?? new Date(0);
      const type = event.type ?? '';
      if (type === 'ExecutionStarted') {
        this.onUpdate({ type: 'execution', status: 'RUNNING', at });
      } else if (EXECUTION_END[type]) {
        this.onUpdate({ type: 'execution', status: EXECUTION_END[type], at });
      } else if (event.stateEnteredEventDetails?.name) {
        this.stateName = event.stateEnteredEventDetails.name;
        if (this.stateName === 'PublishSummary') {
          const run = parseJson(event.stateEnteredEventDetails.input);
          if (typeof run === 'object' && run !== null) this.publishRun = run as PublishSummaryEvent['Run'];
        }
      } else if (type === 'TaskStateExited' && event.stateExitedEventDetails) {
        this.output(parseJson(event.stateExitedEventDetails.output), at);
      } else if (type === 'LambdaFunctionSucceeded') {
        const output = parseJson(event.lambdaFunctionSucceededEventDetails?.output);
        // publish-summary returns the PublishSummaryResult itself; the state adds it at $.summary.
        this.output(this.stateName === 'PublishSummary' ? { summary: output } : output, at);
      } else {
        const failure =
          event.lambdaFunctionFailedEventDetails ??
          event.lambdaFunctionTimedOutEventDetails ??
          event.lambdaFunctionScheduleFailedEventDetails ??
          event.lambdaFunctionStartFailedEventDetails ??
          event.taskFailedEventDetails ??
          event.taskTimedOutEventDetails;
        if (failure) {
          this.onUpdate({
            type: 'task-failed',
            stateName: this.stateName || 'task',
            error: failure.error ?? type,
            cause: failure.cause ?? '',
            at,
          });
        }
      }
    }
  }

  private output(output: unknown, at: Date): void {
    const job = jobProgressOf(output);
    if (job) {
      // The verdict too: FinishVerification's output is the same job with its verification added
      // (VerifyExport's holds the counting plan, which jobProgressOf leaves out).
      const key = [
        job.id,
        job.status,
        job.completedPieces,
        job.totalPieces,
        job.totalProcessed,
        job.verification?.verdict,
      ].join('|');
      if (key !== this.progressKey) {
        const statusChanged = this.job?.status !== job.status;
        this.progressKey = key;
        this.job = job;
        this.onUpdate({ type: 'job', job, statusChanged, at });
      } else {
        this.job = job;
        this.onUpdate({ type: 'checked', job, at });
      }
    }
    const summary = summaryOf(output);
    if (summary && this.summary === null) {
      this.summary = summary;
      this.onUpdate({ type: 'summary', summary, at });
    }
  }
}

/** The events after `afterId`, oldest first (reads newest first and stops at the known ones). */
export async function readEventsAfter(
  sfn: SFNClient,
  executionArn: string,
  afterId: number,
  signal?: AbortSignal,
): Promise<HistoryEvent[]> {
  const newestFirst: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const response = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: HISTORY_PAGE,
        includeExecutionData: true,
        ...(nextToken ? { nextToken } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const event of response.events ?? []) {
      if ((event.id ?? 0) <= afterId) return newestFirst.reverse();
      newestFirst.push(event);
    }
    nextToken = response.nextToken;
    if (!nextToken) break;
  }
  return newestFirst.reverse();
}

/** A report from DescribeExecution's answer and what the history showed. */
export function buildReport(
  description: Partial<
    Pick<
      DescribeExecutionCommandOutput,
      | 'executionArn'
      | 'stateMachineArn'
      | 'name'
      | 'status'
      | 'startDate'
      | 'stopDate'
      | 'input'
      | 'output'
      | 'error'
      | 'cause'
    >
  >,
  tracker: Pick<HistoryTracker, 'job' | 'summary'> & Partial<Pick<HistoryTracker, 'publishRun'>>,
  now: Date,
): RunReport {
  const arn = description.executionArn ?? '';
  const name = description.name ?? executionNameOf(arn);
  const input = parseJson(description.input);
  const output = parseJson(description.output);
  const summary = summaryOf(output) ?? tracker.summary;
  const start = description.startDate ?? now;
  const status = description.status ?? 'RUNNING';
  const outcome = outcomeOf(status, description.error, summary);
  const error = description.error ? { error: description.error, cause: description.cause ?? null } : null;
  const publishRun = tracker.publishRun;
  return {
    name,
    arn,
    stateMachineArn: description.stateMachineArn ?? stateMachineArnOf(arn) ?? null,
    consoleUrl: arn ? consoleUrl(arn) : null,
    trigger: triggerOf(name, input),
    status,
    outcome,
    startDate: start.toISOString(),
    stopDate: description.stopDate?.toISOString() ?? null,
    durationSeconds: secondsBetween(start, description.stopDate ?? now),
    input,
    job: jobProgressOf(output) ?? tracker.job,
    summary,
    error,
    explanation: explanationOf({
      outcome,
      published: summary,
      error,
      publishEvent: publishRun
        ? { Run: publishRun, Execution: { Id: arn, Name: name, StartTime: start.toISOString() } }
        : null,
    }),
  };
}

/** Looks at an execution once, or follows it until it ends, Ctrl-C, or maxPolls looks. */
export async function followExecution(options: FollowOptions): Promise<FollowResult> {
  const { sfn, executionArn, signal } = options;
  const tracker = new HistoryTracker(options.onUpdate);
  let description: DescribeExecutionCommandOutput | undefined;
  const result = (interrupted: boolean, gaveUp: boolean): FollowResult => ({
    report: buildReport(description ?? { executionArn }, tracker, options.now()),
    interrupted,
    gaveUp,
  });
  for (let poll = 1; ; poll++) {
    if (signal.aborted) return result(true, false);
    try {
      // Describe first, then read the history: the history then holds every event up to that status.
      description = await sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal });
      tracker.consume(await readEventsAfter(sfn, executionArn, tracker.lastEventId, signal));
    } catch (error) {
      if (signal.aborted) return result(true, false);
      if (!isAwsError(error)) throw error;
      throw awsFailure(error, `reading execution ${executionNameOf(executionArn)}`);
    }
    if (description.status !== 'RUNNING' || !options.wait) return result(false, false);
    if (poll >= options.maxPolls) return result(false, true);
    await options.sleep(options.intervalMs, signal);
  }
}
