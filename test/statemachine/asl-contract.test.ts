import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_ERROR_NAMES } from '../../core/errors.ts';
import { OUTCOME_RULES, OUTCOMES } from '../../core/outcome.ts';
import {
  ASL_PATH,
  FUNCTION_PLACEHOLDERS,
  loadDefinition,
  localSubstitutions,
} from '../../dev/local/workflow.ts';
import { MAX_BATCHES } from '../../functions/shared/verification/plan.ts';

/** Step Functions' execution history limit, and events per poll iteration (Wait 2 + Task 5 + Choice 2). */
const HISTORY_LIMIT = 25_000;
const EVENTS_PER_POLL = 9;

interface State {
  Type: string;
  Comment?: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Resource?: string;
  TimeoutSeconds?: number;
  ResultPath?: string;
  Retry?: { ErrorEquals: string[]; JitterStrategy?: string; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Choices?: Record<string, unknown>[];
  Parameters?: Record<string, unknown>;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; StartAt: string; States: Record<string, State> };
  [field: string]: unknown;
}

const text = readFileSync(ASL_PATH, 'utf8');
const asl = JSON.parse(text) as { StartAt: string; States: Record<string, State> };
const states = Object.entries(asl.States);
/** Every task, a Map's own (CountExportBatch) included. */
const tasks = [...states, ...states.flatMap(([, s]) => Object.entries(s.ItemProcessor?.States ?? {}))].filter(
  ([, s]) => s.Type === 'Task',
);

function targets(state: State): string[] {
  const choiceTargets = (state.Choices ?? []).map((c) => c.Next as string);
  return [state.Next, state.Default, ...choiceTargets, ...(state.Catch ?? []).map((c) => c.Next)].filter(
    (t): t is string => typeof t === 'string',
  );
}

/** Every rule of a Choice, flattened through And/Or/Not. */
function rules(choice: Record<string, unknown>): Record<string, unknown>[] {
  const nested = [
    ...((choice.Or as []) ?? []),
    ...((choice.And as []) ?? []),
    ...(choice.Not ? [choice.Not] : []),
  ];
  return [choice, ...nested.flatMap((c) => rules(c as Record<string, unknown>))];
}

describe('statemachine/export-workflow.asl.json', () => {
  it('is valid Amazon States Language according to asl-validator', () => {
    const { isValid, errors } = aslValidator(loadDefinition(localSubstitutions()) as never);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('leads every Next, Default and Catch to a state that exists', () => {
    for (const [name, state] of states) {
      for (const target of targets(state)) {
        expect(asl.States[target], `${name} -> ${target}`).toBeDefined();
      }
    }
    expect(asl.States[asl.StartAt]).toBeDefined();
  });

  it('reaches every state from StartAt', () => {
    const seen = new Set<string>([asl.StartAt]);
    const queue = [asl.StartAt];
    while (queue.length > 0) {
      const state = asl.States[queue.shift() as string] as State;
      for (const target of targets(state)) {
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(asl.States).sort());
  });

  it('matches only exported error names besides the States.*, Lambda.* and Sandbox.* errors', () => {
    const custom = tasks
      .flatMap(([, s]) => [...(s.Retry ?? []), ...(s.Catch ?? [])])
      .flatMap((r) => r.ErrorEquals)
      .filter((name) => !/^(States|Lambda|Sandbox)\./.test(name));
    expect(custom.length).toBeGreaterThan(0);
    for (const name of custom) expect(WORKFLOW_ERROR_NAMES).toContain(name);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test is about literal ${...} placeholders.
  it('binds every ${placeholder} to a function ARN and nothing else', () => {
    const placeholders = [...text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(Object.values(FUNCTION_PLACEHOLDERS)));
    expect(JSON.stringify(loadDefinition(localSubstitutions()))).not.toContain('${');
    expect(() => loadDefinition({})).toThrow(/has no substitution/);
  });

  it("retries AWS's transient Lambda errors with full jitter on every task", () => {
    // AWS's recommended retrier ("Handle transient Lambda service exceptions") plus throttling.
    const lambdaErrors = [
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ];
    for (const [name, state] of tasks) {
      for (const error of lambdaErrors) {
        // Step Functions uses the first retrier that names the error.
        const retrier = state.Retry?.find((r) => r.ErrorEquals.includes(error));
        expect(retrier, `${name} ${error}`).toBeDefined();
        expect(retrier?.JitterStrategy, `${name} ${error}`).toBe('FULL');
        expect(retrier?.MaxAttempts, `${name} ${error}`).toBeGreaterThanOrEqual(3);
      }
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
    }
  });

  it('gives the throttling of the serialized create (reserved concurrency 1) a longer retrier', () => {
    const retrier = asl.States.CreateExportJob?.Retry?.find((r) =>
      r.ErrorEquals.includes('Lambda.TooManyRequestsException'),
    );
    expect(retrier?.ErrorEquals).toEqual(['Lambda.TooManyRequestsException']);
    expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(10);
  });

  it('retries a task that timed out (Step Functions or Lambda timeout) on every task', () => {
    for (const [name, state] of tasks) {
      const retrier = state.Retry?.find((r) => r.ErrorEquals.includes('States.Timeout'));
      expect(retrier?.ErrorEquals, name).toContain('Sandbox.Timedout');
      // Step Functions reports a function timeout (and running out of memory) as Lambda.Unknown.
      expect(retrier?.ErrorEquals, name).toContain('Lambda.Unknown');
      expect(retrier?.MaxAttempts, name).toBeLessThanOrEqual(3);
    }
  });

  it('never retries our own bugs or refusals', () => {
    for (const [name, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      for (const terminal of [
        'OrchestratorBugError',
        'InvalidExportInputError',
        'ConfigurationError',
        'PinpointRequestRejectedError',
        'SnsPublishRejectedError',
        'States.ALL',
        'States.TaskFailed',
      ]) {
        expect(retried, `${name} ${terminal}`).not.toContain(terminal);
      }
    }
  });

  it('keeps the raw execution input out of the state: only CreateExportJob reads it, from the context object', () => {
    const readers = states.filter(([, s]) =>
      JSON.stringify(s.Parameters ?? {}).includes('$$.Execution.Input'),
    );
    expect(readers.map(([n]) => n)).toEqual(['CreateExportJob']);
    expect(asl.StartAt).toBe('CreateExportJob');
    // Its Catch replaces the state (the raw input) with the error: no ResultPath, so the default $.
    expect(asl.States.CreateExportJob?.Catch?.[0]?.ResultPath).toBeUndefined();
    expect(asl.States.CreateExportJob?.Catch?.[0]?.Next).toBe('CaptureCreateError');
    expect(asl.States.CaptureCreateError?.Parameters).toEqual({ 'error.$': '$' });
    expect(asl.States.CaptureCreateError?.Next).toBe('PublishSummary');
  });

  it('retries Pinpoint throttling and 5xx with backoff on the Pinpoint tasks', () => {
    for (const name of ['CreateExportJob', 'GetExportJobStatus']) {
      const retrier = asl.States[name]?.Retry?.find((r) => r.ErrorEquals.includes('PinpointThrottledError'));
      expect(retrier?.ErrorEquals, name).toContain('PinpointUnavailableError');
      expect(retrier?.JitterStrategy, name).toBe('FULL');
    }
  });

  it('catches every error of every task but PublishSummary into PublishSummary with ResultPath $.error', () => {
    const polling = tasks.filter(
      ([n]) =>
        ![
          'PublishSummary',
          'CreateExportJob',
          'VerifyExport',
          'CountExportBatch',
          'FinishVerification',
        ].includes(n),
    );
    expect(polling.map(([n]) => n)).toEqual(['GetExportJobStatus']);
    for (const [name, state] of polling) {
      const last = state.Catch?.at(-1);
      expect(last?.ErrorEquals, name).toEqual(['States.ALL']);
      expect(last?.Next, name).toBe('PublishSummary');
      expect(last?.ResultPath, name).toBe('$.error');
    }
    // A failing PublishSummary must fail the execution (alarms), not loop into itself.
    expect(asl.States.PublishSummary?.Catch).toBeUndefined();
  });

  it('verifies only a COMPLETED job, and never ends without a summary when the verification fails', () => {
    const choice = asl.States.IsExportJobDone as State;
    const toVerify = (choice.Choices ?? []).filter((c) => c.Next === 'VerifyExport');
    expect(toVerify).toEqual([
      { Variable: '$.job.JobStatus', StringEquals: 'COMPLETED', Next: 'VerifyExport' },
    ]);
    // First: the COMPLETED rule must win over the Or that ends the loop for the other reasons.
    expect(choice.Choices?.[0]?.Next).toBe('VerifyExport');
    // Plan, count, finish, then the summary; each step caught with its own ResultPath: $.error would
    // make the summary an ERROR, and the job did COMPLETE.
    expect(asl.States.VerifyExport?.Next).toBe('CountExportBatches');
    expect(asl.States.CountExportBatches?.Next).toBe('FinishVerification');
    expect(asl.States.FinishVerification?.Next).toBe('PublishSummary');
    for (const name of ['VerifyExport', 'CountExportBatches', 'FinishVerification']) {
      const step = asl.States[name] as State;
      expect(step.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.verificationError', Next: 'PublishSummary' },
      ]);
    }
    for (const name of ['VerifyExport', 'FinishVerification']) {
      const step = asl.States[name] as State;
      // Its result is $.verification: the plan (with a provisional verdict), then the verdict itself.
      expect(step.ResultPath, name).toBe('$.verification');
      const s3Retrier = step.Retry?.find((r) => r.ErrorEquals.includes('S3ThrottledError'));
      expect(s3Retrier?.ErrorEquals, name).toContain('S3UnavailableError');
      expect(s3Retrier?.JitterStrategy, name).toBe('FULL');
      // The Task's timeout is above the function's (300 s), so Lambda's own timeout is what ends a run-away call.
      expect(step.TimeoutSeconds, name).toBeGreaterThan(300);
    }
  });

  it('counts the batches in an inline Map that runs the same on the local engine, and never fails on one batch', () => {
    const map = asl.States.CountExportBatches as State;
    expect(map.Type).toBe('Map');
    // INLINE: aws-local-stepfunctions runs it as Step Functions does; DISTRIBUTED's ItemReader, ItemBatcher
    // and ResultWriter are not run locally (docs/TOOLCHAIN.md), so none is used.
    expect(map.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    for (const field of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage'])
      expect(map[field], field).toBeUndefined();
    // Batch descriptors from the plan, the scope beside each, concurrency from the stage, results in the work area.
    expect(map.ItemsPath).toBe('$.verification.plan');
    expect(map.ItemSelector).toEqual({ 'batch.$': '$$.Map.Item.Value', 'scope.$': '$.verification.scope' });
    expect(map.MaxConcurrencyPath).toBe('$.verification.scope.concurrency');
    expect(map.ResultPath).toBe('$.verification.counts');
    const inner = map.ItemProcessor?.States ?? {};
    const count = inner.CountExportBatch as State;
    expect(map.ItemProcessor?.StartAt).toBe('CountExportBatch');
    expect(count.TimeoutSeconds).toBeGreaterThan(300);
    expect(count.Retry?.find((r) => r.ErrorEquals.includes('S3ThrottledError'))?.ErrorEquals).toContain(
      'S3UnavailableError',
    );
    // A batch that fails through its retries becomes a record (a few bytes), not the Map's failure.
    expect(count.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordUncountedBatch' },
    ]);
    expect(inner.RecordUncountedBatch).toMatchObject({
      Type: 'Pass',
      Parameters: { 'index.$': '$.batch.index', 'failed.$': '$.error.Error' },
      End: true,
    });
  });

  it("succeeds only when publish-summary's outcome is COMPLETED, and fails with the outcome's own error otherwise", () => {
    const was = asl.States.WasExportCompleted as State;
    // One rule: the outcome was decided once, by publish-summary; the workflow only follows it.
    expect(was.Choices).toEqual([
      { Variable: '$.summary.status', StringEquals: 'COMPLETED', Next: 'ExportSucceeded' },
    ]);
    expect(was.Default).toBe('ExportFailed');
    expect(asl.States.ExportFailed).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.summary.failure.error',
      CausePath: '$.summary.failure.cause',
    });
    // Every outcome that is not a success has a Fail error of its own, and COMPLETED has none.
    for (const outcome of OUTCOMES) {
      expect(OUTCOME_RULES[outcome].failError === null, outcome).toBe(outcome === 'COMPLETED');
    }
    expect(new Set(OUTCOMES.map((o) => OUTCOME_RULES[o].failError)).size).toBe(OUTCOMES.length);
  });

  it('bounds the poll loop by the deadline and an iteration cap far below the history limit', () => {
    const choice = asl.States.IsExportJobDone as State;
    const all = (choice.Choices ?? []).flatMap(rules);
    expect(all).toContainEqual({ Variable: '$.poll.deadlinePassed', BooleanEquals: true });
    const cap = all.find((r) => r.Variable === '$.poll.checks')?.NumericGreaterThanEquals as number;
    expect(cap).toBeGreaterThan(0);
    // cap × 9 events plus the fixed states, within half the limit: the other half leaves room for retries.
    const worstCase = cap * EVENTS_PER_POLL + 200;
    expect(worstCase).toBeLessThan(HISTORY_LIMIT * 0.5);
    // The counting Map's inline iterations count too: about 8 events per batch (start, task 5, end, success).
    expect(worstCase + MAX_BATCHES * 8).toBeLessThan(HISTORY_LIMIT * 0.65);
    // The cap's exit must lead to the summary, and the loop's way back through the Wait state.
    const capRule = (choice.Choices ?? []).find((c) => rules(c).some((r) => r.Variable === '$.poll.checks'));
    expect(capRule?.Next).toBe('PublishSummary');
    expect(choice.Default).toBe('WaitForExportJob');
    expect(asl.States.WaitForExportJob?.Next).toBe('GetExportJobStatus');
  });

  it('gives every state a Comment', () => {
    for (const [name, state] of states) expect(state.Comment, name).toMatch(/\w{3,}/);
  });

  it('ends in a Succeed state for COMPLETED and a Fail state for anything else', () => {
    expect(asl.States.ExportSucceeded?.Type).toBe('Succeed');
    expect(asl.States.ExportFailed?.Type).toBe('Fail');
  });
});
