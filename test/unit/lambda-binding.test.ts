import { describe, expect, it } from 'vitest';
import { bindLambda, LambdaInvocationError } from '../../dev/local/lambda-binding.ts';

/*
 * The local stand-in for the Lambda service: what Step Functions sees when a
 * function runs past its timeout, or throws.
 */

describe('a locally bound Lambda function', () => {
  it('ends an invocation at its timeout with Sandbox.Timedout, as Lambda reports it to Step Functions', async () => {
    const { invoke, stats } = bindLambda(
      () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1_000)),
      { functionName: 'slow', timeoutSeconds: 0.05 },
    );

    const error = await invoke({}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LambdaInvocationError);
    expect((error as Error).name).toBe('Sandbox.Timedout');
    expect(JSON.parse((error as Error).message)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.05 seconds',
    });
    expect(stats.errors).toBe(1);
  });

  it('returns the result of a handler that finishes in time, across a JSON boundary', async () => {
    const { invoke } = bindLambda(async () => ({ at: new Date(0) }), {
      functionName: 'quick',
      timeoutSeconds: 1,
    });

    await expect(invoke({})).resolves.toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
