/*
 * Exit statuses and the errors that carry them. Scripts branch on the status,
 * so every failure path ends in exactly one of these.
 */

/** Exit statuses of `npm run export`. */
export const ExitCode = {
  /** The export COMPLETED (or the command did what it was asked: started, listed, showed a run). */
  Ok: 0,
  /** The export FAILED, TIMED_OUT, hit an ERROR, or the execution was aborted. */
  ExportFailed: 1,
  /** Bad usage or input; nothing was sent to AWS. */
  Usage: 2,
  /** AWS could not be reached or refused access. */
  Aws: 3,
  /** The execution (or local run) asked about does not exist. */
  NotFound: 4,
  /** Ctrl-C stopped following (the execution itself goes on); 128 + SIGINT, as shells do. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type CliErrorKind = 'usage' | 'input' | 'aws' | 'not-found';

/** A failure the CLI reports as one line and an exit status. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly kind: CliErrorKind,
    message: string,
    /** The option at fault, when there is one (`--segment-version`). */
    readonly option?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get exitCode(): ExitCode {
    if (this.kind === 'aws') return ExitCode.Aws;
    if (this.kind === 'not-found') return ExitCode.NotFound;
    return ExitCode.Usage;
  }
}

export function usageError(message: string, option?: string): CliError {
  return new CliError('usage', message, option);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const ACCESS_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
]);

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  errno?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const e = error as SdkLikeError;
  for (const candidate of [e.code, e.errno, e.name]) {
    if (candidate && NETWORK_CODES.has(candidate)) return candidate;
  }
  const match = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/.exec(
    e.message ?? '',
  );
  if (match?.[1]) return match[1];
  if (e.cause) return networkCode(e.cause, depth + 1);
  // AggregateError (happy eyeballs) keeps the socket errors in `errors`.
  const errors = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const code = networkCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return undefined;
}

/** True when the error came from the AWS SDK or the network below it. */
export function isAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkLikeError;
  return (
    e.$metadata !== undefined ||
    e.name === 'CredentialsProviderError' ||
    e.name === 'TimeoutError' ||
    networkCode(error) !== undefined ||
    /Region is missing/i.test(e.message ?? '') ||
    ACCESS_ERRORS.has(e.name ?? '')
  );
}

/**
 * Turns an error thrown by an AWS SDK call into the one line an operator reads,
 * with exit status 3. `action` says what the CLI was doing ("starting the execution").
 */
export function awsFailure(error: unknown, action: string): CliError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkLikeError;
  const name = e.name ?? 'Error';
  const detail = (e.message ?? String(error)).split('\n')[0]?.trim() ?? '';
  let reason: string;
  const network = networkCode(error);
  if (/Region is missing/i.test(detail)) {
    // The SDK refuses before sending anything: a configuration mistake, like a bad option.
    return new CliError(
      'usage',
      `no AWS region configured while ${action}: pass --region or set AWS_REGION (nothing was sent to AWS)`,
      '--region',
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(detail)) {
    reason = `no AWS credentials found (${detail}); set AWS_PROFILE, run "aws sso login" or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`;
  } else if (name === 'ExpiredToken' || name === 'ExpiredTokenException') {
    reason = `the AWS credentials have expired (${name}); refresh them (for example "aws sso login") and try again`;
  } else if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId') {
    reason = `AWS did not recognise the credentials (${name}); check AWS_PROFILE or the access key`;
  } else if (ACCESS_ERRORS.has(name)) {
    reason = `access denied (${name}): ${detail}; the caller needs the IAM permission for this call`;
  } else if (network) {
    reason = `could not reach AWS (${network}): ${detail}; check the network, proxy and --region`;
  } else if (name === 'TimeoutError') {
    reason = `AWS did not answer in time (${detail}); check the network and try again`;
  } else {
    const status = e.$metadata?.httpStatusCode;
    reason = `${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`;
  }
  return new CliError('aws', `AWS refused or could not be reached while ${action}: ${reason}`, undefined, {
    cause: error,
  });
}
