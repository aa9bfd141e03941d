import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  appendInputFacts,
  OrchestratorBugError,
  type RawInputFacts,
  WORKFLOW_ERROR_NAMES,
} from '../../core/errors.ts';

/**
 * The one middleware stack every function uses: Powertools logger with the
 * Lambda context injected and per-invocation keys reset, so the execution,
 * ApplicationId and job id a core appends never leak into the next invocation.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}

export interface HandlerOptions<Event> {
  /** The function's key in serverless.yml, named in the error of a bug. */
  functionName: string;
  /** What an ERROR summary may show of the event's raw input, appended to every error thrown (create-export-job). */
  inputFacts?: (event: Event) => RawInputFacts;
}

const WORKFLOW_ERRORS: ReadonlySet<string> = new Set(WORKFLOW_ERROR_NAMES);

/**
 * Anything thrown that is not one of the workflow's errors is a bug in our code (a
 * TypeError, a ReferenceError): it becomes an OrchestratorBugError, which the state
 * machine does not retry and the summary calls a bug.
 */
export function asWorkflowError(error: unknown, functionName: string): Error {
  if (error instanceof Error && WORKFLOW_ERRORS.has(error.name)) return error;
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return new OrchestratorBugError(
    `Orchestrator bug in ${functionName} (${name}): ${message.slice(0, 1000)}`,
    {
      reason: 'orchestrator bug',
      advice: `This is a bug in the orchestrator (${name} in ${functionName}), not an AWS problem: report it with the execution name and the function's log. Re-running fails the same way until it is fixed.`,
    },
    { cause: error },
  );
}

export function lambdaHandler<Event, Result>(
  logger: Logger,
  fn: (event: Event, context: Context) => Promise<Result>,
  options: HandlerOptions<Event>,
) {
  const guarded = async (event: Event, context: Context): Promise<Result> => {
    try {
      return await fn(event, context);
    } catch (thrown) {
      const error = asWorkflowError(thrown, options.functionName);
      if (error.name === 'OrchestratorBugError') logger.error('Orchestrator bug', { error: thrown as Error });
      if (options.inputFacts) error.message = appendInputFacts(error.message, options.inputFacts(event));
      throw error;
    }
  };
  // No early timeout: middy's would throw `TimeoutError` 5 ms before Lambda's own timeout,
  // an error name the state machine neither retries nor expects, so a create that outlasted
  // the function (and may have created the job) would end the run as ERROR. Lambda's own
  // timeout surfaces as Sandbox.Timedout / Lambda.Unknown, which the ASL retries.
  return middy<Event, Result>(guarded, { timeoutEarlyInMillis: 0 }).use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
}
