import { customerProfilesStack } from '../sources/customer-profiles/stack.ts';
import { dynamoDbStack } from '../sources/dynamodb/stack.ts';
import { pinpointStack } from '../sources/pinpoint/stack.ts';
import type { Cfn, FunctionKey, Resources } from './cfn.ts';
import type { Destination } from './destination.ts';
import type { ExportTarget, StageConfig, TargetBase } from './stage-config.ts';
import type { Raw, Reader } from './stage-fields.ts';

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

/** What a source's `readTarget` works with. */
export interface TargetReader {
  /** Collects problems with their field paths, reads typed values. */
  r: Reader;
  /** The target's mapping as written in the stage file. */
  raw: Raw;
  /** The target's path in the file, `targets[2]`: every problem starts with it. */
  path: string;
  /** The stage's export destination: where the target's files go, for the length checks. */
  destination: Destination;
}

/** Everything a source builds its part of the template from. */
export interface SourceContext {
  config: StageConfig;
  destination: Destination;
}

/** IAM statements per function role (the role of each function key). */
export type RoleStatements = Partial<Record<FunctionKey, Cfn[]>>;

/** Environment variables per function. */
export type FunctionEnvironment = Partial<Record<FunctionKey, Record<string, Cfn>>>;

/**
 * One source's part of the stack. `T` is its targets' type: the common target fields
 * (deploy/stage-config.ts `TargetBase`) and the settings `readTarget` returned.
 */
export interface StackSource<T extends TargetBase = ExportTarget> {
  /** The id a target names with `source:` (and the execution input's `Source`). */
  id: T['source'];
  /** The target settings this source reads, besides the common ones: a target of another source may not use them. */
  fields: readonly string[];
  /** Reads and checks the source's settings of one target; undefined when a problem was recorded. */
  readTarget(reader: TargetReader): Omit<T, keyof TargetBase> | undefined;
  /** The schedule's Description: what the target exports. */
  describe(target: T, config: StageConfig): string;
  /**
   * The source's part of the execution input the target's schedule sends (values may be
   * intrinsics); deploy/resources.ts adds the fields every source shares (ScheduledTime, Target,
   * MaxFailurePercent) and turns it into the schedule's JSON.
   */
  scheduleInput(target: T, ctx: SourceContext): Record<string, Cfn>;
  /** The statements the source adds to each function role; none when `targets` is empty. */
  statements(targets: T[], ctx: SourceContext): RoleStatements;
  /** Service roles and other resources; none when `targets` is empty. */
  resources(targets: T[], ctx: SourceContext): Resources;
  /** Environment variables (the stage's defaults for the source's inputs); none when `targets` is empty. */
  environment(targets: T[], ctx: SourceContext): FunctionEnvironment;
}

const REGISTERED = [pinpointStack, customerProfilesStack, dynamoDbStack] as const;

/** Every source the stack knows, the default (`pinpoint`) first. */
export const STACK_SOURCES: readonly StackSource[] = REGISTERED;

export type SourceId = (typeof REGISTERED)[number]['id'];

/** A target without `source:` is a Pinpoint target, as every stage file before sources existed. */
export const DEFAULT_SOURCE: SourceId = 'pinpoint';

export const SOURCE_IDS: readonly SourceId[] = REGISTERED.map((s) => s.id);

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
export function sourceStatements(key: FunctionKey, ctx: SourceContext): Cfn[] {
  return STACK_SOURCES.flatMap(
    (source) => source.statements(targetsOf(ctx.config, source.id), ctx)[key] ?? [],
  );
}

/** Every source's resources. */
export function sourceResources(ctx: SourceContext): Resources {
  return Object.assign(
    {},
    ...STACK_SOURCES.map((source) => source.resources(targetsOf(ctx.config, source.id), ctx)),
  );
}

/** Every source's environment for one function. */
export function sourceEnvironment(key: FunctionKey, ctx: SourceContext): Record<string, Cfn> {
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
