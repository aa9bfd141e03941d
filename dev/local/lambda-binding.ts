import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/*
 * Runs a real Lambda handler in-process the way the Lambda service would for
 * Step Functions: the event and result cross a JSON boundary, the context is
 * Lambda-shaped, a thrown error reaches the state machine as
 * `{Error: errorType, Cause: JSON {errorType, errorMessage, trace}}`, and a
 * function's reserved concurrency is enforced (excess invocations fail with
 * Lambda.TooManyRequestsException, which the ASL retries).
 */

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaBindingOptions {
  functionName: string;
  /** Reserved concurrency; undefined = unlimited. */
  reservedConcurrency?: number;
  timeoutSeconds?: number;
  memoryMB?: number;
  /** Called before each invocation with its event; may throw to inject a Lambda service error (its name is the ASL error). */
  beforeInvoke?: (functionName: string, input: unknown) => void;
}

/** An error as the Lambda service reports it to Step Functions. */
export class LambdaInvocationError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

/** Counts invocations per function (what a test asserts "calls made" with). */
export interface InvocationStats {
  invocations: number;
  errors: number;
  throttles: number;
}

export function bindLambda(handler: LambdaHandler, options: LambdaBindingOptions) {
  let running = 0;
  const stats: InvocationStats = { invocations: 0, errors: 0, throttles: 0 };
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const invoke = async (input: unknown): Promise<unknown> => {
    options.beforeInvoke?.(options.functionName, input);
    if (options.reservedConcurrency !== undefined && running >= options.reservedConcurrency) {
      stats.throttles++;
      throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
    }
    running++;
    stats.invocations++;
    const started = Date.now();
    const context: Context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: options.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName}`,
      memoryLimitInMB: String(options.memoryMB ?? 256),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${options.functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const event = JSON.parse(JSON.stringify(input ?? null));
      // Lambda ends an invocation at its timeout, whatever the handler is doing, and Step
      // Functions sees Sandbox.Timedout (the handler's work may still have taken effect).
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`), {
                name: 'Sandbox.Timedout',
              }),
            ),
          timeoutMs,
        );
      });
      const result = await Promise.race([handler(event, context), timedOut]);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      stats.errors++;
      const e = error instanceof Error ? error : new Error(String(error));
      throw new LambdaInvocationError(e.name, e.message);
    } finally {
      clearTimeout(timer);
      running--;
    }
  };
  return { invoke, stats };
}
