import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SourceId } from '../core/types.ts';
import { faultProblem } from '../dev/local/index.ts';
import { SOURCE_IDS } from '../sources/ids.ts';
import { usageError } from './errors.ts';
import type { RequestOptions } from './input.ts';
import { isExecutionArn, isStateMachineArn, isValidExecutionName } from './naming.ts';
import { integerOption, NUMERIC_OPTIONS, parseFailure } from './options.ts';

/*
 * The command line, parsed with node's util.parseArgs into one typed command.
 * Every mistake becomes a usage error naming the option (exit status 2).
 */

export const COMMANDS = ['start', 'status', 'list', 'history', 'doctor'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const DEFAULT_STAGE = 'dev';
export const DEFAULT_LIST_MAX = 20;
export const MAX_LIST_MAX = NUMERIC_OPTIONS.max.max;
/** Where a local run keeps its files and its run records, unless --data-dir says otherwise. */
export const DEFAULT_DATA_DIR = '.local/emulator';

/** Options every command accepts. */
export interface CommonOptions {
  stage: string;
  /** True when --stage was given (the resume hint repeats it). */
  stageGiven: boolean;
  region?: string | undefined;
  stateMachineArn?: string | undefined;
  json: boolean;
}

/** Options of the embedded local run (`--local`; `npm start` takes the same). */
export interface LocalOptions {
  endpoints?: number | undefined;
  malformedEvery?: number | undefined;
  jobDurationSeconds?: number | undefined;
  /** DynamoDB: create the local --table, with point-in-time recovery on or off. */
  seed?: 'pitr' | 'no-pitr' | undefined;
  deadlineSeconds?: number | undefined;
  /** Fault scenario names (dev/local/scenarios.ts). */
  faults: string[];
  /** Folder standing for S3 and SNS, and holding the local runs' records. */
  dataDir: string;
  /** Show the handlers' INFO logs. */
  logs: boolean;
}

export type Command =
  | { name: 'help'; topic: CommandName | 'general' }
  | { name: 'start'; common: CommonOptions; request: RequestOptions; wait: boolean; local?: LocalOptions }
  | { name: 'status'; common: CommonOptions; execution: string; wait: boolean; localDataDir?: string }
  | { name: 'list'; common: CommonOptions; max: number; localDataDir?: string }
  | {
      name: 'history';
      common: CommonOptions;
      target?: string | undefined;
      max: number;
      localDataDir?: string;
      ledgerTable?: string | undefined;
    }
  | { name: 'doctor'; common: CommonOptions };

const COMMON = {
  stage: { type: 'string' },
  region: { type: 'string' },
  'state-machine-arn': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const START = {
  ...COMMON,
  source: { type: 'string' },
  domain: { type: 'string' },
  'segment-definition': { type: 'string' },
  format: { type: 'string' },
  table: { type: 'string' },
  incremental: { type: 'boolean' },
  'application-id': { type: 'string' },
  'segment-id': { type: 'string' },
  'segment-version': { type: 'string' },
  's3-url-prefix': { type: 'string' },
  'role-arn': { type: 'string' },
  'scheduled-time': { type: 'string' },
  'max-failure-percent': { type: 'string' },
  wait: { type: 'boolean' },
  local: { type: 'boolean' },
  endpoints: { type: 'string' },
  'malformed-every': { type: 'string' },
  'job-duration': { type: 'string' },
  seed: { type: 'string' },
  deadline: { type: 'string' },
  fault: { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  logs: { type: 'boolean' },
} as const;

/** Options that only make sense for a local run. */
const LOCAL_ONLY = [
  'endpoints',
  'malformed-every',
  'job-duration',
  'seed',
  'deadline',
  'fault',
  'data-dir',
  'logs',
] as const;

const LOCAL_HISTORY = { local: { type: 'boolean' }, 'data-dir': { type: 'string' } } as const;
const STATUS = { ...COMMON, ...LOCAL_HISTORY, wait: { type: 'boolean' } } as const;
const LIST = { ...COMMON, ...LOCAL_HISTORY, max: { type: 'string' } } as const;
const HISTORY = {
  ...COMMON,
  ...LOCAL_HISTORY,
  max: { type: 'string' },
  target: { type: 'string' },
  'ledger-table': { type: 'string' },
} as const;
const DOCTOR = {
  stage: COMMON.stage,
  region: COMMON.region,
  json: COMMON.json,
  help: COMMON.help,
} as const;
/** A target name as the stage config and the execution input's Target allow it. */
const TARGET = /^[0-9A-Za-z._-]{1,64}$/;
/** A DynamoDB table name. */
const TABLE = /^[0-9A-Za-z._-]{3,255}$/;

const STAGE = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

function common(values: Record<string, unknown>): CommonOptions {
  const stage = values.stage as string | undefined;
  if (stage !== undefined && !STAGE.test(stage)) {
    throw usageError(
      `--stage must start with a letter and hold only letters, digits and hyphens (at most 40), got "${stage}"`,
      '--stage',
    );
  }
  const region = values.region as string | undefined;
  if (region !== undefined && !REGION.test(region)) {
    throw usageError(`--region must be an AWS region such as eu-west-1, got "${region}"`, '--region');
  }
  const stateMachineArn = values['state-machine-arn'] as string | undefined;
  if (stateMachineArn !== undefined && !isStateMachineArn(stateMachineArn)) {
    throw usageError(
      `--state-machine-arn must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got "${stateMachineArn}"`,
      '--state-machine-arn',
    );
  }
  return {
    stage: stage ?? DEFAULT_STAGE,
    stageGiven: stage !== undefined,
    region,
    stateMachineArn,
    json: values.json === true,
  };
}

function dataDirOf(value: string | undefined): string {
  if (value !== undefined && value.trim() === '') throw usageError('--data-dir needs a folder', '--data-dir');
  return value ?? DEFAULT_DATA_DIR;
}

/** `--local` on status and list: read the local runs' records instead of Step Functions. */
function localHistory(values: {
  local?: boolean;
  'data-dir'?: string;
  'state-machine-arn'?: string;
  stage?: string;
  region?: string;
}): {
  localDataDir?: string;
} {
  if (values.local !== true) {
    if (values['data-dir'] !== undefined)
      throw usageError('--data-dir only applies with --local', '--data-dir');
    return {};
  }
  refuseAwsOptions(values);
  const given = values['data-dir'];
  // A folder named on purpose that is not there is a typo, not "no runs yet" (the default folder
  // is absent until the first local run, and then there are indeed no runs).
  if (given !== undefined && given.trim() !== '' && !existsSync(given))
    throw usageError(`--data-dir ${given} does not exist: no local run has written there`, '--data-dir');
  return { localDataDir: dataDirOf(given) };
}

/** Options that choose where in AWS to look mean nothing for a local run: say so rather than ignore them. */
function refuseAwsOptions(values: { stage?: string; region?: string; 'state-machine-arn'?: string }): void {
  for (const option of ['state-machine-arn', 'stage', 'region'] as const) {
    if (values[option] !== undefined) {
      throw usageError(
        `--${option} does not apply with --local (npm start): the run is on this machine`,
        `--${option}`,
      );
    }
  }
}

/** The options that belong to one source only: given with another source, they are refused by name. */
export const SOURCE_OPTIONS = {
  pinpoint: ['application-id', 'segment-id', 'segment-version', 's3-url-prefix'],
  'customer-profiles': ['domain', 'segment-definition'],
  dynamodb: ['table', 'incremental'],
} as const satisfies Record<SourceId, readonly string[]>;

/**
 * Local scenario options that shape one source's emulated service: given with another source
 * they would be silently ignored, so they are refused by name like the source options.
 */
export const SCENARIO_OPTIONS = {
  pinpoint: ['endpoints', 'malformed-every', 'job-duration'],
  'customer-profiles': [],
  dynamodb: ['seed'],
} as const satisfies Record<SourceId, readonly string[]>;

/** `--seed`: the local --table created with point-in-time recovery on or off. */
const SEEDS = ['pitr', 'no-pitr'] as const;

/** --source (default pinpoint), and no option of another source. */
function sourceOptionOf(values: Record<string, unknown>): SourceId {
  const source = (values.source as string | undefined) ?? 'pinpoint';
  if (!(SOURCE_IDS as readonly string[]).includes(source)) {
    throw usageError(`--source must be one of ${SOURCE_IDS.join(', ')}, got "${source}"`, '--source');
  }
  for (const table of [SOURCE_OPTIONS, SCENARIO_OPTIONS]) {
    for (const [other, options] of Object.entries(table)) {
      if (other === source) continue;
      for (const option of options as readonly string[]) {
        if (values[option] !== undefined && values[option] !== false) {
          throw usageError(`--${option} only applies with --source ${other}`, `--${option}`);
        }
      }
    }
  }
  if (source === 'dynamodb' && values['role-arn'] !== undefined) {
    throw usageError(
      "--role-arn does not apply with --source dynamodb: DynamoDB writes the export with the caller's own permissions",
      '--role-arn',
    );
  }
  if (source === 'pinpoint' && values.format !== undefined) {
    throw usageError('--format only applies with --source customer-profiles or dynamodb', '--format');
  }
  return source as SourceId;
}

function seedOf(value: string | undefined): (typeof SEEDS)[number] | undefined {
  if (value === undefined) return undefined;
  if (!(SEEDS as readonly string[]).includes(value))
    throw usageError(
      `--seed must be ${SEEDS.join(' or ')} (point-in-time recovery on or off), got "${value}"`,
      '--seed',
    );
  return value as (typeof SEEDS)[number];
}

function parseStart(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof START; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args, options: START, allowPositionals: false, strict: true });
  } catch (error) {
    parseFailure(error, 'start', COMMANDS);
  }
  const v = parsed.values;
  const local = v.local === true;
  if (!local) {
    for (const option of LOCAL_ONLY) {
      if (v[option] !== undefined) throw usageError(`--${option} only applies with --local`, `--${option}`);
    }
  } else {
    refuseAwsOptions(v);
  }
  const source = sourceOptionOf(v);
  const faults = (v.fault ?? []).map((fault) => {
    const problem = faultProblem(fault, source);
    if (problem) throw usageError(problem, '--fault');
    return fault;
  });
  return {
    name: 'start',
    common: common(v),
    request: {
      source,
      domain: v.domain,
      segmentDefinition: v['segment-definition'],
      format: v.format,
      table: v.table,
      incremental: v.incremental === true,
      applicationId: v['application-id'],
      segmentId: v['segment-id'],
      segmentVersion: v['segment-version'],
      s3UrlPrefix: v['s3-url-prefix'],
      roleArn: v['role-arn'],
      scheduledTime: v['scheduled-time'],
      maxFailurePercent: v['max-failure-percent'],
    },
    wait: v.wait === true,
    ...(local
      ? {
          local: {
            endpoints: integerOption('endpoints', v.endpoints),
            malformedEvery: integerOption('malformed-every', v['malformed-every']),
            jobDurationSeconds: integerOption('job-duration', v['job-duration']),
            seed: seedOf(v.seed),
            deadlineSeconds: integerOption('deadline', v.deadline),
            faults,
            dataDir: dataDirOf(v['data-dir']),
            logs: v.logs === true,
          },
        }
      : {}),
  };
}

function parseStatus(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof STATUS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: STATUS, allowPositionals: true, strict: true });
  } catch (error) {
    parseFailure(error, 'status', COMMANDS);
  }
  const [execution, ...extra] = parsed.positionals;
  if (execution === undefined) {
    throw usageError('status needs the execution name or ARN: npm run export -- status <name|arn>');
  }
  if (extra.length > 0) throw usageError(`status takes one execution, got also "${extra[0]}"`);
  if (execution.startsWith('arn:')) {
    if (!isExecutionArn(execution)) {
      throw usageError(
        `"${execution}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`,
      );
    }
  } else if (!isValidExecutionName(execution)) {
    throw usageError(`"${execution}" is not an execution name (1–80 characters of 0-9 A-Z a-z - _)`);
  }
  return {
    name: 'status',
    common: common(parsed.values),
    execution,
    wait: parsed.values.wait === true,
    ...localHistory(parsed.values),
  };
}

function parseList(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof LIST; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args, options: LIST, allowPositionals: false, strict: true });
  } catch (error) {
    parseFailure(error, 'list', COMMANDS);
  }
  return {
    name: 'list',
    common: common(parsed.values),
    max: integerOption('max', parsed.values.max) ?? DEFAULT_LIST_MAX,
    ...localHistory(parsed.values),
  };
}

function parseHistory(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof HISTORY; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args, options: HISTORY, allowPositionals: false, strict: true });
  } catch (error) {
    parseFailure(error, 'history', COMMANDS);
  }
  const { target, 'ledger-table': ledgerTable } = parsed.values;
  if (target !== undefined && !TARGET.test(target)) {
    throw usageError(
      `--target must be a target name (1-64 of letters, digits, - _ .), got "${target}"`,
      '--target',
    );
  }
  if (ledgerTable !== undefined && !TABLE.test(ledgerTable)) {
    throw usageError(`--ledger-table must be a DynamoDB table name, got "${ledgerTable}"`, '--ledger-table');
  }
  const local = localHistory(parsed.values);
  if (local.localDataDir !== undefined && ledgerTable !== undefined) {
    throw usageError(
      '--ledger-table does not apply with --local (the local ledger is in --data-dir)',
      '--ledger-table',
    );
  }
  return {
    name: 'history',
    common: common(parsed.values),
    target,
    max: integerOption('max', parsed.values.max) ?? DEFAULT_LIST_MAX,
    ledgerTable,
    ...local,
  };
}

function parseDoctor(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof DOCTOR; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args, options: DOCTOR, allowPositionals: false, strict: true });
  } catch (error) {
    parseFailure(error, 'doctor', COMMANDS);
  }
  return { name: 'doctor', common: common(parsed.values) };
}

/** True when the arguments ask for JSON, even if they are otherwise wrong (errors are then JSON too). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/** Parses the arguments after `npm run export --`. Throws a usage CliError. */
export function parseCommand(argv: readonly string[]): Command {
  const args = [...argv];
  let name: CommandName = 'start';
  const first = args[0];
  if (first === 'help') {
    const topic = args[1];
    return {
      name: 'help',
      topic: COMMANDS.includes(topic as CommandName) ? (topic as CommandName) : 'general',
    };
  }
  if (first !== undefined && !first.startsWith('-')) {
    if (!COMMANDS.includes(first as CommandName)) {
      throw usageError(`unknown command "${first}"; commands are ${COMMANDS.join(', ')} (see --help)`);
    }
    name = first as CommandName;
    args.shift();
  }
  if (args.includes('--help') || args.includes('-h')) {
    return { name: 'help', topic: first === undefined || first.startsWith('-') ? 'general' : name };
  }
  if (name === 'status') return parseStatus(args);
  if (name === 'list') return parseList(args);
  if (name === 'history') return parseHistory(args);
  if (name === 'doctor') return parseDoctor(args);
  return parseStart(args);
}
