/**
 * Amazon Pinpoint on the local emulator's port (restJson1, paths under `/v1/`): the
 * `pinpoint` source's {@link EmulatedService}. Conventions (the emulator's, documented
 * for users in dev/emulator/README.md):
 * - Segment ids are derived from application id and name (`segmentIdFor` in
 *   emulator-dataset.ts); every application has `active-users` (versions 1..3) and
 *   `dormant-users` (version 1).
 * - A job's status and counts follow the emulator's clock (emulator-job-model.ts); its
 *   files are written when a client first sees it finished (GetExportJob, GetExportJobs,
 *   the state), not when S3 is read.
 * - A role whose ARN contains `no-trust` cannot be assumed (emulator-create.ts); an
 *   application flagged end-of-support answers engagement calls with 403 (emulator-handlers.ts).
 *
 * The parts: emulator-routes.ts (paths to operations), emulator-wire.ts (errors, bodies,
 * pages), emulator-state.ts (applications and jobs), emulator-handlers.ts and
 * emulator-create.ts (the operations), emulator-jobs.ts, emulator-job-model.ts and
 * emulator-dataset.ts (the jobs, their timeline and the endpoints they export).
 */

import { createHash } from 'node:crypto';
import { type EmulatedService, type Exchange, faultReply, type ServiceContext } from '../emulator/service.ts';
import type { FaultedPinpointError } from './emulator-create.ts';
import { handlePinpoint, settleJobs } from './emulator-handlers.ts';
import { isPinpointPath, PINPOINT_OPERATIONS, routePinpoint } from './emulator-routes.ts';
import { newApplication, type PinpointContext, PinpointState } from './emulator-state.ts';
import {
  PINPOINT_ERROR_SHAPES,
  PINPOINT_MAX_BODY_BYTES,
  PinpointError,
  pinpointErrorResult,
  pinpointErrors,
} from './emulator-wire.ts';

/** A fixed application id, seeded unless `applications` says otherwise. */
export const DEFAULT_APPLICATION_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Id of the seeded `active-users` segment of the default application (versions 1..3). */
export const DEFAULT_SEGMENT_ID = createHash('sha256')
  .update(`${DEFAULT_APPLICATION_ID}:segment:active-users`)
  .digest('hex')
  .slice(0, 32);

/** The emulator's options for Pinpoint (top-level members of `startEmulator`'s options). */
export interface PinpointEmulatorOptions {
  /** Seeded Pinpoint application ids (32 lowercase hex); default `[DEFAULT_APPLICATION_ID]`. */
  applications?: string[];
  /** Applications that answer as after Pinpoint's end of support (must also be in `applications`). */
  endOfSupportApplications?: string[];
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
}

/** The emulated Pinpoint; its state holds the applications and the export jobs. */
export type PinpointService = EmulatedService<PinpointState>;

/** Creates the service and seeds its applications. */
export function createPinpointService(
  ctx: ServiceContext,
  options: PinpointEmulatorOptions = {},
): PinpointService {
  const state = new PinpointState(ctx.now);
  const pinpoint: PinpointContext = {
    state,
    faults: ctx.faults,
    now: ctx.now,
    region: ctx.region,
    s3Root: ctx.s3Root,
    dataset: {
      endpoints: options.dataset?.endpoints ?? 1000,
      malformedEvery: options.dataset?.malformedEvery ?? 0,
    },
    job: {
      durationSeconds: options.job?.durationSeconds ?? 6,
      ...(options.job?.pieces !== undefined ? { pieces: options.job.pieces } : {}),
      pendingSeconds: options.job?.pendingSeconds ?? 0,
    },
  };
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
  return {
    name: 'pinpoint',
    // `v1` cannot be an S3 bucket (names have 3 characters or more): no signature is needed.
    recognises: { claims: (head) => isPinpointPath(head.path) },
    operations: PINPOINT_OPERATIONS,
    state,
    serve: (exchange) => serve(pinpoint, exchange),
    snapshot: async () => {
      await settleJobs(pinpoint, state.jobs);
      return state.snapshot();
    },
  };
}

async function serve(ctx: PinpointContext, exchange: Exchange): Promise<void> {
  const { method, path, query } = exchange.head;
  const { requestId } = exchange;
  const routed = routePinpoint(method, path);
  const applicationId = routed && 'route' in routed ? routed.route.applicationId : routed?.applicationId;
  exchange.identify('Unknown', applicationId);
  const body = await exchange.readBody(PINPOINT_MAX_BODY_BYTES);
  if (!routed) {
    exchange.reply(
      pinpointErrorResult(pinpointErrors.notFound(`No operation matches ${method} ${path}`), requestId),
    );
    return;
  }
  if ('methodNotAllowed' in routed) {
    exchange.reply(
      pinpointErrorResult(
        pinpointErrors.methodNotAllowed(`Method ${method} is not allowed on ${path}`),
        requestId,
      ),
    );
    return;
  }
  const { operation } = routed.route;
  exchange.identify(operation, applicationId);
  if (body === undefined) {
    exchange.reply(PINPOINT_ERROR_SHAPES.tooLarge(requestId));
    return;
  }
  const rule = await exchange.fault();
  if (rule) {
    faultReply(exchange, rule, PINPOINT_ERROR_SHAPES);
    return;
  }
  try {
    const answer = await handlePinpoint(ctx, routed.route, query, body, requestId);
    if (operation === 'CreateExportJob' && answer.status < 300) truncateIfAsked(ctx, answer, applicationId);
    exchange.reply(answer);
  } catch (error) {
    if (!(error instanceof PinpointError)) throw error;
    exchange.reply(pinpointErrorResult(error, requestId), (error as FaultedPinpointError).fault);
  }
}

/** The `truncate-export` fault marks the job just created: its files will hold fewer records than it reports. */
function truncateIfAsked(ctx: PinpointContext, answer: { body: string }, applicationId: string | undefined) {
  const context = {
    service: 'pinpoint' as const,
    operation: 'CreateExportJob',
    ...(applicationId ? { applicationId } : {}),
  };
  const rule = ctx.faults.take(context, ['truncate-export'], true)[0];
  if (!rule) return;
  const id = (JSON.parse(answer.body) as { Id?: string }).Id;
  const job = ctx.state.jobs.find((j) => j.id === id);
  if (job) job.truncate = rule.droppedRecords ?? 'half';
}

export { endOfSupportMessage } from './emulator-handlers.ts';
