import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

/**
 * The one middleware stack every function uses: Powertools logger with the
 * Lambda context injected and per-invocation keys reset, so the execution,
 * ApplicationId and job id a core appends never leak into the next invocation.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}

export function lambdaHandler<Event, Result>(
  logger: Logger,
  fn: (event: Event, context: Context) => Promise<Result>,
) {
  return middy<Event, Result>(fn).use(injectLambdaContext(logger, { resetKeys: true }));
}
