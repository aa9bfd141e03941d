import type { SourceId } from '../../core/types.ts';
import { tableArnFor, tableNameOf } from '../../sources/dynamodb/names.ts';
import { LOCAL_ACCOUNT } from '../../sources/local.ts';
import { executionInputOf } from '../../sources/registry.ts';

/*
 * What a local run of each source needs beyond the workflow: its input on the
 * emulator's seeded data (its stage defaults are each source's, sources/settings.ts), and (for
 * DynamoDB) a table with point-in-time recovery to export.
 */

/** The seeded DynamoDB table a local DynamoDB run exports. */
export const LOCAL_TABLE = 'local-orders';
/** Items seeded into it. */
export const LOCAL_TABLE_ITEMS = 1_200;
/** The emulator's account and region, as in every ARN it makes. */
export { LOCAL_ACCOUNT } from '../../sources/local.ts';

/**
 * The options that choose a source other than Pinpoint and what of it to export: a local
 * run's, and the CLI's (--source, --domain, --segment-definition, --format, --table, --incremental).
 */
export interface LocalSourceOptions {
  /** Default pinpoint. */
  source?: SourceId | undefined;
  /** Customer Profiles: domain and segment definition (default the emulator's seeded ones). */
  domain?: string | undefined;
  segmentDefinition?: string | undefined;
  /** Customer Profiles DataFormat (JSONL, CSV, ORC) or DynamoDB ExportFormat (DYNAMODB_JSON, ION). */
  format?: string | undefined;
  /** DynamoDB: table name or ARN (default the seeded {@link LOCAL_TABLE}). */
  table?: string | undefined;
  /** DynamoDB: an incremental target. */
  incremental?: boolean | undefined;
}

/** What a local run exports, in the options' words (the CLI's --local run passes its whole input instead). */
export interface LocalInputOptions extends LocalSourceOptions {
  applicationId?: string | undefined;
  segmentId?: string | undefined;
  segmentVersion?: number | undefined;
  s3UrlPrefix?: string | undefined;
  roleArn?: string | undefined;
}

/**
 * What a local run exports unless told otherwise: the emulator's seeded application, segment
 * definition or table. The CLI's `--local` and the local run both start from here.
 */
export async function withLocalDefaults<
  O extends LocalSourceOptions & { applicationId?: string | undefined },
>(options: O): Promise<O> {
  if (options.source === 'customer-profiles') {
    const { DEFAULT_PROFILES_DOMAIN, DEFAULT_SEGMENT_DEFINITION } = await import('../emulator/index.ts');
    return {
      ...options,
      domain: options.domain ?? DEFAULT_PROFILES_DOMAIN,
      segmentDefinition: options.segmentDefinition ?? DEFAULT_SEGMENT_DEFINITION,
    };
  }
  if (options.source === 'dynamodb') return { ...options, table: options.table ?? LOCAL_TABLE };
  if (options.applicationId !== undefined) return options;
  return { ...options, applicationId: (await import('../emulator/index.ts')).DEFAULT_APPLICATION_ID };
}

/**
 * The execution input of a local run: what the options say and the emulator's seeded data for
 * what they leave out, built as every input is (sources/<id>/input.ts). A DynamoDB run's
 * `tableArn` is its table as the session resolved it (dev/local/run.ts); without one, a name is a
 * table of the built-in emulator.
 */
export async function localInput(
  options: LocalInputOptions,
  scheduledTime: string,
  tableArn?: string,
): Promise<Record<string, unknown>> {
  const given = await withLocalDefaults(options);
  return {
    ...executionInputOf({
      ...given,
      tableArn: tableArn ?? tableArnFor(given.table ?? LOCAL_TABLE, LOCAL_ACCOUNT),
      incremental: given.incremental === true,
    }),
    ScheduledTime: scheduledTime,
  };
}

export { tableArnFor, tableNameOf } from '../../sources/dynamodb/names.ts';

/**
 * A DynamoDB input with its TableArn as the session resolved it: the CLI builds the input before
 * the endpoints are known (a name in the built-in emulator's account), and only the session can
 * ask the endpoint which account and Region its table is in. Any other input is returned as is.
 */
export function withTableArn(input: unknown, tableArn: string | undefined): unknown {
  if (tableArn === undefined || typeof input !== 'object' || input === null) return input;
  const raw = input as Record<string, unknown>;
  if (raw.Source !== 'dynamodb' || typeof raw.TableArn !== 'string') return input;
  if (tableNameOf(raw.TableArn) !== tableNameOf(tableArn)) return input;
  return { ...raw, TableArn: tableArn };
}

/** How many items the DynamoDB incremental demo changes ({@link changeItems}). */
export const DEMO_CHANGED_ITEMS = 10;

/** What {@link changeItems} did to the table. */
export interface ItemChanges {
  added: number;
  updated: number;
  deleted: number;
}

/**
 * Changes a few items of a seeded table through the real SDK, as an application would
 * between two nightly exports: the incremental export that follows holds exactly these.
 */
export async function changeItems(endpoint: string, table: string): Promise<ItemChanges> {
  const { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } = await import(
    '@aws-sdk/client-dynamodb'
  );
  const { SEEDED_TABLE_KEY, seededItem } = await import('../emulator/dynamodb.ts');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const changes = { added: 5, updated: 3, deleted: 2 };
  try {
    for (let i = 0; i < changes.added; i++) {
      await client.send(new PutItemCommand({ TableName: table, Item: seededItem(LOCAL_TABLE_ITEMS + i) }));
    }
    for (let i = 0; i < changes.updated; i++) {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { [SEEDED_TABLE_KEY]: seededItem(10 + i)[SEEDED_TABLE_KEY] as { S: string } },
          UpdateExpression: 'SET label = :label',
          ExpressionAttributeValues: { ':label': { S: `Changed item ${10 + i}` } },
        }),
      );
    }
    for (let i = 0; i < changes.deleted; i++) {
      await client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: { [SEEDED_TABLE_KEY]: seededItem(100 + i)[SEEDED_TABLE_KEY] as { S: string } },
        }),
      );
    }
  } finally {
    client.destroy();
  }
  return changes;
}
