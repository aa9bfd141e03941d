/**
 * A local Amazon Pinpoint + Amazon SNS + Amazon S3 + DynamoDB + Amazon Connect Customer
 * Profiles emulator speaking the real wire protocols (Pinpoint and Customer Profiles
 * restJson1, SNS awsQuery, S3 REST XML, DynamoDB awsJson1_0) on one 127.0.0.1 port, so
 * the unmodified AWS SDK v3 and the AWS CLI (`--endpoint-url`) work against it.
 * Signatures are accepted without checking: there are no real credentials locally.
 *
 * Routing, first match: `X-Amz-Target: DynamoDB_*` is DynamoDB; `/_emulator/…` is the
 * control API (state and faults) for tests and for a separately started emulator; a
 * request signed for a source's service (SigV4 credential scope `…/profile/aws4_request`:
 * Customer Profiles), or an unsigned one on one of its paths, is that service — its
 * `/domains/…` paths are also legal S3 path-style paths (a bucket named `domains`), so
 * the signature tells them apart; `/v1/…` is Pinpoint (`v1` cannot be a bucket: names
 * have 3 characters or more); `POST /` with a form body is SNS; anything else is S3,
 * path-style (`/<bucket>/<key>`, `/<bucket>?list-type=2`, `GET /`), over the folder
 * export jobs write into.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createCustomerProfilesService,
  type ProfilesOptions,
} from '../../sources/customer-profiles/emulator.ts';
import {
  type FaultContext,
  FaultController,
  type FaultKind,
  type FaultRule,
} from '../../sources/emulator/faults.ts';
import {
  formatLogLine,
  type HttpResult,
  newRequestId,
  PinpointError,
  pinpointErrorResult,
  pinpointErrors,
  readBody,
  SnsError,
  type SourceService,
  signingServiceOf,
  snsErrorResult,
  snsErrors,
} from '../../sources/emulator/protocol.ts';
import {
  ACCOUNT_ID,
  handlePinpoint,
  newApplication,
  PINPOINT_MAX_BODY_BYTES,
  type PinpointContext,
  routePinpoint,
  settle,
} from '../../sources/pinpoint/emulator.ts';
import {
  createCloudFormationService,
  createSchedulerService,
  type DeployedSchedule,
  type DeployedStack,
  type Deployments,
} from './deployments.ts';
import {
  createLedgerTable,
  createLocalDynamoDb,
  DEFAULT_LEDGER_TABLE,
  dynamoDbOperation,
  isDynamoDbRequest,
} from './dynamodb.ts';
import { ensureBucket, handleS3, type S3Context, type S3Error, s3Errors, s3OperationOf } from './s3.ts';
import { ensureTopic, handleSns, SNS_MAX_BODY_BYTES, type SnsContext, snsAction } from './sns.ts';
import { EmulatorState, type RequestLogEntry } from './state.ts';

export {
  generateProfile,
  inSegmentDefinition,
  profileIdFor,
  segmentMembers,
} from '../../sources/customer-profiles/emulator-data.ts';
export type { ActiveFault, FaultKind, FaultRule, ServiceName } from '../../sources/emulator/faults.ts';
export { FaultController } from '../../sources/emulator/faults.ts';
export { endOfSupportMessage } from '../../sources/pinpoint/emulator.ts';
export { segmentIdFor } from '../../sources/pinpoint/emulator-dataset.ts';
export { type ExportJobView, jobView } from '../../sources/pinpoint/emulator-jobs.ts';
export { DEFAULT_LEDGER_TABLE } from './dynamodb.ts';
export type { PublishedMessage, RequestLogEntry } from './state.ts';
export type { DeployedSchedule, DeployedStack };
export { EmulatorState };

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** 0 = a random free port (the default, for tests); the CLI defaults to 4566. */
  port?: number;
  /** Folder standing for S3 buckets and SNS mail; default `.local/emulator` under the current directory. */
  dataDir?: string;
  /** Seeded Pinpoint application ids (32 lowercase hex); default `[DEFAULT_APPLICATION_ID]`. */
  applications?: string[];
  /** Applications that answer as after Pinpoint's end of support (must also be in `applications`). */
  endOfSupportApplications?: string[];
  /** Seeded SNS topic names; default `['export-summaries']`. */
  topics?: string[];
  /** Seeded S3 buckets (empty folders under `<dataDir>/s3/`); default `['local-exports']`. */
  buckets?: string[];
  dataset?: {
    /** Endpoints per application; default 1000. */
    endpoints?: number;
    /** Every Nth endpoint is malformed and counted as a failure; 0 = none (default). */
    malformedEvery?: number;
  };
  job?: {
    /** Nominal job duration from creation to COMPLETED; default 6. */
    durationSeconds?: number;
    /** Pieces per job; default about one per 250 selected endpoints (1..50). */
    pieces?: number;
    /** Time spent in PENDING_JOB before processing; default 0. */
    pendingSeconds?: number;
  };
  /** Clock in ms; default `Date.now`. Job progress follows this clock, so tests can inject a virtual one. */
  now?: () => number;
  /** Region in ARNs; default 'us-east-1'. The account id is always 000000000000. */
  region?: string;
  /** Name of the run ledger table created in the emulator's DynamoDB; default {@link DEFAULT_LEDGER_TABLE}. */
  ledgerTable?: string;
  /** Amazon Connect Customer Profiles. */
  profiles?: {
    /**
     * Seeded domains, each with the segment definitions `vip-customers` (every 4th profile)
     * and `all-profiles`; default `[DEFAULT_PROFILES_DOMAIN]`.
     */
    domains?: string[];
    /** Profiles in each seeded domain; default 500. */
    count?: number;
    /** Seconds a segment snapshot stays IN_PROGRESS on the `now` clock; default 3. */
    snapshotSeconds?: number;
    /** About how many profiles a snapshot's part file holds (at most 50 parts); default 200. */
    profilesPerFile?: number;
  };
  /** DynamoDB table exports. */
  dynamodb?: {
    /** Items per data file of an export; default 5,000 (AWS writes one or more files per partition). */
    exportItemsPerFile?: number;
  };
  /** Called with one line per request (the CLI prints them). */
  log?: (line: string) => void;
  /** Deployed stacks and schedules CloudFormation and Scheduler describe (dev/emulator/deployments.ts); default none. */
  deployments?: Partial<Deployments>;
  /**
   * Endpoints whose email subscriptions stay PendingConfirmation, as a subscriber who never
   * clicked the confirmation link (every other subscription is confirmed at once).
   */
  unconfirmedEndpoints?: string[];
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint` or to the CLI as `--endpoint-url`. */
  url: string;
  port: number;
  /** Absolute data folder. */
  dataDir: string;
  /** The run ledger table in the emulator's DynamoDB (served at {@link url}). */
  ledgerTable: string;
  close(): Promise<void>;
  faults: FaultController;
  /** Read access: applications, jobs, topics, published messages, request log. */
  state: EmulatorState;
}

/**
 * The environment that points the functions' AWS SDK clients (and their config)
 * at a running emulator: Pinpoint, SNS, the run ledger's DynamoDB, S3 and Customer
 * Profiles on its one port, S3 path-style (`/<bucket>/<key>`).
 */
export function clientEnvOf(emulator: Pick<Emulator, 'url' | 'ledgerTable'>) {
  return {
    AWS_ENDPOINT_URL_PINPOINT: emulator.url,
    AWS_ENDPOINT_URL_SNS: emulator.url,
    AWS_ENDPOINT_URL_DYNAMODB: emulator.url,
    RUN_LEDGER_TABLE: emulator.ledgerTable,
    AWS_ENDPOINT_URL_S3: emulator.url,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_CUSTOMER_PROFILES: emulator.url,
  };
}

/** A fixed application id, seeded unless `applications` says otherwise. */
export const DEFAULT_APPLICATION_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Name of the seeded topic. */
export const DEFAULT_TOPIC_NAME = 'export-summaries';

/** Name of the seeded bucket (the local runs' S3UrlPrefix writes there). */
export const DEFAULT_BUCKET = 'local-exports';

/** ARN of the seeded topic in the default region. */
export const DEFAULT_TOPIC_ARN = `arn:aws:sns:us-east-1:000000000000:${DEFAULT_TOPIC_NAME}`;

/**
 * The emulator's part of the source seam (docs/SOURCES.md): the export sources whose
 * API it serves. Pinpoint is sources/pinpoint/emulator.ts; DynamoDB's exports are
 * `sources/dynamodb/emulator.ts` beside dynalite (dev/emulator/dynamodb.ts, routed by
 * X-Amz-Target); every other source is its `sources/<id>/emulator.ts`, a SourceService
 * (sources/emulator/protocol.ts) routed by its SigV4 signing name.
 */
export const EMULATED_SOURCES = ['pinpoint', 'customer-profiles', 'dynamodb'] as const;

/** The seeded Customer Profiles domain. */
export const DEFAULT_PROFILES_DOMAIN = 'local-domain';

/** A seeded segment definition of every seeded domain: every 4th profile (`Attributes.tier` = `vip`). */
export const DEFAULT_SEGMENT_DEFINITION = 'vip-customers';

/** Id of the seeded `active-users` segment of the default application (versions 1..3). */
export const DEFAULT_SEGMENT_ID = createHash('sha256')
  .update(`${DEFAULT_APPLICATION_ID}:segment:active-users`)
  .digest('hex')
  .slice(0, 32);

/** Starts an emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const region = options.region ?? 'us-east-1';
  const dataDir = resolve(options.dataDir ?? '.local/emulator');
  const state = new EmulatorState(now);
  const faults = new FaultController();
  let seq = 0;
  const pinpoint: PinpointContext = {
    state,
    faults,
    now,
    region,
    dataDir,
    dataset: {
      endpoints: options.dataset?.endpoints ?? 1000,
      malformedEvery: options.dataset?.malformedEvery ?? 0,
    },
    job: {
      durationSeconds: options.job?.durationSeconds ?? 6,
      ...(options.job?.pieces !== undefined ? { pieces: options.job.pieces } : {}),
      pendingSeconds: options.job?.pendingSeconds ?? 0,
    },
    nextSeq: () => ++seq,
  };
  const sns: SnsContext = { state, now, region, dataDir, unconfirmed: options.unconfirmedEndpoints ?? [] };

  for (const id of options.applications ?? [DEFAULT_APPLICATION_ID]) {
    if (!/^[0-9a-f]{32}$/.test(id))
      throw new TypeError(`application id must be 32 lowercase hex characters: ${id}`);
    const app = newApplication(
      pinpoint,
      id,
      id === DEFAULT_APPLICATION_ID ? 'local-emulator' : `app-${id.slice(0, 8)}`,
    );
    app.endOfSupport = options.endOfSupportApplications?.includes(id) ?? false;
    state.applications.set(id, app);
  }
  for (const name of options.topics ?? [DEFAULT_TOPIC_NAME]) ensureTopic(sns, name);
  const s3: S3Context = { root: resolve(dataDir, 's3'), now, region };
  for (const bucket of options.buckets ?? [DEFAULT_BUCKET]) await ensureBucket(s3, bucket);

  const profilesCount = options.profiles?.count ?? 500;
  if (!Number.isInteger(profilesCount) || profilesCount < 0) {
    throw new TypeError(`profiles.count must be an integer >= 0: ${profilesCount}`);
  }
  const profilesOptions: ProfilesOptions = {
    domains: options.profiles?.domains ?? [DEFAULT_PROFILES_DOMAIN],
    count: profilesCount,
    snapshotSeconds: options.profiles?.snapshotSeconds ?? 3,
    profilesPerFile: options.profiles?.profilesPerFile ?? 200,
  };
  // The sources' services besides Pinpoint (sources/<id>/emulator.ts), routed by their signing name.
  const deployments: Deployments = {
    stacks: options.deployments?.stacks ?? [],
    schedules: options.deployments?.schedules ?? [],
  };
  const sources: SourceService[] = [
    createCustomerProfilesService({ faults, now, region, s3Root: s3.root }, state.profiles, profilesOptions),
    // Not sources, but served the same way (by signing name): what the doctor reads of a deployed stage.
    createCloudFormationService(deployments, { region, account: ACCOUNT_ID, now }),
    createSchedulerService(deployments, { region, account: ACCOUNT_ID }),
  ];

  const dynamo = createLocalDynamoDb({
    faults,
    now,
    region,
    s3Root: resolve(dataDir, 's3'),
    ...(options.dynamodb?.exportItemsPerFile
      ? { exportItemsPerFile: options.dynamodb.exportItemsPerFile }
      : {}),
  });
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug gets here; answer so the client does not hang.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const contentType = String(req.headers['content-type'] ?? '');
    const entry: RequestLogEntry = {
      time: new Date(now()).toISOString(),
      service: 'unknown',
      operation: 'Unknown',
      method,
      path,
      status: 0,
      durationMs: 0,
    };
    const finish = (result: HttpResult | 'reset', fault?: FaultKind) => {
      if (fault) entry.fault = fault;
      entry.durationMs = Math.round(performance.now() - started);
      if (result === 'reset') {
        entry.status = 0;
        req.socket.destroy();
      } else {
        entry.status = result.status;
        if (result.errorType) entry.errorType = result.errorType;
        res.writeHead(result.status, { ...result.headers, 'content-length': Buffer.byteLength(result.body) });
        res.end(result.body);
      }
      state.requests.push(entry);
      options.log?.(formatLogLine(entry));
    };

    if (isDynamoDbRequest(req)) {
      // dynalite answers; the emulator only logs the call.
      entry.service = 'dynamodb';
      entry.operation = dynamoDbOperation(req);
      res.once('finish', () => {
        entry.status = res.statusCode;
        entry.durationMs = Math.round(performance.now() - started);
        state.requests.push(entry);
        options.log?.(formatLogLine(entry));
      });
      dynamo.handle(req, res);
      return;
    }

    if (path.startsWith('/_emulator/')) {
      entry.service = 'emulator';
      entry.operation = `${method} ${path}`;
      const body = await readBody(req, 1024 * 1024);
      finish(await control(method, path, url.searchParams, body.text ?? ''));
      return;
    }

    const signing = signingServiceOf(req.headers.authorization, url.searchParams);
    const source = sources.find((service) =>
      signing ? service.signingName === signing : service.operationOf(method, path) !== undefined,
    );
    if (source) {
      entry.service = source.service;
      entry.operation = source.operationOf(method, path) ?? 'Unknown';
      const body = await readBody(req, source.maxBodyBytes);
      if (body.text === undefined) {
        finish(source.tooLarge(requestId));
        return;
      }
      const injected = await applyFaults({ service: source.service, operation: entry.operation });
      if (injected) {
        finish(
          injected.kind === 'reset'
            ? 'reset'
            : source.faultAnswer(
                injected.kind === 'throttle' ? 'throttle' : 'error500',
                injected.message,
                requestId,
              ),
          injected.kind,
        );
        return;
      }
      const answer = await source.handle({
        method,
        path,
        query: url.searchParams,
        body: body.text,
        requestId,
      });
      finish(answer.result, answer.fault);
      return;
    }

    const isPinpoint = path.startsWith('/v1/');
    const isSns =
      !isPinpoint && method === 'POST' && path === '/' && contentType.includes('x-www-form-urlencoded');
    if (!isPinpoint && !isSns) {
      await serveS3(req, res, url, requestId, entry, started);
      return;
    }

    if (isPinpoint) {
      entry.service = 'pinpoint';
      const routed = routePinpoint(method, path);
      const appId = routed && 'route' in routed ? routed.route.applicationId : routed?.applicationId;
      if (appId) entry.applicationId = appId;
      const body = await readBody(req, PINPOINT_MAX_BODY_BYTES);
      if (!routed) {
        finish(
          pinpointErrorResult(pinpointErrors.notFound(`No operation matches ${method} ${path}`), requestId),
        );
        return;
      }
      if ('methodNotAllowed' in routed) {
        finish(
          pinpointErrorResult(
            pinpointErrors.methodNotAllowed(`Method ${method} is not allowed on ${path}`),
            requestId,
          ),
        );
        return;
      }
      entry.operation = routed.route.operation;
      if (body.text === undefined) {
        finish(
          pinpointErrorResult(
            pinpointErrors.payloadTooLarge(
              `Request body exceeds the limit of ${PINPOINT_MAX_BODY_BYTES} bytes`,
            ),
            requestId,
          ),
        );
        return;
      }
      const context: FaultContext = {
        service: 'pinpoint',
        operation: entry.operation,
        ...(appId ? { applicationId: appId } : {}),
      };
      const injected = await applyFaults(context);
      if (injected) {
        finish(
          injected.kind === 'reset'
            ? 'reset'
            : pinpointErrorResult(
                injected.kind === 'throttle'
                  ? pinpointErrors.tooManyRequests(injected.message ?? 'Too many requests')
                  : pinpointErrors.internal(injected.message ?? 'Internal server error'),
                requestId,
              ),
          injected.kind,
        );
        return;
      }
      try {
        const answer = await handlePinpoint(pinpoint, routed.route, url.searchParams, body.text, requestId);
        if (entry.operation === 'CreateExportJob' && answer.status < 300) truncateIfAsked(context, answer);
        finish(answer);
      } catch (error) {
        if (!(error instanceof PinpointError)) throw error;
        finish(pinpointErrorResult(error, requestId), (error as PinpointError & { fault?: FaultKind }).fault);
      }
      return;
    }

    entry.service = 'sns';
    const body = await readBody(req, SNS_MAX_BODY_BYTES);
    if (body.text === undefined) {
      finish(snsErrorResult(snsErrors.invalidParameter('Invalid parameter: request too large'), requestId));
      return;
    }
    const params = new URLSearchParams(body.text);
    entry.operation = snsAction(params);
    const injected = await applyFaults({ service: 'sns', operation: entry.operation });
    if (injected) {
      finish(
        injected.kind === 'reset'
          ? 'reset'
          : snsErrorResult(
              injected.kind === 'throttle'
                ? snsErrors.throttled(injected.message ?? 'Rate exceeded')
                : snsErrors.internal(injected.message ?? 'Internal error'),
              requestId,
            ),
        injected.kind,
      );
      return;
    }
    try {
      finish(await handleSns(sns, params, requestId));
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      finish(snsErrorResult(error, requestId));
    }
  }

  /** The `truncate-export` fault marks the job just created: its files will hold fewer records than it reports. */
  function truncateIfAsked(context: FaultContext, answer: HttpResult): void {
    const rule = faults.take(context, ['truncate-export'], true)[0];
    if (!rule) return;
    const id = (JSON.parse(answer.body) as { Id?: string }).Id;
    const job = state.jobs.find((j) => j.id === id);
    if (job) job.truncate = rule.droppedRecords ?? 'half';
  }

  /** S3 streams objects, so it writes its own answers; faults and the request log as for the others. */
  async function serveS3(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string,
    entry: RequestLogEntry,
    started: number,
  ): Promise<void> {
    entry.service = 's3';
    entry.operation = s3OperationOf(entry.method, entry.path, url.searchParams);
    const log = (status: number, errorType?: string, fault?: FaultKind) => {
      entry.status = status;
      if (errorType) entry.errorType = errorType;
      if (fault) entry.fault = fault;
      entry.durationMs = Math.round(performance.now() - started);
      state.requests.push(entry);
      options.log?.(formatLogLine(entry));
    };
    const injected = await applyFaults({ service: 's3', operation: entry.operation });
    if (injected) {
      req.resume();
      if (injected.kind === 'reset') {
        req.socket.destroy();
        log(0, undefined, injected.kind);
        return;
      }
      const error: S3Error =
        injected.kind === 'throttle'
          ? s3Errors.slowDown(injected.message)
          : s3Errors.internal(injected.message);
      res.writeHead(error.status, { 'content-type': 'application/xml' });
      res.end(
        entry.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message><RequestId>${requestId}</RequestId></Error>`,
      );
      log(error.status, error.code, injected.kind);
      return;
    }
    // A snapshot that finished since it was last asked about writes its files before S3 lists them.
    await settleSources();
    const outcome = await handleS3(s3, req, res, url, requestId);
    log(outcome.status, outcome.errorType);
  }

  async function settleSources(): Promise<void> {
    await Promise.all([...sources.map((source) => source.settle()), dynamo.settle()]);
  }

  /** Applies delay rules, then returns the first answer-shaping rule (reset, throttle, error500), if any. */
  async function applyFaults(context: FaultContext) {
    const delays = faults.take(context, ['delay']);
    const delayMs = delays.reduce((sum, rule) => sum + (rule.delayMs ?? 0), 0);
    if (delayMs > 0) await sleep(delayMs);
    return faults.take(context, ['reset', 'throttle', 'error500'], true)[0];
  }

  async function control(
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
  ): Promise<HttpResult> {
    const json = (status: number, value: unknown): HttpResult => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value, null, 2),
    });
    if (path === '/_emulator/state' && method === 'GET') {
      await Promise.all([settle(pinpoint, state.jobs), settleSources()]);
      return json(200, { ...state.snapshot(), faults: faults.list() });
    }
    if (path === '/_emulator/faults') {
      if (method === 'GET') return json(200, faults.list());
      if (method === 'DELETE') {
        const id = query.get('id');
        if (id) {
          if (faults.remove(id)) return json(200, { removed: id });
          return json(404, { error: `no fault with id ${id}; GET /_emulator/faults lists the active ones` });
        }
        faults.clear();
        return json(200, { cleared: true });
      }
      if (method === 'POST') {
        try {
          const parsed: unknown = JSON.parse(body);
          const rules = (Array.isArray(parsed) ? parsed : [parsed]) as FaultRule[];
          const ids = rules.map((rule) => faults.add(rule));
          return json(201, { ids });
        } catch (error) {
          return json(400, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      return json(405, { error: `${method} not allowed on ${path}` });
    }
    return json(404, {
      error: `unknown control path ${path}; try GET /_emulator/state or /_emulator/faults`,
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const ledgerTable = options.ledgerTable ?? DEFAULT_LEDGER_TABLE;
  await createLedgerTable(url, ledgerTable, region);
  // The request log is the clients' calls; the emulator's own set-up is not one of them.
  state.requests.length = 0;
  return {
    url,
    ledgerTable,
    port,
    dataDir,
    faults,
    state,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((error) => (error ? reject(error) : resolveClose()));
        // Keep-alive sockets of SDK clients would hold close() open.
        server.closeAllConnections();
      }).then(() => dynamo.close()),
  };
}
