/**
 * A local emulator of the AWS services the export workflow calls, speaking their real wire
 * protocols on one 127.0.0.1 port, so the unmodified AWS SDK v3 and the AWS CLI
 * (`--endpoint-url`) work against it: every export source's API (each a service of
 * `sources/<id>/emulator.ts`, registered in sources/emulators.ts), and the emulator's own
 * SNS (awsQuery), S3 (REST XML, path-style, over the folder export jobs write into),
 * DynamoDB's tables (dynalite, awsJson1_0: the run ledger's among others), CloudFormation
 * and Scheduler (what the doctor reads of a deployed stage). Signatures are accepted without
 * checking: there are no real credentials locally.
 *
 * Every one of them is an EmulatedService (sources/emulator/service.ts); startEmulator
 * composes them: router.ts sends each request to the service that recognises it (its
 * X-Amz-Target, its SigV4 signing name, its paths), exchange.ts keeps the request log and
 * applies the fault rules, control.ts serves `/_emulator/…` (state and faults).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { SourceId } from '../../core/types.ts';
import { FaultController } from '../../sources/emulator/faults.ts';
import { formatLogLine } from '../../sources/emulator/log.ts';
import { ACCOUNT_ID } from '../../sources/emulator/protocol.ts';
import type { EmulatedService, ServiceContext } from '../../sources/emulator/service.ts';
import {
  SOURCE_EMULATORS,
  type SourceEmulatorOptions,
  type SourceServices,
} from '../../sources/emulators.ts';
import { createControl } from './control.ts';
import {
  createCloudFormationService,
  createSchedulerService,
  type DeployedSchedule,
  type DeployedStack,
  type Deployments,
} from './deployments.ts';
import { createLedgerTable, DEFAULT_LEDGER_TABLE } from './dynamodb.ts';
import { requestHandler } from './router.ts';
import { createS3Service } from './s3.ts';
import { createSnsService } from './sns.ts';
import { type EmulatorServices, EmulatorState } from './state.ts';
import { createTables } from './tables.ts';

export {
  DEFAULT_PROFILES_DOMAIN,
  DEFAULT_SEGMENT_DEFINITION,
} from '../../sources/customer-profiles/emulator.ts';
export {
  generateProfile,
  inSegmentDefinition,
  profileIdFor,
  segmentMembers,
} from '../../sources/customer-profiles/emulator-data.ts';
export type { ActiveFault, FaultKind, FaultRule, ServiceName } from '../../sources/emulator/faults.ts';
export { FaultController } from '../../sources/emulator/faults.ts';
export type { EmulatedService } from '../../sources/emulator/service.ts';
export {
  DEFAULT_APPLICATION_ID,
  DEFAULT_SEGMENT_ID,
  endOfSupportMessage,
} from '../../sources/pinpoint/emulator.ts';
export { segmentIdFor } from '../../sources/pinpoint/emulator-dataset.ts';
export { type ExportJobView, jobView } from '../../sources/pinpoint/emulator-jobs.ts';
export { DEFAULT_LEDGER_TABLE } from './dynamodb.ts';
export type { EmulatorServices, PublishedMessage, RequestLogEntry } from './state.ts';
export type { DeployedSchedule, DeployedStack };
export { EmulatorState };

/** Options of {@link startEmulator}; each source's are its service's (sources/emulators.ts). */
export interface EmulatorOptions extends SourceEmulatorOptions {
  /** 0 = a random free port (the default, for tests); the CLI defaults to 4566. */
  port?: number;
  /** Folder standing for S3 buckets and SNS mail; default `.local/emulator` under the current directory. */
  dataDir?: string;
  /** Seeded SNS topic names; default `['export-summaries']`. */
  topics?: string[];
  /** Seeded S3 buckets (empty folders under `<dataDir>/s3/`); default `['local-exports']`. */
  buckets?: string[];
  /** Clock in ms; default `Date.now`. Job progress follows this clock, so tests can inject a virtual one. */
  now?: () => number;
  /** Region in ARNs; default 'us-east-1'. The account id is always 000000000000. */
  region?: string;
  /** Name of the run ledger table created in the emulator's DynamoDB; default {@link DEFAULT_LEDGER_TABLE}. */
  ledgerTable?: string;
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
  /** Read access: the request log, and shortcuts to the services' states (applications, jobs, topics, published messages, …). */
  state: EmulatorState;
  /** Every service on the port, by name, with its state. */
  services: EmulatorServices;
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

/** Name of the seeded topic. */
export const DEFAULT_TOPIC_NAME = 'export-summaries';

/** Name of the seeded bucket (the local runs' S3UrlPrefix writes there). */
export const DEFAULT_BUCKET = 'local-exports';

/** ARN of the seeded topic in the default region. */
export const DEFAULT_TOPIC_ARN = `arn:aws:sns:us-east-1:000000000000:${DEFAULT_TOPIC_NAME}`;

/** The export sources whose API the emulator serves: every source of sources/emulators.ts. */
export const EMULATED_SOURCES = Object.keys(SOURCE_EMULATORS) as SourceId[];

/** Starts an emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const region = options.region ?? 'us-east-1';
  const dataDir = resolve(options.dataDir ?? '.local/emulator');
  const s3Root = resolve(dataDir, 's3');
  const faults = new FaultController();
  const tables = createTables({ faults });
  const context: ServiceContext = { faults, now, region, account: ACCOUNT_ID, s3Root, tables: tables.store };

  const sources = Object.fromEntries(
    EMULATED_SOURCES.map((id) => [id, SOURCE_EMULATORS[id](context, options)]),
  ) as SourceServices;
  const deployments: Deployments = {
    stacks: options.deployments?.stacks ?? [],
    schedules: options.deployments?.schedules ?? [],
  };
  const sns = createSnsService({
    now,
    region,
    dataDir,
    unconfirmed: options.unconfirmedEndpoints ?? [],
    topics: options.topics ?? [DEFAULT_TOPIC_NAME],
  });
  const services: EmulatorServices = {
    ...sources,
    tables: tables.service,
    // Not sources, but served the same way (by signing name): what the doctor reads of a deployed stage.
    cloudformation: createCloudFormationService(deployments, { region, account: ACCOUNT_ID, now }),
    scheduler: createSchedulerService(deployments, { region, account: ACCOUNT_ID }),
    sns,
    s3: await createS3Service(
      { root: s3Root, now, region },
      { buckets: options.buckets ?? [DEFAULT_BUCKET], settle: () => settleAll() },
    ),
  };
  const all = Object.values(services) as EmulatedService[];
  const settleAll = async () => {
    await Promise.all(all.map((service) => service.settle?.()));
  };
  const state = new EmulatorState(now, services);
  const control = createControl(faults, async () => {
    await settleAll();
    return state.snapshot();
  });
  const server = createServer(
    requestHandler(all, {
      faults,
      now,
      control,
      logged: (entry) => {
        state.requests.push(entry);
        options.log?.(formatLogLine(entry));
      },
    }),
  );

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
    services,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((error) => (error ? reject(error) : resolveClose()));
        // Keep-alive sockets of SDK clients would hold close() open.
        server.closeAllConnections();
      }).then(async () => {
        for (const service of all) await service.close?.();
        await tables.close();
      }),
  };
}
