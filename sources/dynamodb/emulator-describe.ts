/*
 * DescribeExport and ListExports in the emulator. ListExports lists exports in every
 * status, newest ARN first ("in reverse alphanumeric order of ExportArn"), and not those
 * of deleted tables; both finish the exports that are due before answering.
 */

import { type DynamoDbContext, exportDescriptionOf } from './emulator-exports.ts';
import { settleExports, settleOne } from './emulator-finish.ts';
import { decodeToken, EXPORT_ARN, encodeToken, Problems } from './emulator-request.ts';
import { dynamoErrors } from './emulator-wire.ts';

const DEFAULT_PAGE = 25;

export async function describeExport(ctx: DynamoDbContext, body: Record<string, unknown>) {
  const arn = body.ExportArn;
  const problems = new Problems();
  if (arn === undefined || arn === null) problems.add(null, 'exportArn', 'Member must not be null');
  else if (typeof arn !== 'string') throw dynamoErrors.serialization('ExportArn must be a string');
  else if (arn.length < 37)
    problems.add(arn, 'exportArn', 'Member must have length greater than or equal to 37');
  else if (arn.length > 1024)
    problems.add(arn, 'exportArn', 'Member must have length less than or equal to 1024');
  problems.throwIfAny();
  if (!EXPORT_ARN.test(arn as string)) throw dynamoErrors.validation(`Invalid Export ARN: ${arn}`);
  const record = ctx.exports.records.get(arn as string);
  if (!record) throw dynamoErrors.exportNotFound(arn as string);
  await settleOne(ctx, record);
  return exportDescriptionOf(record);
}

export async function listExports(ctx: DynamoDbContext, body: Record<string, unknown>) {
  const { TableArn: tableArn, MaxResults: maxResults, NextToken: nextToken } = body;
  if (tableArn !== undefined && typeof tableArn !== 'string')
    throw dynamoErrors.serialization('TableArn must be a string');
  if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults))) {
    throw dynamoErrors.serialization('MaxResults must be an integer');
  }
  if (nextToken !== undefined && typeof nextToken !== 'string')
    throw dynamoErrors.serialization('NextToken must be a string');
  const problems = new Problems();
  if (typeof maxResults === 'number' && maxResults < 1)
    problems.add(maxResults, 'maxResults', 'Member must have value greater than or equal to 1');
  if (typeof maxResults === 'number' && maxResults > 25)
    problems.add(maxResults, 'maxResults', 'Member must have value less than or equal to 25');
  problems.throwIfAny();
  let after: string | undefined;
  if (nextToken !== undefined) {
    after = decodeToken(nextToken);
    if (after === undefined) throw dynamoErrors.validation('The NextToken given to ListExports is not valid');
  }
  await settleExports(ctx);
  const listed = [...ctx.exports.records.values()]
    .filter((r) => !r.tableDeleted && (tableArn === undefined || r.tableArn === tableArn))
    // "in reverse alphanumeric order of ExportArn" (ListExports' documentation)
    .sort((a, b) => (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0))
    .filter((r) => after === undefined || r.arn < after);
  const page = listed.slice(0, typeof maxResults === 'number' ? maxResults : DEFAULT_PAGE);
  return {
    ExportSummaries: page.map((r) => ({ ExportArn: r.arn, ExportStatus: r.status, ExportType: r.type })),
    ...(listed.length > page.length ? { NextToken: encodeToken(page.at(-1)!.arn) } : {}),
  };
}
