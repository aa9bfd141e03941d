import { TIME_PLACEHOLDERS } from '../../core/input-rules.ts';

/*
 * DynamoDB's names, patterns and limits (botocore's dynamodb model), stated once: the input's
 * validation (describe.ts), the stage file's (stack.ts), the doctor, the CLI's --table and the
 * local run read them here. Loaded by osls through type stripping (stack.ts): erasable
 * TypeScript only, `.ts` imports.
 */

/** A table name (botocore `TableName`: 3-255 of a-z A-Z 0-9 _ - .). */
export const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
/**
 * A table ARN in any partition, arn:<partition>:dynamodb:<region>:<12-digit account>:table/<name>;
 * its one group is the table's name.
 */
export const TABLE_ARN =
  /^arn:aws(?:-[a-z]+)*:dynamodb:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:table\/([a-zA-Z0-9_.-]{3,255})$/;
/** An AWS account id (S3BucketOwner). */
export const ACCOUNT_ID = /^\d{12}$/;

/** The placeholders an S3Prefix template may use. */
export const DYNAMODB_PLACEHOLDERS: readonly string[] = ['TableName', ...Object.keys(TIME_PLACEHOLDERS)];

/** ExportType. */
export const EXPORT_TYPES = ['FULL_EXPORT', 'INCREMENTAL_EXPORT'] as const;
/** ExportFormat. */
export const EXPORT_FORMATS = ['DYNAMODB_JSON', 'ION'] as const;
/** OutsideRecoveryWindow: what an incremental run does when its window starts before the earliest restorable time. */
export const OUTSIDE_RECOVERY_WINDOW = ['ERROR', 'FULL_EXPORT'] as const;
/** S3SseAlgorithm. */
export const SSE_ALGORITHMS = ['AES256', 'KMS'] as const;
/** S3SseKmsKeyId: 1-2,048 characters. */
export const MAX_KMS_KEY_ID_CHARS = 2048;

/** A target's `mode` in the stage file: its ExportType (input.ts `incremental`). */
export const MODES = ['full', 'incremental'] as const;
/** A target's `outsideRecoveryWindow` in the stage file, as its OutsideRecoveryWindow. */
export const OUTSIDE_RECOVERY_WINDOW_SETTINGS = { error: 'ERROR', 'full-export': 'FULL_EXPORT' } as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type DynamoDbMode = (typeof MODES)[number];
export type OutsideRecoveryWindowSetting = keyof typeof OUTSIDE_RECOVERY_WINDOW_SETTINGS;

/** Whether `table` is a table name or a table ARN. */
export const isTableNameOrArn = (table: string): boolean =>
  table.startsWith('arn:') ? TABLE_ARN.test(table) : TABLE_NAME.test(table);

/** The table's name: a table ARN's last part, a name as given. */
export const tableNameOf = (table: string): string => TABLE_ARN.exec(table)?.[1] ?? table;

/**
 * Why an operator's table (the CLI's --table) is neither a table name nor a table ARN, or
 * undefined when it is one: said of what was typed, never of an ARN built from it.
 */
export function tableProblem(table: string): string | undefined {
  if (isTableNameOrArn(table)) return undefined;
  return `${JSON.stringify(table.slice(0, 64))} is not a table name (3-255 of letters, digits, _ . -) nor a table ARN (arn:aws:dynamodb:<region>:<12-digit account>:table/<name>)`;
}

/**
 * A table ARN for a table named by an operator (the CLI's --table): an ARN as given, or a name
 * in `where`'s account and region (a stack's, from its state machine ARN; the emulator's locally).
 * Against any other endpoint, ask DynamoDB instead (sources/dynamodb/table-arn.ts).
 */
export function tableArnFor(table: string, where: { region: string; account: string }): string {
  return table.startsWith('arn:')
    ? table
    : `arn:aws:dynamodb:${where.region}:${where.account}:table/${table}`;
}
