/*
 * Every name the stack gives a resource, derived from the service and the
 * stage, with the limit AWS sets on it. The longest stage name follows from
 * these (the tightest limit wins), so a stage that passes validation always
 * yields names AWS accepts. Resources the stack leaves unnamed (roles, queues,
 * alarms, buckets) get names CloudFormation generates within their limits.
 *
 * Loaded by osls through deploy/stage-config.ts: erasable TypeScript only, `.ts` imports.
 */

import { FUNCTION_KEYS, FUNCTIONS, type FunctionKey } from '../core/functions.ts';

export type { FunctionKey } from '../core/functions.ts';

export const SERVICE = 'scheduled-exports';

/** Names derived from service and stage, so ARNs can be built without circular references. */
export function namesOf(stage: string) {
  const prefix = `${SERVICE}-${stage}`;
  // osls names each function `<service>-<stage>-<its key in serverless.yml>` (core/functions.ts).
  const functionName = (key: FunctionKey) => `${prefix}-${FUNCTIONS[key]}`;
  return {
    prefix,
    /** The CloudFormation stack (serverless.yml `provider.stackName`). */
    stack: prefix,
    topic: `${prefix}-summary`,
    alarmTopic: `${prefix}-alarms`,
    /** The summary topic's KMS key alias. */
    keyAlias: `alias/${prefix}-summary`,
    scheduleGroup: prefix,
    stateMachine: prefix,
    /** The state machine's log group (serverless.yml `ExportWorkflowLogGroup`). */
    stateMachineLogGroup: `/aws/vendedlogs/states/${prefix}`,
    /** The run ledger's DynamoDB table. */
    runsTable: `${prefix}-runs`,
    /** The stage's CloudWatch dashboard. */
    dashboard: prefix,
    functionName,
    /** The log group osls creates for each function. */
    functionLogGroup: (key: FunctionKey) => `/aws/lambda/${functionName(key)}`,
  };
}

export interface LimitedName {
  /** What the name is, as the limit's documentation calls it. */
  what: string;
  name: string;
  /** The longest name AWS accepts there, in characters. */
  limit: number;
}

/** Every stage-derived name with AWS's length limit for it. */
export function limitedNamesOf(stage: string): LimitedName[] {
  const names = namesOf(stage);
  const keys = FUNCTION_KEYS;
  return [
    { what: 'CloudFormation stack name', name: names.stack, limit: 128 },
    ...keys.map((key) => ({ what: 'Lambda FunctionName', name: names.functionName(key), limit: 64 })),
    ...keys.map((key) => ({
      what: 'CloudWatch Logs log group name',
      name: names.functionLogGroup(key),
      limit: 512,
    })),
    { what: 'CloudWatch Logs log group name', name: names.stateMachineLogGroup, limit: 512 },
    { what: 'Step Functions state machine name', name: names.stateMachine, limit: 80 },
    { what: 'SNS topic name', name: names.topic, limit: 256 },
    { what: 'SNS topic name', name: names.alarmTopic, limit: 256 },
    { what: 'KMS alias name', name: names.keyAlias, limit: 256 },
    { what: 'EventBridge Scheduler schedule group name', name: names.scheduleGroup, limit: 64 },
    { what: 'DynamoDB table name', name: names.runsTable, limit: 255 },
    { what: 'CloudWatch dashboard name', name: names.dashboard, limit: 255 },
  ];
}

/** The names that a stage would make longer than AWS allows. */
export function namesTooLong(stage: string): LimitedName[] {
  return limitedNamesOf(stage).filter((n) => n.name.length > n.limit);
}

/** The longest stage name whose every derived name is within its limit. */
export const MAX_STAGE_LENGTH: number = (() => {
  let length = 0;
  while (namesTooLong('s'.repeat(length + 1)).length === 0) length++;
  return length;
})();
