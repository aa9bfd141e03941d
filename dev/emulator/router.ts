/*
 * The emulator's request handler: each request goes to the one service that recognises
 * it (the rounds of sources/emulator/service.ts `Recognition`: the X-Amz-Target header,
 * then the control API, then the SigV4 signing name, then the path and protocol shape),
 * which answers it through an Exchange that keeps its line in the request log.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatedService, RequestHead } from '../../sources/emulator/service.ts';
import type { Control } from './control.ts';
import { createExchange, type ExchangeOptions } from './exchange.ts';

/** The service a request is for, `control` for the control API, or undefined when none recognises it. */
export function recognise(
  head: RequestHead,
  services: readonly EmulatedService[],
  control: boolean,
): EmulatedService | 'control' | undefined {
  if (head.method === 'POST' && head.target !== undefined) {
    const target = head.target;
    const byTarget = services.find((service) => service.recognises.target?.test(target));
    if (byTarget) return byTarget;
  }
  if (control && head.path.startsWith('/_emulator/')) return 'control';
  if (head.signingName !== undefined) {
    const bySignature = services.find((service) => service.recognises.signingName === head.signingName);
    if (bySignature) return bySignature;
  }
  return services.find((service) => service.recognises.claims?.(head));
}

/** Largest control API body read. */
const CONTROL_MAX_BODY_BYTES = 1024 * 1024;

/**
 * A handler for `http.createServer` that routes to `services` (in their order: the
 * sources', then the emulator's own) and to the control API, if given.
 */
export function requestHandler(
  services: readonly EmulatedService[],
  options: ExchangeOptions & {
    /** The control API; none: `/_emulator/…` is a path like any other. */
    control?: Control;
    /** The service of a request no service recognises (none: 404). */
    fallback?: EmulatedService;
  },
): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange = createExchange(req, res, options);
    const { head } = exchange;
    const found = recognise(head, services, options.control !== undefined) ?? options.fallback;
    if (found === 'control') {
      exchange.assign('emulator');
      exchange.identify(`${head.method} ${head.path}`);
      const body = await exchange.readBody(CONTROL_MAX_BODY_BYTES);
      exchange.reply(await options.control!(head.method, head.path, head.query, body ?? ''));
      return;
    }
    if (!found) {
      req.resume();
      exchange.reply({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'No service here' });
      return;
    }
    exchange.assign(found.name);
    await found.serve(exchange);
  }
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug gets here; answer so the client does not hang.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  };
}
