import { buildResources, environmentOf } from './resources.ts';
import { parseStageConfig, type StageConfig } from './stage-config.ts';

/** What osls hands a JS variable file's exported function (the part used here). */
export interface VariableSourceArgs {
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
}

export interface ResolvedStack {
  config: StageConfig;
  resources: ReturnType<typeof buildResources>;
  environment: ReturnType<typeof environmentOf>;
}

/** Builds everything serverless.yml pulls from `${file(stack/serverless.cjs):…}` for the stage being packaged. */
export async function resolveStack({
  resolveConfigurationProperty,
}: VariableSourceArgs): Promise<ResolvedStack> {
  const stage = String(await resolveConfigurationProperty(['custom', 'stageName']));
  const raw = await resolveConfigurationProperty(['custom', 'stageConfig']);
  const config = parseStageConfig(raw, stage);
  return { config, resources: buildResources(config), environment: environmentOf(config) };
}
