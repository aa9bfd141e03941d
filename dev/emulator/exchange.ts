/*
 * One request on the emulator's port, as the services see it (an Exchange,
 * sources/emulator/service.ts): its head, its body, the fault rules that apply to it, its
 * answer, and its line in the request log, kept and printed when it is answered.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultController, FaultKind, ServiceName } from '../../sources/emulator/faults.ts';
import type { RequestLogEntry } from '../../sources/emulator/log.ts';
import {
  type HttpResult,
  newRequestId,
  readBody,
  signingServiceOf,
} from '../../sources/emulator/protocol.ts';
import type { Exchange, RequestHead } from '../../sources/emulator/service.ts';

/** An exchange, plus what the emulator does with it before a service serves it. */
export interface EmulatorExchange extends Exchange {
  /** The service (or the control API) that serves it: the log's and the fault rules' service. */
  assign(service: ServiceName | 'emulator'): void;
}

/** What an exchange needs from the emulator. */
export interface ExchangeOptions {
  faults: FaultController;
  /** The emulator's clock: the log's times. */
  now: () => number;
  /** Called with the request's log entry once it is answered; none: not logged. */
  logged?: (entry: RequestLogEntry) => void;
}

/** The head of a request: what routing and the services read before the body. */
export function headOf(req: IncomingMessage): RequestHead {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const signingName = signingServiceOf(req.headers.authorization, url.searchParams);
  const target = req.headers['x-amz-target'];
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    ...(signingName !== undefined ? { signingName } : {}),
    ...(target !== undefined ? { target: String(target) } : {}),
  };
}

export function createExchange(
  req: IncomingMessage,
  res: ServerResponse,
  options: ExchangeOptions,
): EmulatorExchange {
  const started = performance.now();
  const head = headOf(req);
  const entry: RequestLogEntry = {
    time: new Date(options.now()).toISOString(),
    service: 'unknown',
    operation: 'Unknown',
    method: head.method,
    path: head.path,
    status: 0,
    durationMs: 0,
  };
  const log = (status: number) => {
    entry.status = status;
    entry.durationMs = Math.round(performance.now() - started);
    options.logged?.(entry);
  };
  return {
    head,
    requestId: newRequestId(),
    req,
    res,
    assign(service) {
      entry.service = service;
    },
    identify(operation, applicationId) {
      entry.operation = operation;
      if (applicationId) entry.applicationId = applicationId;
    },
    async readBody(limit) {
      return (await readBody(req, limit)).text;
    },
    async fault() {
      const context = {
        service: entry.service as ServiceName,
        operation: entry.operation,
        ...(entry.applicationId ? { applicationId: entry.applicationId } : {}),
      };
      const delays = options.faults.take(context, ['delay']);
      const delayMs = delays.reduce((sum, rule) => sum + (rule.delayMs ?? 0), 0);
      if (delayMs > 0) await sleep(delayMs);
      return options.faults.take(context, ['reset', 'throttle', 'error500'], true)[0];
    },
    reply(result: HttpResult | 'reset', fault?: FaultKind) {
      if (fault) entry.fault = fault;
      if (result === 'reset') {
        req.socket.destroy();
        log(0);
        return;
      }
      if (result.errorType) entry.errorType = result.errorType;
      res.writeHead(result.status, { ...result.headers, 'content-length': Buffer.byteLength(result.body) });
      res.end(result.body);
      log(result.status);
    },
    replied(status, errorType, fault) {
      if (errorType) entry.errorType = errorType;
      if (fault) entry.fault = fault;
      log(status);
    },
  };
}
