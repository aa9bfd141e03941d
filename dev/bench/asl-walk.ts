import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type RecordedTiming, recordedTiming } from '../../core/poll-estimates.ts';
import { initialPollState, nextPollState } from '../../core/poll-schedule.ts';
import type { JobSnapshot, PollPrior, PollState } from '../../core/types.ts';
import type { PollConfig } from '../../functions/shared/config.ts';
import { jobProgressAt } from '../../sources/pinpoint/emulator-job-model.ts';
import {
  loadDefinition,
  localFunctionArn,
  localSubstitutions,
  TASK_FUNCTIONS,
  type TaskState,
} from '../local/workflow.ts';
import type { SimJob } from './population.ts';
import { endSeconds, pointAt, type Trace } from './traces.ts';

/*
 * The pure simulation: walks the deployed ASL file state by state on a virtual
 * clock, the Tasks standing in for the functions (GetExportJobStatus runs the
 * real wait logic on the job model's view of the job), and counts every state
 * entered — what Step Functions bills as a state transition. It interprets only
 * the ASL features the workflow uses and throws on anything else, so a change to
 * the workflow cannot silently skew the counts.
 */

/** A wait policy under test: ours (the real poll-schedule) or a fixed interval. */
export interface Poller {
  name: string;
  /** `prior`: the target's previous COMPLETED run as the ledger recorded it, when the walk has one. */
  initial(job: JobSnapshot, runStart: Date, now: Date, prior?: number | PollPrior): PollState;
  next(previous: PollState, job: JobSnapshot, now: Date): PollState;
}

export function adaptivePoller(config: PollConfig): Poller {
  return {
    name: 'adaptive',
    initial: (job, runStart, now, prior) => initialPollState(job, runStart, now, config, prior),
    next: (previous, job, now) => nextPollState(previous, job, now, config),
  };
}

/** The published solutions' poller: look every `intervalSeconds`, whatever happens. */
export function fixedPoller(intervalSeconds: number, runDeadlineSeconds: number): Poller {
  return {
    name: `fixed ${intervalSeconds} s`,
    initial: (job, runStart, now) => ({
      checks: 0,
      waitSeconds: intervalSeconds,
      deadline: new Date(runStart.getTime() + runDeadlineSeconds * 1000).toISOString(),
      deadlinePassed: false,
      lastProgressAt: now.toISOString(),
      lastPiecesDone: 0,
      lastStatus: job.JobStatus,
    }),
    next: (previous, job, now) => ({
      ...previous,
      checks: previous.checks + 1,
      deadlinePassed: now.getTime() >= Date.parse(previous.deadline),
      lastStatus: job.JobStatus,
    }),
  };
}

/** What GetExportJob reports of a job at one moment. */
export interface JobView {
  status: JobSnapshot['JobStatus'];
  totalPieces?: number;
  completedPieces?: number;
  failedPieces?: number;
}

/** A job the walk can replay: a job model plan (SimJob) or a timeline (shapes, recorded traces). */
export interface WalkableJob {
  id: string;
  /** Elapsed seconds from creation to COMPLETED/FAILED. */
  durationSeconds: number;
  viewAt(elapsedMs: number): JobView;
}

export function modelJob(job: SimJob): WalkableJob {
  return {
    id: job.id,
    durationSeconds: job.durationSeconds,
    viewAt: (elapsedMs) => {
      const p = jobProgressAt(job.plan, elapsedMs);
      return {
        status: p.status,
        totalPieces: p.totalPieces,
        completedPieces: p.completedPieces,
        failedPieces: p.failedPieces,
      };
    },
  };
}

export function traceJob(trace: Trace): WalkableJob {
  return {
    id: trace.id,
    durationSeconds: endSeconds(trace),
    viewAt: (elapsedMs) => {
      const { t: _, ...view } = pointAt(trace, elapsedMs / 1000);
      return view;
    },
  };
}

const walkable = (job: SimJob | WalkableJob): WalkableJob => ('plan' in job ? modelJob(job) : job);

/** What GetExportJob would report for the job at `nowMs` (as a JobSnapshot). */
export function snapshotAt(job: SimJob | WalkableJob, createdMs: number, nowMs: number): JobSnapshot {
  const w = walkable(job);
  const view = w.viewAt(nowMs - createdMs);
  const terminal = view.status === 'COMPLETED' || view.status === 'FAILED';
  return {
    Id: w.id,
    JobStatus: view.status,
    CreationDate: new Date(createdMs).toISOString(),
    ...(terminal ? { CompletionDate: new Date(createdMs + w.durationSeconds * 1000).toISOString() } : {}),
    ...(view.totalPieces !== undefined && { TotalPieces: view.totalPieces }),
    ...(view.completedPieces !== undefined && { CompletedPieces: view.completedPieces }),
    ...(view.failedPieces !== undefined && { FailedPieces: view.failedPieces }),
    Reused: false,
  };
}

/** The outcome of one job under one poller. */
export interface JobRun {
  jobId: string;
  durationSeconds: number;
  /** GetExportJobStatus invocations. */
  checks: number;
  /** States entered, as Step Functions bills them. */
  transitions: number;
  /** Seconds from the job's end to the check that saw it; null when no check saw it (deadline, cap). */
  delaySeconds: number | null;
  summaryStatus: string;
  /** Virtual epoch ms of every status check. */
  checkTimesMs: number[];
  /** The job's timing publish-summary records in the run ledger from the final poll state (the next run's prior). */
  recorded: RecordedTiming;
}

type Json = unknown;
type Obj = Record<string, Json>;
interface Context {
  Execution: { Id: string; Name: string; StartTime: string; Input: Json };
  /** Inside a Map's iteration: the item and its place. */
  Map?: { Item: { Index: number; Value: Json } };
}

function isObj(value: Json): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readPath(path: string, data: Json, context: Context): Json {
  const [root, rest] = path.startsWith('$$') ? [context as Json, path.slice(2)] : [data, path.slice(1)];
  if (rest === '') return root;
  if (!/^(\.[A-Za-z0-9_]+)+$/.test(rest)) throw new Error(`ASL walk: unsupported path ${path}`);
  // A Map iteration's context: `$$.Map.Item.Value` (the walk's context carries it only there).
  let value = root;
  for (const key of rest.slice(1).split('.')) value = isObj(value) ? value[key] : undefined;
  return value;
}

function writePath(path: string | null | undefined, data: Json, value: Json): Json {
  if (path === null) return data;
  if (path === undefined || path === '$') return value;
  if (!/^\$(\.[A-Za-z0-9_]+)+$/.test(path)) throw new Error(`ASL walk: unsupported ResultPath ${path}`);
  const keys = path.slice(2).split('.');
  const write = (target: Json, index: number): Json => {
    const base: Obj = isObj(target) ? { ...target } : {};
    const key = keys[index]!;
    base[key] = index === keys.length - 1 ? value : write(base[key], index + 1);
    return base;
  };
  return write(data, 0);
}

function applyParameters(template: Json, data: Json, context: Context): Json {
  if (!isObj(template)) return template;
  const out: Obj = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = readPath(String(value), data, context);
    else out[key] = applyParameters(value, data, context);
  }
  return out;
}

function evaluateRule(rule: Obj, data: Json, context: Context, liftCap = false): boolean {
  if (Array.isArray(rule.Or)) return (rule.Or as Obj[]).some((r) => evaluateRule(r, data, context, liftCap));
  if (Array.isArray(rule.And))
    return (rule.And as Obj[]).every((r) => evaluateRule(r, data, context, liftCap));
  if (isObj(rule.Not)) return !evaluateRule(rule.Not, data, context, liftCap);
  if (liftCap && rule.Variable === '$.poll.checks') return false;
  const value = readPath(String(rule.Variable), data, context);
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  const n = Number(value);
  if (typeof value !== 'number') return false;
  if ('NumericEquals' in rule) return n === rule.NumericEquals;
  if ('NumericGreaterThanEquals' in rule) return n >= Number(rule.NumericGreaterThanEquals);
  if ('NumericGreaterThan' in rule) return n > Number(rule.NumericGreaterThan);
  if ('NumericLessThanEquals' in rule) return n <= Number(rule.NumericLessThanEquals);
  if ('NumericLessThan' in rule) return n < Number(rule.NumericLessThan);
  throw new Error(`ASL walk: unsupported Choice rule ${JSON.stringify(rule)}`);
}

const UNSUPPORTED_FIELDS = [
  'InputPath',
  'OutputPath',
  'ResultSelector',
  'Iterator',
  'Branches',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
];

export const RUN_START_MS = Date.parse('2026-11-28T02:00:00.000Z');

let cachedDefinition: StateMachineDefinition | undefined;
function definition(): StateMachineDefinition {
  cachedDefinition ??= loadDefinition(localSubstitutions());
  return cachedDefinition;
}

/**
 * Runs one job through the ASL on a virtual clock with the given poller.
 * `liftIterationCap` ignores the Choice rule on `$.poll.checks`: the fixed 30-second
 * baseline needs up to 1,440 checks for a 12-hour job, past our cap of 1,000.
 * `prior` is what create-export-job would read from the run ledger (the previous COMPLETED
 * run's duration and recorded timing).
 */
export function walkJob(
  simJob: SimJob | WalkableJob,
  poller: Poller,
  options: { liftIterationCap?: boolean; prior?: number | PollPrior } = {},
): JobRun {
  const job = walkable(simJob);
  const runStartMs = RUN_START_MS;
  const resourceToTask = new Map<string, TaskState>(
    (Object.keys(TASK_FUNCTIONS) as TaskState[]).map((s) => [localFunctionArn(TASK_FUNCTIONS[s]), s]),
  );
  const input = { ApplicationId: 'a'.repeat(32), ScheduledTime: new Date(runStartMs).toISOString() };
  const context: Context = {
    Execution: {
      Id: `sim:${job.id}`,
      Name: job.id,
      StartTime: new Date(runStartMs).toISOString(),
      Input: input,
    },
  };
  let nowMs = runStartMs;
  // The job is created by the first task, at the run's start (tasks take no virtual time).
  const createdMs = runStartMs;
  const endMs = createdMs + job.durationSeconds * 1000;
  const checkTimesMs: number[] = [];
  let seenEndAtMs: number | null = null;
  let recorded: RecordedTiming = {};

  // Keyed by name, not TaskState: a task the walk does not model is reported, not guessed.
  const tasks: Record<string, (input: Json) => Json> = {
    CreateExportJob: () => {
      const snapshot = snapshotAt(job, createdMs, nowMs);
      return {
        execution: { ...context.Execution, Trigger: 'schedule' },
        request: input,
        job: snapshot,
        poll: poller.initial(snapshot, new Date(runStartMs), new Date(nowMs), options.prior),
      };
    },
    GetExportJobStatus: (state) => {
      const run = state as { poll: PollState } & Obj;
      const snapshot = snapshotAt(job, createdMs, nowMs);
      checkTimesMs.push(nowMs);
      if (seenEndAtMs === null && (snapshot.JobStatus === 'COMPLETED' || snapshot.JobStatus === 'FAILED')) {
        seenEndAtMs = nowMs;
      }
      return { ...run, job: snapshot, poll: poller.next(run.poll, snapshot, new Date(nowMs)) };
    },
    // The export's verification (after COMPLETED, before the summary) takes no virtual time here. The
    // simulated jobs write no files: the plan has no batch (the engine sample's S3 lists none either);
    // a real export adds one CountExportBatch transition per batch.
    VerifyExport: () => ({ verdict: 'NOT_COUNTED', plan: [], scope: { concurrency: 1 } }),
    CountExportBatch: (event) => ({ index: (event as { batch: { index: number } }).batch.index, records: 0 }),
    FinishVerification: () => ({ verdict: 'VERIFIED' }),
    PublishSummary: (payload) => {
      const run = (payload as { Run: { job?: JobSnapshot; poll?: PollState; error?: unknown } }).Run;
      // What publish-summary records in the run's ledger outcome.
      recorded = recordedTiming(run.poll);
      const status = run.error
        ? 'ERROR'
        : run.job?.JobStatus === 'COMPLETED'
          ? 'COMPLETED'
          : run.job?.JobStatus === 'FAILED'
            ? 'FAILED'
            : 'TIMED_OUT';
      return { status, failure: status === 'COMPLETED' ? null : { error: status, cause: status } };
    },
  };

  let transitions = 0;
  let summaryStatus = 'UNKNOWN';
  let steps = 0;
  /** Runs one state machine (the workflow, or a Map's ItemProcessor) from `input`; its output. */
  const execute = (
    machine: { StartAt: string; States: Record<string, Obj> },
    input: Json,
    ctx: Context,
  ): Json => {
    let data: Json = input;
    let name: string | undefined = machine.StartAt;
    while (name !== undefined) {
      if (++steps > 100_000) throw new Error('ASL walk: runaway execution');
      const state: Obj | undefined = machine.States[name];
      if (!state) throw new Error(`ASL walk: no state ${name}`);
      for (const field of UNSUPPORTED_FIELDS) {
        if (field in state) throw new Error(`ASL walk: ${name} uses ${field}, which the walk does not model`);
      }
      transitions++;
      const next: string | undefined = state.End === true ? undefined : (state.Next as string | undefined);
      switch (state.Type) {
        case 'Pass': {
          const result = 'Parameters' in state ? applyParameters(state.Parameters, data, ctx) : data;
          data = writePath(state.ResultPath as string | null | undefined, data, result);
          name = next;
          break;
        }
        case 'Task': {
          const task = resourceToTask.get(String(state.Resource));
          if (!task) throw new Error(`ASL walk: unknown resource ${String(state.Resource)}`);
          const taskInput = 'Parameters' in state ? applyParameters(state.Parameters, data, ctx) : data;
          const run = tasks[task];
          if (!run) throw new Error(`ASL walk: task ${task} is not modelled`);
          const result = run(taskInput);
          if (task === 'PublishSummary') summaryStatus = String((result as Obj).status);
          data = writePath(state.ResultPath as string | null | undefined, data, result);
          name = next;
          break;
        }
        case 'Map': {
          // Iterations one after another: they take no virtual time, and the count is what matters.
          const items = readPath(String(state.ItemsPath ?? '$'), data, ctx);
          if (!Array.isArray(items)) throw new Error(`ASL walk: ${name}'s ItemsPath is not an array`);
          const processor = state.ItemProcessor as { StartAt: string; States: Record<string, Obj> };
          const results = items.map((item, index) => {
            const itemCtx: Context = { ...ctx, Map: { Item: { Index: index, Value: item } } };
            const itemInput =
              'ItemSelector' in state ? applyParameters(state.ItemSelector, data, itemCtx) : item;
            return execute(processor, itemInput, itemCtx);
          });
          data = writePath(state.ResultPath as string | null | undefined, data, results);
          name = next;
          break;
        }
        case 'Wait': {
          const seconds =
            'SecondsPath' in state ? readPath(String(state.SecondsPath), data, ctx) : state.Seconds;
          if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
            throw new Error(`ASL walk: ${name} got an invalid wait ${String(seconds)}`);
          }
          nowMs += seconds * 1000;
          name = next;
          break;
        }
        case 'Choice': {
          const match = (state.Choices as Obj[]).find((rule) =>
            evaluateRule(rule, data, ctx, options.liftIterationCap),
          );
          name = match ? String(match.Next) : (state.Default as string | undefined);
          if (name === undefined) throw new Error('ASL walk: States.NoChoiceMatched');
          break;
        }
        case 'Succeed':
        case 'Fail':
          name = undefined;
          break;
        default:
          throw new Error(`ASL walk: unsupported state type ${String(state.Type)}`);
      }
    }
    return data;
  };
  execute(definition() as unknown as { StartAt: string; States: Record<string, Obj> }, input, context);
  return {
    jobId: job.id,
    durationSeconds: job.durationSeconds,
    checks: checkTimesMs.length,
    transitions,
    delaySeconds: seenEndAtMs === null ? null : ((seenEndAtMs as number) - endMs) / 1000,
    summaryStatus,
    checkTimesMs,
    recorded,
  };
}
