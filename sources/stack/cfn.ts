import { byFunction, type FunctionKey, functionIdOf, roleIdOf } from '../../core/functions.ts';
import type { InputDefaultSettings } from '../settings.ts';

/*
 * What every part of the configuration-driven template shares: the value type,
 * the logical ids (serverless.yml's and ours) and the intrinsic-function helpers.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are free-form JSON with intrinsics.
export type Cfn = any;
export type Resources = Record<string, Cfn>;

export type { FunctionKey } from '../../core/functions.ts';

/** Logical ids of resources serverless.yml defines (osls names functions `<Name>LambdaFunction`, `-` → `Dash`). */
export const FIXED = {
  stateMachine: 'ExportWorkflowStateMachine',
  /** Each function's (core/functions.ts), less its `LambdaFunction` suffix. */
  functions: byFunction(functionIdOf),
} as const;

/** Logical ids this module creates; tests and nag acknowledgements use the same names. */
export const IDS = {
  exportBucket: 'ExportBucket',
  exportBucketPolicy: 'ExportBucketPolicy',
  accessLogBucket: 'ExportAccessLogBucket',
  accessLogBucketPolicy: 'ExportAccessLogBucketPolicy',
  exportRole: 'PinpointExportRole',
  profilesExportRole: 'ProfilesExportRole',
  notificationKey: 'NotificationKey',
  notificationKeyAlias: 'NotificationKeyAlias',
  summaryTopic: 'SummaryTopic',
  summaryTopicPolicy: 'SummaryTopicPolicy',
  alarmTopic: 'AlarmTopic',
  alarmTopicPolicy: 'AlarmTopicPolicy',
  subscriptionDlq: 'SubscriptionDeadLetterQueue',
  subscriptionDlqPolicy: 'SubscriptionDeadLetterQueuePolicy',
  scheduleGroup: 'ScheduleGroup',
  schedulerRole: 'SchedulerRole',
  schedulerDlq: 'SchedulerDeadLetterQueue',
  schedulerDlqPolicy: 'SchedulerDeadLetterQueuePolicy',
  /** Each function's role (core/functions.ts). */
  roles: byFunction(roleIdOf) as { readonly [K in FunctionKey]: `${Capitalize<K>}Role` },
} as const;

export const sub = (template: string, vars?: Record<string, Cfn>): Cfn =>
  vars ? { 'Fn::Sub': [template, vars] } : { 'Fn::Sub': template };
export const ref = (id: string): Cfn => ({ Ref: id });
export const arnOf = (id: string): Cfn => ({ 'Fn::GetAtt': [id, 'Arn'] });
export const accountRoot = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root`);

/** Deny every request to a resource that does not use TLS: a Deny must cover every action, so its action is the service wildcard. */
export const denyInsecureTransport = (action: string, resource: Cfn) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: resource,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** An `Fn::Sub` value's template and variables, or undefined for anything else. */
function subParts(value: Cfn): [string, Record<string, Cfn>] | undefined {
  const body = value?.['Fn::Sub'];
  if (typeof body === 'string') return [body, {}];
  if (Array.isArray(body) && typeof body[0] === 'string') return [body[0], body[1] ?? {}];
  return undefined;
}

/**
 * `value` as a JSON string for a property that takes one (a schedule's `Input`), where some fields
 * are only known at deploy time: each `Fn::Sub` field is written as its template and the whole JSON
 * becomes one `Fn::Sub` with their variables merged. Without such fields it is the plain JSON
 * string, so a template that needs nothing from the deployment reads exactly as before. Every
 * other string must hold no `${` (the stage configuration's patterns admit none), or `Fn::Sub`
 * would read it as a variable.
 */
export function jsonSub(value: unknown): Cfn {
  const vars: Record<string, Cfn> = {};
  let substituted = false;
  const json = JSON.stringify(value, (_key, field: unknown) => {
    const parts = subParts(field);
    if (!parts) return field;
    substituted = true;
    Object.assign(vars, parts[1]);
    return parts[0];
  });
  if (!substituted) return json;
  return Object.keys(vars).length > 0 ? sub(json, vars) : sub(json);
}

/** `values` without repeats (compared as JSON: CloudFormation values are objects), in order. */
export function distinct<T>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = JSON.stringify(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A source's stage defaults as create-export-job's environment: each value under the variable its
 * declaration names (sources/<id>/settings.ts), every declared default given one.
 */
export function defaultsEnvironment<S extends InputDefaultSettings>(
  settings: S,
  values: { readonly [K in keyof S]: Cfn },
): Record<string, Cfn> {
  return Object.fromEntries(
    Object.keys(settings).map((name) => [(settings[name] as S[keyof S]).env, values[name as keyof S]]),
  );
}
