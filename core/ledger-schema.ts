/*
 * The run ledger table's keys and indexes: one definition for the functions
 * (functions/shared/run-ledger.ts), the local emulator's table and the stack's
 * AWS::DynamoDB::Table. Loaded by the stack through Node's type stripping:
 * erasable TypeScript only, no imports.
 */

/** Attribute names of the table's keys and indexes; the stack and the local table are built from {@link ledgerTableSchema}. */
export const LEDGER_KEYS = {
  partition: 'target',
  sort: 'scheduledTime',
  /** Index of every run by start time: `kind` is always "run". */
  recentIndex: 'recent',
  /** Index of one target's runs by its readable name. */
  byNameIndex: 'by-target-name',
  /**
   * Sparse index of the runs whose outcome is a success: `goodTarget` (the target, set only
   * then) and scheduledTime. The previous good run is its newest item before a time.
   */
  goodIndex: 'good',
  goodPartition: 'goodTarget',
} as const;

/** The table's keys and indexes, in the shape CreateTable and `AWS::DynamoDB::Table` share. */
export function ledgerTableSchema() {
  return {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'target', AttributeType: 'S' },
      { AttributeName: 'scheduledTime', AttributeType: 'S' },
      { AttributeName: 'kind', AttributeType: 'S' },
      { AttributeName: 'startedAt', AttributeType: 'S' },
      { AttributeName: 'targetName', AttributeType: 'S' },
      { AttributeName: 'goodTarget', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'target', KeyType: 'HASH' },
      { AttributeName: 'scheduledTime', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: LEDGER_KEYS.recentIndex,
        KeySchema: [
          { AttributeName: 'kind', KeyType: 'HASH' },
          { AttributeName: 'startedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: LEDGER_KEYS.byNameIndex,
        KeySchema: [
          { AttributeName: 'targetName', KeyType: 'HASH' },
          { AttributeName: 'scheduledTime', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: LEDGER_KEYS.goodIndex,
        KeySchema: [
          { AttributeName: 'goodTarget', KeyType: 'HASH' },
          { AttributeName: 'scheduledTime', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  } as const;
}

/** Defaults of the ledger's claim lifetime (seconds) and retention (days); functions/shared/config.ts reads overrides. */
export const LEDGER_DEFAULTS = { claimSeconds: 90, retentionDays: 400 } as const;
