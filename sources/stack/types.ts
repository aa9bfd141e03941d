import type { Cfn, FunctionKey, Resources } from './cfn.ts';
import type { Destination } from './destination.ts';
import type { Raw, Reader } from './reader.ts';
import type { ExportTarget, StageConfig, TargetBase } from './stage-types.ts';

/*
 * The stack's seam with each source (docs/SOURCES.md): what one source adds to the template,
 * from its folder's `stack.ts`. deploy/source-stacks.ts registers them. Types only.
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

/** Everything a source builds its part of the template from (its runtime's context is sources/types.ts `SourceContext`). */
export interface StackContext {
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
  scheduleDescription(target: T, config: StageConfig): string;
  /**
   * The source's part of the execution input the target's schedule sends (values may be
   * intrinsics); deploy/resources.ts adds the fields every source shares (ScheduledTime, Target,
   * MaxFailurePercent) and turns it into the schedule's JSON.
   */
  scheduleInput(target: T, ctx: StackContext): Record<string, Cfn>;
  /** The statements the source adds to each function role; none when `targets` is empty. */
  statements(targets: T[], ctx: StackContext): RoleStatements;
  /** Service roles and other resources; none when `targets` is empty. */
  resources(targets: T[], ctx: StackContext): Resources;
  /** Environment variables (the stage's defaults for the source's inputs); none when `targets` is empty. */
  environment(targets: T[], ctx: StackContext): FunctionEnvironment;
  /** The stack's outputs the source adds, by output name (exported as `<prefix>-<name>`). */
  outputs?(targets: T[], ctx: StackContext): Record<string, SourceOutput>;
}

/** One stack output of a source. */
export interface SourceOutput {
  description: string;
  value: Cfn;
}
