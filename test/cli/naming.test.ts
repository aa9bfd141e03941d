import { describe, expect, it } from 'vitest';
import {
  consoleUrl,
  EXECUTION_NAME,
  executionArnFor,
  isValidExecutionName,
  manualExecutionName,
  randomSuffix,
  stateMachineArnOf,
} from '../../cli/naming.ts';
import { triggerOf } from '../../core/trigger.ts';

const AT = new Date('2026-11-28T15:30:00.123Z');

describe('manual execution names', () => {
  it('says manual, when (UTC) and "all" for a whole-application export', () => {
    // Act
    const name = manualExecutionName(AT, {}, 'k3f9');

    // Assert
    expect(name).toBe('manual-20261128T153000Z-all-k3f9');
    expect(triggerOf(name, {})).toBe('manual');
  });

  it('names the segment and its version', () => {
    expect(manualExecutionName(AT, { what: 'active-users', version: 3 }, 'ab12')).toBe(
      'manual-20261128T153000Z-active-users-v3-ab12',
    );
  });

  it('replaces characters Step Functions forbids and stays within 80 characters for the longest segment id', () => {
    // Arrange: segment ids may hold dots and be 64 characters long.
    const segmentId = `seg.${'x'.repeat(60)}`;

    // Act
    const name = manualExecutionName(AT, { what: segmentId, version: 12345 }, 'zz99');

    // Assert
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(EXECUTION_NAME);
    expect(name).toMatch(/^manual-20261128T153000Z-seg-x+-v12345-zz99$/);
  });

  it('keeps the name valid whatever suffix it is given', () => {
    expect(isValidExecutionName(manualExecutionName(AT, {}, '!!'))).toBe(true);
  });

  it('draws four random lowercase letters or digits for the suffix', () => {
    // Act
    const suffixes = Array.from({ length: 50 }, () => randomSuffix());

    // Assert
    for (const suffix of suffixes) expect(suffix).toMatch(/^[a-z0-9]{4}$/);
    expect(new Set(suffixes).size).toBeGreaterThan(40);
  });

  it.each([
    ['', false],
    ['a'.repeat(81), false],
    ['a'.repeat(80), true],
    ['has space', false],
    ['has.dot', false],
    ['manual-20261128T153000Z-all-k3f9', true],
  ])('judges %j as a valid name: %s', (name, valid) => {
    expect(isValidExecutionName(name)).toBe(valid);
  });
});

describe('execution ARNs and console links', () => {
  const stateMachine = 'arn:aws:states:eu-west-1:123456789012:stateMachine:ExportWorkflow-prod';

  it('derives the execution ARN from the state machine and back', () => {
    // Act
    const arn = executionArnFor(stateMachine, 'manual-20261128T153000Z-all-k3f9');

    // Assert
    expect(arn).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:ExportWorkflow-prod:manual-20261128T153000Z-all-k3f9',
    );
    expect(stateMachineArnOf(arn)).toBe(stateMachine);
  });

  it('links to the execution in the console of its own region', () => {
    const arn = executionArnFor(stateMachine, 'run-1');
    expect(consoleUrl(arn)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    );
  });
});
