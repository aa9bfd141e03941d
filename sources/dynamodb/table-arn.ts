import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { TABLE_ARN } from './names.ts';

/*
 * A table an operator names, as DynamoDB itself describes it. A name is resolved with
 * DescribeTable (its TableArn), never by writing an account and Region into an ARN: the
 * endpoint's account (a real one, moto's 123456789012, our emulator's 000000000000) is
 * whatever it is. The local run with external endpoints and the doctor both ask here.
 */

/** The table's description, or undefined when DynamoDB has no such table; other errors are thrown. */
export async function describeTable(
  client: DynamoDBClient,
  table: string,
): Promise<TableDescription | undefined> {
  try {
    const response = await client.send(new DescribeTableCommand({ TableName: table }));
    return response.Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * The ARN of `table` (a name or an ARN): an ARN as given, a name as DescribeTable answers it;
 * undefined when DynamoDB has no table of that name.
 */
export async function resolveTableArn(client: DynamoDBClient, table: string): Promise<string | undefined> {
  if (TABLE_ARN.test(table)) return table;
  return (await describeTable(client, table))?.TableArn;
}
