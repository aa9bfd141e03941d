import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * An HTTP proxy in front of the emulator's S3 that breaks chosen GetObject answers the way a
 * network or S3 breaks them: the body cut by a connection reset after some bytes, the body
 * ending early (the connection closed cleanly, fewer bytes than Content-Length said), or a 500
 * before any byte. Every other call goes through unchanged, so the verification reads real
 * objects over HTTP with the real @aws-sdk/client-s3 and a test sees what it does with each
 * failure, not what a mock says it does (the pattern of test/ledger/faulty-endpoint.ts).
 */

/** How the proxy breaks a GetObject. */
export type BodyFault =
  /** 200 and its headers, `afterBytes` of the body, then the connection reset (a TCP RST). */
  | 'reset'
  /** 200 and its headers (the whole Content-Length), `afterBytes` of the body, then the connection closed. */
  | 'end-early'
  /** 500 InternalError before the call reaches S3. */
  | 'server-error'
  /** 404 NoSuchKey before the call reaches S3 (a file gone for a moment). */
  | 'not-found';

/** One injected fault: which GetObject calls it breaks, and how many times. */
export interface S3Fault {
  /** A piece of the key the call reads. */
  key: string;
  fault: BodyFault;
  /** `reset` and `end-early`: the body's bytes that still arrive; default half of them. */
  afterBytes?: number;
  /** How many matching calls it breaks; default 1. */
  times?: number;
}

/** A call the proxy saw: its method, its path and query, its If-Match, and the fault that broke it. */
export interface SeenS3Call {
  method: string;
  url: string;
  ifMatch?: string;
  fault?: BodyFault;
}

export interface FaultyS3 {
  /** Point an S3Client here (forcePathStyle). */
  endpoint: string;
  calls: SeenS3Call[];
  inject(fault: S3Fault): void;
  /** Runs `run` once, when the first GetObject of a key holding `key` arrives, and waits for it before it goes on. */
  before(key: string, run: () => void | Promise<void>): void;
  close(): Promise<void>;
}

/** Whether a request is a GetObject (a GET of a key, not a listing). */
const isGetObject = (req: IncomingMessage, url: URL) =>
  req.method === 'GET' &&
  url.pathname.split('/').filter(Boolean).length > 1 &&
  !url.searchParams.has('list-type');

const ERRORS = {
  'server-error': {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  },
  'not-found': { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' },
};

function answerError(res: ServerResponse, fault: keyof typeof ERRORS): void {
  const { status, code, message } = ERRORS[fault];
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The upstream's answer, whole. */
function forward(
  upstream: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        readAll(answer).then(
          (data) => resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: data }),
          reject,
        );
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

/** Starts the proxy on 127.0.0.1 in front of `target` (the emulator's URL). */
export async function startFaultyS3(target: string): Promise<FaultyS3> {
  const upstream = new URL(target);
  const faults: (S3Fault & { left: number })[] = [];
  const calls: SeenS3Call[] = [];
  const hooks: { key: string; run: () => void | Promise<void> }[] = [];

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const raw = await readAll(req);
      const key = decodeURIComponent(url.pathname);
      const fault = isGetObject(req, url) ? faults.find((f) => f.left > 0 && key.includes(f.key)) : undefined;
      if (fault) fault.left--;
      const hook = isGetObject(req, url) ? hooks.findIndex((h) => key.includes(h.key)) : -1;
      if (hook >= 0) await hooks.splice(hook, 1)[0]?.run();
      const ifMatch = req.headers['if-match'];
      calls.push({
        method: req.method ?? '',
        url: req.url ?? '',
        ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
        ...(fault ? { fault: fault.fault } : {}),
      });
      if (fault?.fault === 'server-error' || fault?.fault === 'not-found')
        return answerError(res, fault.fault);
      const answer = await forward(upstream, req, raw);
      if (!fault || answer.status !== 200) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      const sent = Math.min(answer.body.length, fault.afterBytes ?? Math.floor(answer.body.length / 2));
      res.writeHead(answer.status, answer.headers);
      res.flushHeaders();
      res.write(answer.body.subarray(0, sent), () => {
        // Give the client the bytes before the connection goes.
        setTimeout(() => {
          if (fault.fault === 'reset') res.socket?.resetAndDestroy();
          else res.socket?.end();
        }, 20);
      });
    } catch (error) {
      res.writeHead(599);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    before: (key, run) => hooks.push({ key, run }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
