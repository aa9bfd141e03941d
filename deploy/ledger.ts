import { ledgerTableSchema } from '../core/ledger-schema.ts';

/*
 * The run ledger's table and the statements that reach it. The key schema and
 * indexes come from functions/shared/run-ledger.ts, the same definition the
 * local emulator creates its table from, so the code and the stack cannot drift.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are free-form JSON with intrinsics.
type Cfn = any;

export const LEDGER_TABLE_ID = 'RunLedgerTable';

/** TTL attribute: epoch seconds written by the ledger (scheduled time + retention). */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export interface LedgerSettings {
  tableName: string;
  /** Prod-like stages: the table cannot be deleted by accident (stack removal included). */
  deletionProtection: boolean;
}

/** The ledger table: on-demand, point-in-time recovery, encrypted with a KMS key, TTL on old runs. */
export function ledgerTableResource(settings: LedgerSettings): Record<string, Cfn> {
  const schema = ledgerTableSchema();
  return {
    [LEDGER_TABLE_ID]: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: settings.deletionProtection ? 'Retain' : 'Delete',
      UpdateReplacePolicy: settings.deletionProtection ? 'Retain' : 'Delete',
      Properties: {
        TableName: settings.tableName,
        BillingMode: schema.BillingMode,
        AttributeDefinitions: schema.AttributeDefinitions,
        KeySchema: schema.KeySchema,
        GlobalSecondaryIndexes: schema.GlobalSecondaryIndexes,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true },
        DeletionProtectionEnabled: settings.deletionProtection,
      },
    },
  };
}

const tableArn: Cfn = { 'Fn::GetAtt': [LEDGER_TABLE_ID, 'Arn'] };

/**
 * create-export-job claims runs and records their job (read and conditional writes on the
 * table), and reads the target's previous COMPLETED run, the poller's prior (Query).
 */
export const CLAIM_RUNS_STATEMENT = {
  Sid: 'ClaimRunsInLedger',
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  Resource: tableArn,
};

/** publish-summary records the outcome and reads the target's earlier runs. */
export const RECORD_OUTCOMES_STATEMENT = {
  Sid: 'RecordRunOutcomesInLedger',
  Effect: 'Allow',
  Action: ['dynamodb:UpdateItem', 'dynamodb:Query'],
  Resource: tableArn,
};
