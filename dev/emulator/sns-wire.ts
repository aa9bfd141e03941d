/*
 * Amazon SNS's wire shapes (awsQuery: form-encoded `Action=…` requests, XML answers)
 * for the emulator's SNS: answers and errors, so the unmodified AWS SDK and CLI parse
 * them the way they parse the real service's.
 */

import { type HttpResult, xmlEscape } from '../../sources/emulator/protocol.ts';
import type { ErrorShapes } from '../../sources/emulator/service.ts';

/**
 * An SNS error. awsQuery clients map the XML `Code` to the SDK's exception
 * (`InvalidParameter` → InvalidParameterException, `NotFound` → NotFoundException,
 * `Throttled` → ThrottledException, `InternalError` → InternalErrorException).
 */
export class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly senderFault = status < 500,
  ) {
    super(message);
    this.name = 'SnsError';
  }
}

export const snsErrors = {
  invalidParameter: (message: string) => new SnsError(400, 'InvalidParameter', message),
  notFound: (message: string) => new SnsError(404, 'NotFound', message),
  throttled: (message: string) => new SnsError(429, 'Throttled', message),
  internal: (message: string) => new SnsError(500, 'InternalError', message),
  invalidAction: (message: string) => new SnsError(400, 'InvalidAction', message),
};

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** An awsQuery success answer: `<{Action}Response><{Action}Result>…</…><ResponseMetadata/></…>`. */
export function snsResult(action: string, resultXml: string, requestId: string): HttpResult {
  const body =
    `<?xml version="1.0"?>\n<${action}Response xmlns="${SNS_NS}">` +
    `<${action}Result>${resultXml}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** An awsQuery error answer. */
export function snsErrorResult(error: SnsError, requestId: string): HttpResult {
  const body =
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${SNS_NS}"><Error>` +
    `<Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
    errorType: error.code,
  };
}

/** SNS's answers to a fault rule and to a body over its limit. */
export const SNS_ERROR_SHAPES: ErrorShapes = {
  fault: (kind, message, requestId) =>
    snsErrorResult(
      kind === 'throttle'
        ? snsErrors.throttled(message ?? 'Rate exceeded')
        : snsErrors.internal(message ?? 'Internal error'),
      requestId,
    ),
  tooLarge: (requestId) =>
    snsErrorResult(snsErrors.invalidParameter('Invalid parameter: request too large'), requestId),
};
