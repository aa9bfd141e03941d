/**
 * Errors the state machine tells apart. Each `name` is a string literal equal to
 * the `ErrorEquals` value in `statemachine/export-workflow.asl.json`: minifiers
 * rename classes, so never rely on `constructor.name`.
 *
 * Transient errors are retried by the state machine (Retry with backoff);
 * terminal errors are caught and turned into an ERROR summary.
 */

/** The execution input is malformed. Terminal: retrying cannot fix the input. */
export class InvalidExportInputError extends Error {
  override readonly name = 'InvalidExportInputError';
  constructor(
    /** The input field at fault, as a path such as `ExportJobRequest.RoleArn`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A Lambda function's environment is misconfigured (a deploy problem). Terminal. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Pinpoint throttled the request (HTTP 429). Transient. */
export class PinpointThrottledError extends Error {
  override readonly name = 'PinpointThrottledError';
}

/** Pinpoint failed on its side (HTTP 5xx) or could not be reached. Transient. */
export class PinpointUnavailableError extends Error {
  override readonly name = 'PinpointUnavailableError';
}

/**
 * Pinpoint refused the request (400, 403, 404, 405, 413). Terminal. The message
 * says what an operator should do about it.
 */
export class PinpointRequestRejectedError extends Error {
  override readonly name = 'PinpointRequestRejectedError';
  constructor(
    message: string,
    /** The Pinpoint exception name, for example `ForbiddenException`. */
    readonly pinpointError: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** SNS throttled the publish. Transient. */
export class SnsThrottledError extends Error {
  override readonly name = 'SnsThrottledError';
}

/** SNS failed on its side or could not be reached. Transient. */
export class SnsUnavailableError extends Error {
  override readonly name = 'SnsUnavailableError';
}

/** SNS refused the publish (missing topic, no permission, bad parameter). Terminal. */
export class SnsPublishRejectedError extends Error {
  override readonly name = 'SnsPublishRejectedError';
}

/** Every custom error name the state machine may match, for the ASL contract test. */
export const WORKFLOW_ERROR_NAMES = [
  'InvalidExportInputError',
  'ConfigurationError',
  'PinpointThrottledError',
  'PinpointUnavailableError',
  'PinpointRequestRejectedError',
  'SnsThrottledError',
  'SnsUnavailableError',
  'SnsPublishRejectedError',
] as const;

export type WorkflowErrorName = (typeof WORKFLOW_ERROR_NAMES)[number];
