import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { sharedLedgerTargets } from './ledger-targets.ts';
import { missingStageFileError, STAGES_DIR } from './stack.ts';
import { namedProblems, parseStageConfig, StageConfigError } from './stage-config.ts';

/*
 * `npm run package|deploy|remove -- --stage <stage>`: the stage file is checked first, and its
 * problems are printed alone, one line each, naming targets by their names (exit 2); only a
 * valid stage goes on to osls. osls would report the same problems behind its own lines about
 * variable resolution. deploy/serverless.cjs still checks, for anyone who runs osls directly.
 */

const OSLS = join(import.meta.dirname, '..', 'node_modules', 'osls', 'bin', 'serverless.js');

/** The stage osls would use: `--stage x`, `--stage=x`, `-s x`; dev by default (serverless.yml). */
export function stageOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--stage=')) return arg.slice('--stage='.length);
    if ((arg === '--stage' || arg === '-s') && args[i + 1]) return args[i + 1]!;
  }
  return 'dev';
}

/** The stage file's problems, one per line; empty when osls may go on. */
export function stageProblems(stage: string, dir: string = STAGES_DIR): string[] {
  const file = join(dir, `${stage}.yml`);
  if (!existsSync(file)) return [missingStageFileError(stage, dir).message];
  try {
    const raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
    const config = parseStageConfig(raw, stage);
    const shared = sharedLedgerTargets(config);
    if (shared.length === 0) return [];
    return [`config/stages/${stage}.yml is invalid:`, ...namedProblems(shared, []).map((p) => `  - ${p}`)];
  } catch (error) {
    if (error instanceof StageConfigError) return error.message.split('\n');
    if ((error as Error).name === 'YAMLParseError')
      return [`config/stages/${stage}.yml is not valid YAML: ${(error as Error).message}`];
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const problems = args[0] === 'remove' ? [] : stageProblems(stageOf(args));
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exit(2);
  }
  const child = spawn(process.execPath, [OSLS, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
