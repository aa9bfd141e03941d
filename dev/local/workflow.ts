import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  arnPlaceholderOf,
  FUNCTION_KEYS,
  FUNCTIONS,
  type FunctionName,
  type TaskState,
  taskStateOf,
} from '../../core/functions.ts';
import { FINAL_READS } from '../../sources/final-reads.ts';
import { RUNTIMES } from '../../sources/runtimes.ts';
import { bindLambda, type InvocationStats, type LambdaHandler } from './lambda-binding.ts';

/*
 * Runs statemachine/export-workflow.asl.json — the file that is deployed — in
 * aws-local-stepfunctions, each Task bound to the real handler in-process.
 */

/** An event of the local engine's execution log (the package does not export the type). */
export type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'] & {
  type: string;
  timestamp: number;
};

export const ASL_PATH = fileURLToPath(
  new URL('../../statemachine/export-workflow.asl.json', import.meta.url),
);

export type { TaskState } from '../../core/functions.ts';

/**
 * The Task states (CountExportBatch inside the CountExportBatches Map) and the function each runs
 * (its name, the key in serverless.yml), from the one list of functions (core/functions.ts).
 */
export const TASK_FUNCTIONS = Object.fromEntries(
  FUNCTION_KEYS.map((key) => [taskStateOf(key), FUNCTIONS[key]]),
) as Record<TaskState, FunctionName>;

/** The placeholder each function's ARN fills, as in serverless.yml's DefinitionSubstitutions. */
export const FUNCTION_PLACEHOLDERS = Object.fromEntries(
  FUNCTION_KEYS.map((key) => [taskStateOf(key), arnPlaceholderOf(key)]),
) as Record<TaskState, string>;

/** Function timeouts as deployed (serverless.yml), seconds; the others have the binding's 30. */
export const FUNCTION_TIMEOUTS: Partial<Record<TaskState, number>> = {
  VerifyExport: 300,
  CountExportBatch: 300,
  FinishVerification: 300,
};

/**
 * Reserved concurrency as deployed (see serverless.yml): none. Duplicate runs
 * converge through the run ledger, not by serializing every create; the bench
 * passes `{ CreateExportJob: 1 }` to measure the old design beside the new.
 */
export const RESERVED_CONCURRENCY: Partial<Record<TaskState, number>> = {};

/**
 * A copy of `definition` whose Retry intervals and delay caps are multiplied by
 * `scale`: time compressed like the Wait overrides, while attempts, backoff rate
 * and full jitter stay the ASL's own (a fixed interval override would drop them).
 */
export function scaleRetries(definition: StateMachineDefinition, scale: number): StateMachineDefinition {
  interface States {
    States: Record<
      string,
      { Retry?: { IntervalSeconds?: number; MaxDelaySeconds?: number }[]; ItemProcessor?: States }
    >;
  }
  const copy = structuredClone(definition) as unknown as States;
  const scaleAll = (machine: States) => {
    for (const state of Object.values(machine.States)) {
      for (const retrier of state.Retry ?? []) {
        // Step Functions' defaults, made explicit so they are scaled too.
        retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
        if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
      }
      // A Map's own states (CountExportBatch) retry on the same compressed clock.
      if (state.ItemProcessor) scaleAll(state.ItemProcessor);
    }
  };
  scaleAll(copy);
  return copy as unknown as StateMachineDefinition;
}

/** Loads the ASL file and substitutes `${Name}` placeholders; an unbound placeholder is an error. */
export function loadDefinition(substitutions: Record<string, string>): StateMachineDefinition {
  const text = readFileSync(ASL_PATH, 'utf8').replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`ASL placeholder \${${name}} has no substitution`);
    return value;
  });
  return JSON.parse(text) as StateMachineDefinition;
}

export function localFunctionArn(functionName: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:scheduled-exports-local-${functionName}`;
}

export function localSubstitutions(): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(TASK_FUNCTIONS) as TaskState[]).map((state) => [
      FUNCTION_PLACEHOLDERS[state],
      localFunctionArn(TASK_FUNCTIONS[state]),
    ]),
  );
}

let instances = 0;

/**
 * Loads the real handlers as fresh module instances, so each load reads
 * process.env anew (config, SDK endpoints), like a cold start. Set process.env first.
 */
export async function loadHandlers(): Promise<Record<TaskState, LambdaHandler>> {
  instances++;
  const load = async (state: TaskState): Promise<LambdaHandler> => {
    const url = new URL(`../../functions/${TASK_FUNCTIONS[state]}/handler.ts`, import.meta.url);
    const module = (await import(`${url.href}?instance=${instances}`)) as { handler: LambdaHandler };
    return module.handler;
  };
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  const [loaded] = await Promise.all([
    Promise.all(states.map(load)),
    // The sources' SDK halves, which the handlers import() on a run's first call: loaded here, so
    // that first call is not slower than the rest (the binding times every call against the
    // function's timeout, on timers some tests fake; in Lambda the import is part of the call).
    ...Object.values(RUNTIMES).map((runtime) => runtime()),
    ...Object.values(FINAL_READS).map((read) => read?.()),
  ]);
  return Object.fromEntries(states.map((state, i) => [state, loaded[i]])) as Record<TaskState, LambdaHandler>;
}

export interface WorkflowOptions {
  handlers: Record<TaskState, LambdaHandler>;
  /** Execution name; default `local-<uuid>`. */
  name?: string;
  /** Override Wait state durations (ms), e.g. `{ WaitForExportJob: 0 }` in tests. */
  waitTimeOverrides?: Record<string, number>;
  /** Override Retry intervals (ms) per state, e.g. `{ CreateExportJob: 0 }` in tests. */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** Compress every Retry's timing by this factor, keeping its backoff and jitter (see {@link scaleRetries}). */
  retryTimeScale?: number;
  /** Called before each Lambda invocation with its event; throw to inject a Lambda service fault. */
  beforeInvoke?: (functionName: string, input: unknown) => void;
  /** Called with each result of a task (for progress output), and the input the task was given. */
  onTaskResult?: (state: TaskState, result: unknown, input: unknown) => void;
  /** Called with each engine event as it happens. */
  onEvent?: (event: EventLog) => void;
}

export interface WorkflowExecution {
  executionArn: string;
  name: string;
  result: Promise<WorkflowResult>;
  abort: () => void;
  stats: Record<TaskState, InvocationStats>;
}

export interface WorkflowResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  events: EventLog[];
}

export const LOCAL_STATE_MACHINE_ARN =
  'arn:aws:states:us-east-1:000000000000:stateMachine:scheduled-exports-local';

/**
 * Bindings with their per-function state (reserved concurrency) shared by
 * every execution started with them: like one deployed stack.
 */
export function bindHandlers(
  options: Pick<WorkflowOptions, 'handlers' | 'beforeInvoke' | 'onTaskResult'> & {
    /** Reserved concurrency per state; default {@link RESERVED_CONCURRENCY}, as deployed. */
    reservedConcurrency?: Partial<Record<TaskState, number>>;
  },
) {
  const bindings = {} as Record<TaskState, ReturnType<typeof bindLambda>>;
  const reserved = options.reservedConcurrency ?? RESERVED_CONCURRENCY;
  for (const state of Object.keys(TASK_FUNCTIONS) as TaskState[]) {
    const concurrency = reserved[state];
    const timeoutSeconds = FUNCTION_TIMEOUTS[state];
    bindings[state] = bindLambda(options.handlers[state], {
      functionName: `scheduled-exports-local-${TASK_FUNCTIONS[state]}`,
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(concurrency === undefined ? {} : { reservedConcurrency: concurrency }),
      ...(options.beforeInvoke ? { beforeInvoke: options.beforeInvoke } : {}),
    });
  }
  const overrides = Object.fromEntries(
    (Object.keys(bindings) as TaskState[]).map((state) => [
      state,
      async (input: unknown) => {
        const result = await bindings[state].invoke(input);
        options.onTaskResult?.(state, result, input);
        return result;
      },
    ]),
  );
  const stats = Object.fromEntries(
    (Object.keys(bindings) as TaskState[]).map((state) => [state, bindings[state].stats]),
  ) as Record<TaskState, InvocationStats>;
  return { overrides, stats };
}

/** Starts one execution of the workflow on the local engine. */
export function startExecution(
  input: unknown,
  options: WorkflowOptions,
  shared?: ReturnType<typeof bindHandlers>,
): WorkflowExecution {
  const definition = loadDefinition(localSubstitutions());
  // The file as deployed is validated; a time-compressed copy (fractional intervals) is what runs.
  let stateMachine = new StateMachine(definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  if (options.retryTimeScale !== undefined) {
    stateMachine = new StateMachine(scaleRetries(definition, options.retryTimeScale), {
      validationOptions: { noValidate: true },
    });
  }
  const bound = shared ?? bindHandlers(options);
  const name = options.name ?? `local-${randomUUID()}`;
  const executionArn = `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
  const startTime = new Date().toISOString();
  const execution = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: bound.overrides as never,
      ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        StartTime: startTime,
        Input: input,
        RoleArn: 'arn:aws:iam::000000000000:role/scheduled-exports-local-states',
      },
      StateMachine: { Id: LOCAL_STATE_MACHINE_ARN, Name: 'scheduled-exports-local' },
    } as never,
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      options.onEvent?.(event);
    }
  })();
  const result = (async (): Promise<WorkflowResult> => {
    try {
      const output = await execution.result;
      await collecting;
      return { status: 'SUCCEEDED', output, events };
    } catch (error) {
      await collecting.catch(() => undefined);
      const failed = events.find((e) => e.type === 'ExecutionFailed') as
        | { Error: string; Cause: unknown }
        | undefined;
      return {
        status: 'FAILED',
        error: failed?.Error ?? (error as Error).name,
        cause: String(failed?.Cause ?? (error as Error).message),
        events,
      };
    }
  })();
  return { executionArn, name, result, abort: execution.abort, stats: bound.stats };
}
