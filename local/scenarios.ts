import type { FaultRule } from '../emulator/faults.ts';

/**
 * Named fault scenarios for local runs, as emulator fault rules: `npm start
 * --fault NAME` and `npm run export -- --local --fault NAME` take the same names.
 * Transient faults happen a few times, so the workflow's Retry recovers.
 */
export const FAULT_SCENARIOS: Record<string, { rules: FaultRule[]; says: string }> = {
  'throttle-create': {
    rules: [{ kind: 'throttle', service: 'pinpoint', operation: 'CreateExportJob', count: 2 }],
    says: 'CreateExportJob throttled (429) twice, then succeeds',
  },
  'error-create': {
    rules: [{ kind: 'error500', service: 'pinpoint', operation: 'CreateExportJob', count: 2 }],
    says: 'CreateExportJob answers 500 twice, then succeeds',
  },
  'lost-create': {
    rules: [{ kind: 'create-then-500', service: 'pinpoint', operation: 'CreateExportJob', count: 1 }],
    says: 'the job is created but the answer is a 500 (retried, one job)',
  },
  'throttle-status': {
    rules: [{ kind: 'throttle', service: 'pinpoint', operation: 'GetExportJob', count: 3 }],
    says: 'GetExportJob throttled three times',
  },
  'reset-status': {
    rules: [{ kind: 'reset', service: 'pinpoint', operation: 'GetExportJob', count: 2 }],
    says: 'two GetExportJob connections reset',
  },
  'fail-job': { rules: [{ kind: 'job-fail', count: 1 }], says: 'the export job FAILS' },
  'stuck-job': {
    rules: [{ kind: 'job-stuck', count: 1 }],
    says: 'the export job never finishes (the deadline gives TIMED_OUT)',
  },
  'pending-job': {
    rules: [{ kind: 'job-pending', count: 1, pendingSeconds: 4 }],
    says: 'the job waits in PENDING_JOB for 4 s first',
  },
  'throttle-sns': {
    rules: [{ kind: 'throttle', service: 'sns', operation: 'Publish', count: 2 }],
    says: 'SNS Publish throttled twice',
  },
  'truncate-export': {
    rules: [{ kind: 'truncate-export', count: 1 }],
    says: 'the job reports every record but its files hold fewer (MISMATCH summary)',
  },
  'end-of-support': {
    rules: [{ kind: 'end-of-support', count: null }],
    says: "the application answers as after Pinpoint's end of support",
  },
};

export const FAULT_NAMES = Object.keys(FAULT_SCENARIOS);

/** The emulator rules for scenario names; undefined for an unknown name. */
export function faultRules(names: readonly string[]): FaultRule[] | undefined {
  const rules: FaultRule[] = [];
  for (const name of names) {
    const scenario = FAULT_SCENARIOS[name];
    if (!scenario) return undefined;
    rules.push(...scenario.rules);
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
