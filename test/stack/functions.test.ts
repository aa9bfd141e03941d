import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FUNCTION_ROLES } from '../../core/aws-errors.ts';
import {
  arnPlaceholderOf,
  FUNCTION_KEYS,
  FUNCTIONS,
  functionIdOf,
  roleIdOf,
  taskStateOf,
} from '../../core/functions.ts';
import { environmentOf } from '../../deploy/resources.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import { FUNCTION_TIMEOUTS, TASK_FUNCTIONS } from '../../dev/local/workflow.ts';
import { FIXED, IDS } from '../../sources/stack/cfn.ts';

/*
 * The workflow's functions are one list (core/functions.ts). serverless.yml cannot import it, so
 * this test holds its functions, their roles, environments and packaging, the state machine's
 * substitutions and the workflow role's invocations equal to it.
 */

const ROOT = join(import.meta.dirname, '..', '..');

// biome-ignore lint/suspicious/noExplicitAny: serverless.yml is free-form YAML.
type Yaml = any;

/** serverless.yml with its CloudFormation tags read as the intrinsics they stand for. */
const serverless: Yaml = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), {
  customTags: [
    { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value }) },
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
    { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
  ],
});
const functions: Record<string, Yaml> = serverless.functions;
const resources: Record<string, Yaml> = serverless.resources[0].Resources;

describe('the functions are one list (core/functions.ts)', () => {
  it("is serverless.yml's functions:, in the workflow's order", () => {
    expect(Object.keys(functions)).toEqual(Object.values(FUNCTIONS));
  });

  it.each(FUNCTION_KEYS)('%s: its handler, role, environment and packaging in serverless.yml', (key) => {
    const name = FUNCTIONS[key];
    const fn = functions[name];

    expect(fn.handler).toBe(`functions/${name}/handler.handler`);
    expect(existsSync(join(ROOT, 'functions', name, 'handler.ts'))).toBe(true);
    expect(fn.role).toBe(roleIdOf(key));
    expect(fn.role).toBe(IDS.roles[key]);
    expect(fn.environment).toBe(`\${file(deploy/serverless.cjs):environment.${key}}`);
    // Only its own handler and chunks go in its zip.
    expect([...fn.package.patterns].sort()).toEqual(
      Object.values(FUNCTIONS)
        .filter((other) => other !== name)
        .map((other) => `!functions/${other}/**`)
        .sort(),
    );
    // A local run binds each handler with its deployed timeout.
    expect(fn.timeout ?? serverless.provider.timeout).toBe(FUNCTION_TIMEOUTS[taskStateOf(key)] ?? 30);
  });

  it("is the state machine's substitutions and what the workflow role may invoke", () => {
    const substitutions = resources.ExportWorkflowStateMachine.Properties.DefinitionSubstitutions;
    const invoke = resources.ExportWorkflowRole.Properties.Policies[0].PolicyDocument.Statement.find(
      (s: Yaml) => s.Sid === 'InvokeWorkflowFunctions',
    );
    const arnOf = (key: (typeof FUNCTION_KEYS)[number]) => ({
      'Fn::GetAtt': `${functionIdOf(key)}LambdaFunction.Arn`,
    });

    expect(substitutions).toEqual(
      Object.fromEntries(FUNCTION_KEYS.map((key) => [arnPlaceholderOf(key), arnOf(key)])),
    );
    expect(new Set(invoke.Resource.map((r: Yaml) => r['Fn::GetAtt']))).toEqual(
      new Set(FUNCTION_KEYS.map((key) => arnOf(key)['Fn::GetAtt'])),
    );
  });

  it('names every function alike in the stack, the local run and the classifier', () => {
    expect(Object.keys(FIXED.functions)).toEqual(FUNCTION_KEYS);
    expect(Object.keys(IDS.roles)).toEqual(FUNCTION_KEYS);
    expect(Object.values(TASK_FUNCTIONS)).toEqual(Object.values(FUNCTIONS));
    const config = parseStageConfig(
      {
        targets: [
          {
            name: 'a',
            ApplicationId: '0123456789abcdef0123456789abcdef',
            cron: '0 3 * * ? *',
            timezone: 'UTC',
            enabled: true,
          },
        ],
      },
      'qa',
    );
    expect(new Set(Object.keys(environmentOf(config)))).toEqual(new Set(['shared', ...FUNCTION_KEYS]));
    expect(Object.keys(FUNCTION_ROLES)).toEqual(Object.values(FUNCTIONS));
    for (const key of FUNCTION_KEYS) {
      expect(FUNCTION_ROLES[FUNCTIONS[key]]).toBe(roleIdOf(key));
    }
  });
});
