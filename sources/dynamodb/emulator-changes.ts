/*
 * Point-in-time recovery for the emulator's tables. dynalite keeps only the latest
 * image of an item and no write times, so while PITR is on for a table the emulator
 * records every write dynalite accepted: the item's key, the time (the emulator's
 * clock) and the image the item had just *before* the write (read from dynalite
 * before the write is let through). From those and the table as it is now, the
 * table's state at any moment since PITR was enabled follows:
 *
 *   state of an item just before T = the before-image of its first write at or after T,
 *                                     or, if it has none, the item as it is now.
 *
 * That is what a full export at ExportTime and an incremental export's OldImage
 * (just before ExportFromTime) and NewImage (just before ExportToTime) read. Writes
 * from before PITR was enabled are not needed: no export may start earlier than
 * EarliestRestorableDateTime, which is never before the enabling.
 */

/** A DynamoDB item or key in its wire shape (`{"pk": {"S": "a"}}`). */
export type AttributeMap = Record<string, unknown>;

/** The table's primary key attributes. */
export interface KeySchema {
  hash: string;
  range?: string;
}

/** One write dynalite accepted. */
export interface Change {
  atMs: number;
  /** The item just before this write; undefined when it did not exist. */
  before: AttributeMap | undefined;
}

/** The writes to one item, oldest first. */
export interface KeyHistory {
  keys: AttributeMap;
  changes: Change[];
}

/** A table with PITR on. */
export interface PitrTable {
  name: string;
  tableId: string;
  keySchema: KeySchema;
  enabledAtMs: number;
  recoveryPeriodInDays: number;
  /** By {@link keyId}. */
  history: Map<string, KeyHistory>;
}

/** DynamoDB's default (and longest) recovery period. */
export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The primary key attributes of an item (or a key), or undefined when one is missing. */
export function keyOf(schema: KeySchema, item: AttributeMap): AttributeMap | undefined {
  const hash = item[schema.hash];
  if (hash === undefined) return undefined;
  if (schema.range === undefined) return { [schema.hash]: hash };
  const range = item[schema.range];
  return range === undefined ? undefined : { [schema.hash]: hash, [schema.range]: range };
}

/** A string naming one item of a table (attribute values are single-key objects: stringify is stable). */
export function keyId(schema: KeySchema, keys: AttributeMap): string {
  return JSON.stringify(
    schema.range === undefined ? [keys[schema.hash]] : [keys[schema.hash], keys[schema.range]],
  );
}

/** The PITR state of every table, and the writes recorded while it is on. */
export class ChangeLog {
  private readonly tables = new Map<string, PitrTable>();
  private queue: Promise<unknown> = Promise.resolve();

  /** True when any table has PITR on (only then are writes worth looking at). */
  get active(): boolean {
    return this.tables.size > 0;
  }

  table(name: string): PitrTable | undefined {
    return this.tables.get(name);
  }

  /** Turns PITR on (keeping the original enabling time if it already was) or updates its recovery period. */
  enable(
    name: string,
    facts: { tableId: string; keySchema: KeySchema; recoveryPeriodInDays: number },
    nowMs: number,
  ): PitrTable {
    const existing = this.tables.get(name);
    if (existing) {
      existing.recoveryPeriodInDays = facts.recoveryPeriodInDays;
      return existing;
    }
    const table: PitrTable = { name, ...facts, enabledAtMs: nowMs, history: new Map() };
    this.tables.set(name, table);
    return table;
  }

  /** Turns PITR off (or forgets a deleted table): its history goes, as DynamoDB's backups would. */
  disable(name: string): void {
    this.tables.delete(name);
  }

  /** The earliest moment the table can be exported at: the enabling, or the start of the recovery period. */
  earliestRestorableMs(table: PitrTable, nowMs: number): number {
    return Math.max(table.enabledAtMs, nowMs - table.recoveryPeriodInDays * DAY_MS);
  }

  /** Records a write to one item of a PITR table. */
  record(table: PitrTable, keys: AttributeMap, atMs: number, before: AttributeMap | undefined): void {
    const id = keyId(table.keySchema, keys);
    let entry = table.history.get(id);
    if (!entry) {
      entry = { keys, changes: [] };
      table.history.set(id, entry);
    }
    entry.changes.push({ atMs, before });
    // A write older than the recovery period is never the first one at or after an allowed export time.
    const horizon = this.earliestRestorableMs(table, atMs);
    while (entry.changes[0]!.atMs < horizon) entry.changes.shift();
  }

  /**
   * Runs `work` alone: writes to PITR tables and the reads that reconstruct a past state
   * take turns, so a before-image and the write it precedes are never split by another.
   */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The item's state just before `tMs`; `current` is the item now (undefined when absent). */
export function stateBefore(
  history: KeyHistory,
  tMs: number,
  current: AttributeMap | undefined,
): AttributeMap | undefined {
  const next = history.changes.find((change) => change.atMs >= tMs);
  return next ? next.before : current;
}
