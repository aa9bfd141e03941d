import { randomInt } from 'node:crypto';
import { MANUAL_EXECUTION_PREFIX } from '../core/trigger.ts';

export { consoleUrl, regionOfArn } from '../core/console-links.ts';

/*
 * Execution names and ARNs (console links: core/console-links.ts). Step Functions names are 1–80
 * characters of 0-9A-Za-z-_ and unique per state machine for 90 days.
 */

export const EXECUTION_NAME = /^[0-9A-Za-z_-]{1,80}$/;
const MAX_NAME_LENGTH = 80;
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Four random lowercase letters or digits: 1.7 million names per second and segment. */
export function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

export function isValidExecutionName(name: string): boolean {
  return EXECUTION_NAME.test(name);
}

/** `20261128T153000Z`: sortable, and readable in the console's execution list. */
export function compactTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * The name of an execution the CLI starts: `manual-<UTC time>-<what or all>-<random>`, what the
 * source's executionLabel says it exports (a segment and its version, a table).
 * It says the run was manual (publish-summary reports `trigger: manual` from the
 * prefix), when it was started and what it exports. Characters Step Functions
 * does not allow in names (a segment id's dots) become `-`; a long segment id is
 * shortened so the name stays within 80 characters.
 */
export function manualExecutionName(
  startedAt: Date,
  label: { what?: string | undefined; version?: number | undefined },
  suffix: string = randomSuffix(),
): string {
  const head = `${MANUAL_EXECUTION_PREFIX}${compactTimestamp(startedAt)}-`;
  const tail = `-${suffix.replace(/[^0-9A-Za-z]/g, '').slice(0, 8) || 'x'}`;
  let what = 'all';
  if (label.what) {
    const version = label.version === undefined ? '' : `-v${label.version}`;
    const room = MAX_NAME_LENGTH - head.length - tail.length - version.length;
    const id = label.what.replace(/[^0-9A-Za-z_-]/g, '-').slice(0, Math.max(1, room));
    what = `${id}${version}`;
  }
  return `${head}${what}${tail}`;
}

const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([0-9A-Za-z_-]{1,80})$/;
const EXECUTION_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([0-9A-Za-z_-]{1,80}):(.{1,80})$/;

export function isStateMachineArn(value: string): boolean {
  return STATE_MACHINE_ARN.test(value);
}

export function isExecutionArn(value: string): boolean {
  return EXECUTION_ARN.test(value);
}

/** The ARN of execution `name` of a state machine. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The state machine an execution ARN belongs to. */
export function stateMachineArnOf(executionArn: string): string | undefined {
  const match = EXECUTION_ARN.exec(executionArn);
  if (!match) return undefined;
  return `arn:${match[1]}:states:${match[2]}:${match[3]}:stateMachine:${match[4]}`;
}

/** The execution name at the end of an execution ARN. */
export function executionNameOf(executionArn: string): string {
  return executionArn.split(':').at(-1) ?? executionArn;
}
