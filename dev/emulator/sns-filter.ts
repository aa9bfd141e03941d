import type { MessageAttribute, PublishedMessage, SnsSubscription } from './sns-state.ts';

/*
 * Subscription filter policies as the SNS Developer Guide documents them ("Amazon
 * SNS message filtering", "subscription filter policy scope", "filter policy
 * constraints", "key matching", string and numeric value matching): validation of
 * a policy, and the decision whether one message reaches one subscription.
 */

export type Scope = 'MessageAttributes' | 'MessageBody';

export function scopeOf(attributes: Record<string, string>): Scope {
  return attributes.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';
}

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists'];
const NUMERIC_OPS = ['=', '<', '<=', '>', '>='];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problem with a filter policy's JSON, or undefined (SNS's documented constraints). */
export function filterPolicyProblem(json: string, scope: Scope): string | undefined {
  let policy: unknown;
  try {
    policy = JSON.parse(json);
  } catch {
    return 'failed to parse JSON';
  }
  if (!isObject(policy)) return 'must be a JSON object';
  const leaves: number[] = [];
  const check = (node: Record<string, unknown>, depth: number): string | undefined => {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$or') {
        if (!Array.isArray(value) || value.length < 2 || !value.every(isObject))
          return '$or must be a list of at least two policies';
        for (const branch of value) {
          const problem = check(branch, depth);
          if (problem) return problem;
        }
        continue;
      }
      if (isObject(value)) {
        if (scope === 'MessageAttributes')
          return `Filter policy scope MessageAttributes does not support nested filter policy (key ${key})`;
        const problem = check(value, depth + 1);
        if (problem) return problem;
        continue;
      }
      if (!Array.isArray(value) || value.length === 0)
        return `Match value for key ${key} must be a non-empty list`;
      for (const condition of value) {
        const problem = conditionProblem(condition);
        if (problem) return `${key}: ${problem}`;
      }
      leaves.push(value.length);
    }
    return undefined;
  };
  const problem = check(policy, 0);
  if (problem) return problem;
  if (leaves.length > 5) return `Filter policy can not have more than 5 keys (found ${leaves.length})`;
  const combinations = leaves.reduce((a, b) => a * b, 1);
  if (combinations > 150) return `Filter policy is too complex (${combinations} combinations, at most 150)`;
  return undefined;
}

function conditionProblem(condition: unknown): string | undefined {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return undefined;
  if (!isObject(condition))
    return 'Match value must be String, number, true, false, null or an operator object';
  const keys = Object.keys(condition);
  if (keys.length !== 1) return 'an operator object has exactly one operator';
  const [op] = keys as [string];
  const arg = condition[op];
  if (op === 'cidr') return 'the cidr operator is not supported by this emulator';
  if (!OPERATORS.includes(op)) return `Unrecognized match type ${op}`;
  if ((op === 'prefix' || op === 'suffix' || op === 'equals-ignore-case') && typeof arg !== 'string')
    return `${op} match pattern must be a string`;
  if (op === 'exists' && typeof arg !== 'boolean') return 'exists match pattern must be either true or false';
  if (op === 'numeric') {
    if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
      return 'numeric takes one or two comparisons';
    for (let i = 0; i < arg.length; i += 2) {
      if (!NUMERIC_OPS.includes(String(arg[i])) || typeof arg[i + 1] !== 'number')
        return `Unrecognized numeric range operator: ${String(arg[i])}`;
      if (Math.abs(arg[i + 1] as number) > 1e9) return 'Value must be between -1000000000 and 1000000000';
    }
  }
  if (op === 'anything-but') {
    const ok =
      typeof arg === 'string' ||
      typeof arg === 'number' ||
      (Array.isArray(arg) &&
        arg.length > 0 &&
        arg.every((v) => typeof v === 'string' || typeof v === 'number')) ||
      (isObject(arg) &&
        Object.keys(arg).length === 1 &&
        (typeof arg.prefix === 'string' || typeof arg.suffix === 'string'));
    if (!ok) return 'anything-but takes a value, a list of values, or a prefix or suffix';
  }
  return undefined;
}

type Scalar = string | number | boolean | null;

function numericMatches(value: number, ranges: unknown[]): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    const op = ranges[i] as string;
    const bound = ranges[i + 1] as number;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

/** Does one (present) value satisfy one condition? `exists` is decided by the caller. */
function valueMatches(value: Scalar, condition: unknown): boolean {
  if (!isObject(condition)) return value === condition;
  const [op] = Object.keys(condition) as [string];
  const arg = condition[op];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(arg as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(arg as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (arg as string).toLowerCase();
    case 'numeric':
      return typeof value === 'number' && numericMatches(value, arg as unknown[]);
    case 'anything-but': {
      if (isObject(arg)) {
        if (typeof value !== 'string') return true;
        return typeof arg.prefix === 'string'
          ? !value.startsWith(arg.prefix)
          : !value.endsWith(arg.suffix as string);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return !excluded.includes(value as never);
    }
    default:
      return false;
  }
}

/**
 * Whether a property with these values (undefined: absent) satisfies a list of
 * conditions (any one is enough). `anything-but` needs the property present.
 */
function propertyMatches(values: Scalar[] | undefined, conditions: unknown[], anyPresent: boolean): boolean {
  return conditions.some((condition) => {
    if (isObject(condition) && 'exists' in condition) {
      return condition.exists === true
        ? values !== undefined && values.length > 0
        : values === undefined && anyPresent;
    }
    if (values === undefined) return false;
    if (isObject(condition) && 'anything-but' in condition)
      return values.every((v) => valueMatches(v, condition));
    return values.some((v) => valueMatches(v, condition));
  });
}

/** A message attribute's values as a filter policy sees them; Binary attributes are ignored. */
function attributeValues(attribute: MessageAttribute | undefined): Scalar[] | undefined {
  if (!attribute || attribute.DataType.startsWith('Binary')) return undefined;
  const raw = attribute.StringValue ?? '';
  if (attribute.DataType.startsWith('Number')) return [Number(raw)];
  if (attribute.DataType === 'String.Array') {
    const parsed = JSON.parse(raw) as unknown[];
    return parsed.filter(
      (v): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v),
    );
  }
  return [raw];
}

function attributesMatch(
  policy: Record<string, unknown>,
  attributes: Record<string, MessageAttribute>,
): boolean {
  const usable = Object.values(attributes).some((a) => !a.DataType.startsWith('Binary'));
  return Object.entries(policy).every(([key, conditions]) =>
    key === '$or'
      ? (conditions as Record<string, unknown>[]).some((branch) => attributesMatch(branch, attributes))
      : propertyMatches(attributeValues(attributes[key]), conditions as unknown[], usable),
  );
}

function bodyValues(value: unknown): Scalar[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v));
}

function bodyMatches(policy: Record<string, unknown>, body: Record<string, unknown>): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    if (key === '$or')
      return (conditions as Record<string, unknown>[]).some((branch) => bodyMatches(branch, body));
    const value = body[key];
    if (isObject(conditions)) {
      // Nested policy: the body's object, or any object of a list of objects (S3's Records).
      const objects = (Array.isArray(value) ? value : [value]).filter(isObject);
      return objects.some((o) => bodyMatches(conditions, o));
    }
    return propertyMatches(bodyValues(value), conditions as unknown[], true);
  });
}

/** Decides whether a published message reaches a subscription, and why not. */
export function decide(
  subscription: SnsSubscription,
  record: PublishedMessage,
): { delivered: boolean; reason?: string } {
  const json = subscription.attributes.FilterPolicy;
  if (json === undefined) return { delivered: true };
  if (record.messageStructure === 'json') {
    return {
      delivered: false,
      reason:
        'filter policy on a MessageStructure=json message: SNS sends attributes only with the String structure, and documents no filtering of JSON-structured messages',
    };
  }
  const policy = JSON.parse(json) as Record<string, unknown>;
  if (scopeOf(subscription.attributes) === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(record.message);
    } catch {
      body = undefined;
    }
    if (!isObject(body))
      return { delivered: false, reason: 'MessageBody filter policy: the body is not a JSON object' };
    return bodyMatches(policy, body)
      ? { delivered: true }
      : { delivered: false, reason: 'filtered out (MessageBody)' };
  }
  return attributesMatch(policy, record.messageAttributes)
    ? { delivered: true }
    : { delivered: false, reason: 'filtered out (MessageAttributes)' };
}
