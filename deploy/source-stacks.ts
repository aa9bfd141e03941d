import type { SourceId } from '../core/types.ts';
import { customerProfilesStack } from '../sources/customer-profiles/stack.ts';
import { dynamoDbStack } from '../sources/dynamodb/stack.ts';
import { pinpointStack } from '../sources/pinpoint/stack.ts';
import type { Cfn, FunctionKey, Resources } from '../sources/stack/cfn.ts';
import type { ExportTarget, StageConfig } from '../sources/stack/stage-types.ts';

/*
 * The stack registry of export sources (docs/SOURCES.md): what one source adds to the
 * template, from its folder's `stack.ts`. The stage configuration reads a target's own
 * settings through its source, and deploy/resources.ts asks every source for its schedule
 * inputs, IAM statements, service roles and environment. Adding a source is its folder
 * and one line in STACK_SOURCES.
 *
 * Loaded by osls through Node's type stripping: erasable TypeScript only, `.ts` imports.
 * The sources import only types from this module, so it loads in any order.
 */

export type {
  FunctionEnvironment,
  RoleStatements,
  SourceOutput,
  StackContext,
  StackSource,
  TargetReader,
} from '../sources/stack/types.ts';

import type { SourceOutput, StackContext, StackSource } from '../sources/stack/types.ts';

const REGISTERED = [pinpointStack, customerProfilesStack, dynamoDbStack] as const;

/** Every source the stack knows, the default (`pinpoint`) first. */
export const STACK_SOURCES: readonly StackSource[] = REGISTERED;

/**
 * The source ids and the default one (a target without `source:`): sources/ids.ts, the one list of
 * them (the contract test holds STACK_SOURCES to it).
 */
export { DEFAULT_SOURCE, SOURCE_IDS } from '../sources/ids.ts';

/** The source registered as `id`, or undefined. */
export function stackSourceOf(id: string): StackSource | undefined {
  return STACK_SOURCES.find((s) => s.id === id);
}

/** The stage's targets of one source. */
export function targetsOf<S extends SourceId>(
  config: Pick<StageConfig, 'targets'>,
  id: S,
): Extract<ExportTarget, { source: S }>[] {
  return config.targets.filter((t): t is Extract<ExportTarget, { source: S }> => t.source === id);
}

/** Every source's statements for one function role, in registration order. */
export function sourceStatements(key: FunctionKey, ctx: StackContext): Cfn[] {
  return STACK_SOURCES.flatMap(
    (source) => source.statements(targetsOf(ctx.config, source.id), ctx)[key] ?? [],
  );
}

/** Every source's resources. */
export function sourceResources(ctx: StackContext): Resources {
  return Object.assign(
    {},
    ...STACK_SOURCES.map((source) => source.resources(targetsOf(ctx.config, source.id), ctx)),
  );
}

/** Every source's stack outputs, in registration order. */
export function sourceOutputs(ctx: StackContext): Record<string, SourceOutput> {
  return Object.assign(
    {},
    ...STACK_SOURCES.map((source) => source.outputs?.(targetsOf(ctx.config, source.id), ctx) ?? {}),
  );
}

/** Every source's environment for one function. */
export function sourceEnvironment(key: FunctionKey, ctx: StackContext): Record<string, Cfn> {
  return Object.assign(
    {},
    ...STACK_SOURCES.map((source) => source.environment(targetsOf(ctx.config, source.id), ctx)[key] ?? {}),
  );
}

/** The source of a target (every parsed target names a registered one). */
export function sourceOfTarget(target: ExportTarget): StackSource {
  const source = stackSourceOf(target.source);
  if (!source) throw new TypeError(`no stack source ${target.source}`);
  return source;
}
