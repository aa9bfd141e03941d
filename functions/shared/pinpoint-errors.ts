import { PinpointRequestRejectedError, PinpointThrottledError, PinpointUnavailableError } from './errors.ts';

/*
 * Turns what the AWS SDK throws for a Pinpoint call into one of the workflow's
 * typed errors: 429 and 5xx (and network failures) are transient and retried by
 * the state machine; everything else is terminal and carries advice for the
 * operator who reads the ERROR summary.
 */

/** Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on this date. */
export const PINPOINT_END_OF_SUPPORT_DATE = '2026-10-30';

const END_OF_SUPPORT = /end of support|no longer (?:supported|available)|has been discontinued|deprecated/i;

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

function asSdkError(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : { message: String(error) };
}

/** True when the message says the application is past Pinpoint's end of support. */
export function isEndOfSupportMessage(message: string): boolean {
  return END_OF_SUPPORT.test(message);
}

function adviceFor(name: string, message: string, operation: string): string {
  if (isEndOfSupportMessage(message)) {
    return `Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on ${PINPOINT_END_OF_SUPPORT_DATE}; this application can no longer export endpoints. Disable this schedule and move the audience to AWS End User Messaging or Amazon Connect.`;
  }
  switch (name) {
    case 'BadRequestException':
      return 'Pinpoint rejected the request as malformed: check the schedule input (RoleArn, S3UrlPrefix, SegmentId, SegmentVersion) against the stage configuration.';
    case 'ForbiddenException':
      return `Access was denied: check that the export role trusts pinpoint.amazonaws.com and may write to the S3 prefix, and that this stack's ${operation} permission covers the application.`;
    case 'NotFoundException':
      return 'The application, segment or job does not exist (any more): check ApplicationId and SegmentId/SegmentVersion in the schedule input.';
    case 'MethodNotAllowedException':
      return 'Pinpoint does not allow this operation here; this is likely a bug in the orchestrator: report it with the execution name.';
    case 'PayloadTooLargeException':
      return 'The request is too large for Pinpoint; shorten the S3UrlPrefix or other input fields.';
    default:
      return 'Check the error above; if it persists, report it with the execution name.';
  }
}

/** Maps an error thrown by a Pinpoint SDK call to a workflow error. */
export function toPinpointWorkflowError(error: unknown, operation: string): Error {
  const e = asSdkError(error);
  const name = e.name ?? 'Error';
  const message = e.message ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'TooManyRequestsException' || status === 429) {
    return new PinpointThrottledError(`Pinpoint throttled ${operation}: ${message}`, { cause: error });
  }
  if (
    name === 'InternalServerErrorException' ||
    (status !== undefined && status >= 500) ||
    (status === undefined && e.$fault !== 'client')
  ) {
    // No HTTP status at all means the request never got an answer: a reset, a
    // timeout, DNS. The state machine retries these with backoff.
    return new PinpointUnavailableError(
      `Pinpoint ${operation} failed or could not be reached (${name}): ${message}`,
      {
        cause: error,
      },
    );
  }
  const advice = adviceFor(name, message, operation);
  return new PinpointRequestRejectedError(
    `Pinpoint rejected ${operation} (${name}): ${message.replace(/\.\s*$/, '')}. ${advice}`,
    name,
    {
      cause: error,
    },
  );
}
