import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedLedgerTargets } from './ledger-targets.ts';
import { buildResources, environmentOf } from './resources.ts';
import { parseStageConfig, type StageConfig, StageConfigError } from './stage-config.ts';

/** Where the stage files are: `config/stages/<stage>.yml` (serverless.yml's `custom.stageConfig`). */
export const STAGES_DIR = join(import.meta.dirname, '..', 'config', 'stages');

/** What osls hands a JS variable file's exported function (the part used here). */
export interface VariableSourceArgs {
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
}

export interface ResolvedStack {
  config: StageConfig;
  resources: ReturnType<typeof buildResources>;
  environment: ReturnType<typeof environmentOf>;
}

/** The stages that have a file in `dir`, sorted. */
export function stagesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -'.yml'.length))
    .sort();
}

/** The error for a stage without its file: which file is missing, and which stages exist. */
export function missingStageFileError(stage: string, dir: string = STAGES_DIR): StageConfigError {
  const stages = stagesIn(dir);
  return new StageConfigError(
    `config/stages/${stage}.yml does not exist: every stage needs its configuration file. ` +
      (stages.length > 0
        ? `Stages with a file: ${stages.join(', ')} (--stage ${stages[0]}), or create config/stages/${stage}.yml (docs/DEPLOY.md describes it).`
        : `No stage has a file yet: create config/stages/${stage}.yml (docs/DEPLOY.md describes it).`),
  );
}

/** Builds everything serverless.yml pulls from `${file(deploy/serverless.cjs):…}` for the stage being packaged. */
export async function resolveStack(
  { resolveConfigurationProperty }: VariableSourceArgs,
  dir: string = STAGES_DIR,
): Promise<ResolvedStack> {
  const stage = String(await resolveConfigurationProperty(['custom', 'stageName']));
  // Before reading custom.stageConfig: osls would only say "Value not found at "file" source".
  if (!existsSync(join(dir, `${stage}.yml`))) throw missingStageFileError(stage, dir);
  const raw = await resolveConfigurationProperty(['custom', 'stageConfig']);
  const config = parseStageConfig(raw, stage);
  const shared = sharedLedgerTargets(config);
  if (shared.length > 0) {
    throw new StageConfigError(`config/stages/${stage}.yml is invalid:\n  - ${shared.join('\n  - ')}`);
  }
  return { config, resources: buildResources(config), environment: environmentOf(config) };
}

/**
 * An error osls reports once however many properties it breaks. osls keeps an
 * error as it is (instead of wrapping it per property) when its constructor is
 * named `ServerlessError` and its message starts with "Cannot resolve variable
 * at ", and it prints the set of distinct error objects: one rejection shared by
 * every `${file(deploy/serverless.cjs):…}` reference is printed once, not once
 * per reference (osls lib/configuration/variables/resolve.js).
 */
class ServerlessError extends Error {
  readonly code = 'STAGE_CONFIGURATION_ERROR';
}

/** osls's signal to resolve a property later: not a failure, so never cached. */
const isRetryLater = (error: unknown) => (error as { code?: string })?.code === 'MISSING_VARIABLE_DEPENDENCY';

/**
 * `resolve` run once per process, for every reference osls resolves; a failure
 * becomes one error that osls prints once (a stage file's problems listed once,
 * not ten times).
 */
export function resolvingOnce(
  resolve: (args: VariableSourceArgs) => Promise<ResolvedStack>,
): (args: VariableSourceArgs) => Promise<ResolvedStack> {
  let resolved: Promise<ResolvedStack> | undefined;
  return (args) => {
    resolved ??= resolve(args).catch((error: unknown) => {
      if (isRetryLater(error)) {
        resolved = undefined;
        throw error;
      }
      const detail =
        error instanceof StageConfigError
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      throw new ServerlessError(
        `Cannot resolve variable at "\${file(deploy/serverless.cjs):…}" (the stage configuration): ${detail}`,
      );
    });
    return resolved;
  };
}
