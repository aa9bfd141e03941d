import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CustomerProfilesClient } from '@aws-sdk/client-customer-profiles';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { PinpointClient } from '@aws-sdk/client-pinpoint';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { FunctionKey } from '../core/functions.ts';
import type { ExportTarget, StageConfig } from './stack/stage-types.ts';

/*
 * What every doctor check shares: its verdict, the clients it asks and what the deployed stack
 * says. A check never changes anything: it only reads (Describe, Get, List, Head, Simulate).
 */

/** OK: ready. WARN: works, but something will bite or could not be checked. FAIL: a run would fail or go unheard. */
export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

/** One check's verdict. */
export interface CheckResult {
  /** What was checked, one word: `stack`, `schedule`, `table`, `pitr`, `bucket`, `subscription`, `role` … */
  check: string;
  /** The stage target it belongs to; absent for the stage's shared resources. */
  target?: string;
  status: CheckStatus;
  /** What was found, in one line. */
  detail: string;
  /** What to do, in one line (WARN and FAIL). */
  fix?: string;
}

/** The SDK clients the checks use, in the stage's Region (endpoints from AWS_ENDPOINT_URL_*). */
export interface DoctorClients {
  cloudFormation: CloudFormationClient;
  scheduler: SchedulerClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sns: SNSClient;
  iam: IAMClient;
  pinpoint: PinpointClient;
  profiles: CustomerProfilesClient;
}

/** What the stage's deployed stack says (its outputs and the physical ids of its resources). */
export interface DeployedStack {
  name: string;
  status: string;
  outputs: Record<string, string>;
  /** Logical id → physical id: a role's name, a table's name. */
  resources: Record<string, string>;
  /** The account the stack is in (from its StateMachineArn output). */
  account?: string;
}

/** Everything a check gets. */
export interface DoctorContext {
  config: StageConfig;
  region: string;
  clients: DoctorClients;
  /** Undefined when the stack is not deployed (or could not be read). */
  stack: DeployedStack | undefined;
  now: Date;
}

/** The roles a run uses: every function's (core/functions.ts) and the service roles Pinpoint and Customer Profiles assume. */
export type RoleKey = FunctionKey | 'pinpointExport' | 'profilesExport';

/** Actions a role needs on one resource for a run (simulated with iam:SimulatePrincipalPolicy). */
export interface RoleNeed {
  role: RoleKey;
  actions: string[];
  resource: string;
  /** Condition keys the policy tests (`s3:prefix` for a ListBucket scoped to a prefix). */
  context?: Record<string, string>;
}

/** A source's part of the doctor (sources/<id>/doctor.ts). */
export interface SourceDoctor<T extends ExportTarget = ExportTarget> {
  /** Checks the target's own resources (a table, a domain, an application). */
  checks(target: T, ctx: DoctorContext): Promise<CheckResult[]>;
  /** What the roles need for the target's runs; [] when the account is not known. */
  needs(target: T, ctx: DoctorContext): RoleNeed[];
}

/** The facts of a failed call: its exception name, HTTP status and first message line. */
export function failureOf(error: unknown): { name: string; status: number | undefined; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return {
    name: e.name ?? 'Error',
    status: e.$metadata?.httpStatusCode,
    message: (e.message ?? String(error)).split('\n')[0]?.slice(0, 200) ?? '',
  };
}

const NOT_SERVED = new Set([
  'InvalidAction',
  'NotImplemented',
  'UnknownOperationException',
  'UnsupportedOperation',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Forbidden']);

/**
 * The verdict for a check that could not be made (denied, not served, no answer): a WARN saying
 * so, never an OK nor a FAIL the doctor cannot stand behind.
 */
export function couldNotCheck(
  check: string,
  what: string,
  error: unknown,
  permission: string,
  target?: string,
): CheckResult {
  const f = failureOf(error);
  const denied = DENIED.has(f.name) || f.status === 403;
  // An endpoint that does not serve the call (our emulator, moto): nothing the caller can fix here.
  const unserved = NOT_SERVED.has(f.name) || f.status === 501;
  return {
    check,
    ...(target ? { target } : {}),
    status: 'WARN',
    detail: `could not check ${what}: ${f.name}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`,
    fix: denied
      ? `run the doctor as a principal allowed ${permission}`
      : unserved
        ? `the endpoint does not serve it (a local emulator or moto): check it against AWS itself`
        : `check the network, --region and the AWS_ENDPOINT_URL_* variables, then run the doctor again`,
  };
}

/** An ISO time without its milliseconds, as the doctor prints times. */
export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
