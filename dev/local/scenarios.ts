import type { SourceId } from '../../core/types.ts';
import type { FaultRule } from '../../sources/emulator/faults.ts';

/**
 * Named fault scenarios for local runs, as emulator fault rules: `npm start
 * --fault NAME` and `npm run export -- --local --fault NAME` take the same names.
 * Transient faults happen a few times, so the workflow's Retry recovers. A scenario
 * about the export job applies to the run's source (its start and status operations);
 * a few are Pinpoint's alone.
 */

/** Each source's emulated service and the operations a run starts and polls its job with. */
const OPERATIONS: Record<
  SourceId,
  { service: FaultRule['service'] & string; create: string; status: string }
> = {
  pinpoint: { service: 'pinpoint', create: 'CreateExportJob', status: 'GetExportJob' },
  'customer-profiles': {
    service: 'customer-profiles',
    create: 'CreateSegmentSnapshot',
    status: 'GetSegmentSnapshot',
  },
  dynamodb: { service: 'dynamodb', create: 'ExportTableToPointInTime', status: 'DescribeExport' },
};

type Ops = (typeof OPERATIONS)[SourceId];

interface Scenario {
  rules: (ops: Ops) => FaultRule[];
  says: string;
  /** The sources it applies to; absent: every source. */
  only?: SourceId[];
}

export const FAULT_SCENARIOS: Record<string, Scenario> = {
  'throttle-create': {
    rules: (o) => [{ kind: 'throttle', service: o.service, operation: o.create, count: 2 }],
    says: 'the job start (CreateExportJob, …) throttled twice, then succeeds',
  },
  'error-create': {
    rules: (o) => [{ kind: 'error500', service: o.service, operation: o.create, count: 2 }],
    says: 'the job start answers 500 twice, then succeeds',
  },
  'lost-create': {
    rules: (o) => [{ kind: 'create-then-500', service: o.service, operation: o.create, count: 1 }],
    says: 'the job is started but the answer is a 500 (Pinpoint, DynamoDB: retried, one job)',
  },
  'throttle-status': {
    rules: (o) => [{ kind: 'throttle', service: o.service, operation: o.status, count: 3 }],
    says: 'the status read (GetExportJob, …) throttled three times',
  },
  'reset-status': {
    rules: (o) => [{ kind: 'reset', service: o.service, operation: o.status, count: 2 }],
    says: 'two status-read connections reset',
  },
  'fail-job': {
    rules: (o) => [{ kind: 'job-fail', service: o.service, count: 1 }],
    says: 'the export job FAILS',
  },
  'stuck-job': {
    rules: (o) => [{ kind: 'job-stuck', service: o.service, count: 1 }],
    says: 'the export job never finishes (the deadline gives TIMED_OUT)',
  },
  'pending-job': {
    rules: () => [{ kind: 'job-pending', count: 1, pendingSeconds: 4 }],
    says: 'the job waits in PENDING_JOB for 4 s first (Pinpoint)',
    only: ['pinpoint'],
  },
  'throttle-sns': {
    rules: () => [{ kind: 'throttle', service: 'sns', operation: 'Publish', count: 2 }],
    says: 'SNS Publish throttled twice',
  },
  'truncate-export': {
    rules: (o) => [{ kind: 'truncate-export', service: o.service, count: 1 }],
    says: "the job's files hold fewer records than it reported (Customer Profiles: its last part never lands): MISMATCH",
  },
  'end-of-support': {
    rules: () => [{ kind: 'end-of-support', count: null }],
    says: "the application answers as after Pinpoint's end of support (Pinpoint)",
    only: ['pinpoint'],
  },
};

export const FAULT_NAMES = Object.keys(FAULT_SCENARIOS);

/** Why scenario `name` cannot be used with `source`, or undefined when it can. */
export function faultProblem(name: string, source: SourceId): string | undefined {
  const scenario = FAULT_SCENARIOS[name];
  if (!scenario) return `--fault must be one of ${FAULT_NAMES.join(', ')}, got "${name}"`;
  if (scenario.only && !scenario.only.includes(source))
    return `--fault ${name} applies only with --source ${scenario.only.join(' or ')}`;
  return undefined;
}

/** The emulator rules for scenario names and the run's source; undefined for an unknown name. */
export function faultRules(names: readonly string[], source: SourceId = 'pinpoint'): FaultRule[] | undefined {
  const rules: FaultRule[] = [];
  for (const name of names) {
    const scenario = FAULT_SCENARIOS[name];
    if (!scenario) return undefined;
    rules.push(...scenario.rules(OPERATIONS[source]));
  }
  return rules;
}

/** The scenario list for --help, one per line, indented. */
export function faultHelp(indent: string): string {
  const width = Math.max(...FAULT_NAMES.map((n) => n.length));
  return FAULT_NAMES.map((name) => `${indent}${name.padEnd(width)}  ${FAULT_SCENARIOS[name]?.says}`).join(
    '\n',
  );
}
