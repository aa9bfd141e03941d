import { DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import {
  type CheckResult,
  couldNotCheck,
  type DoctorContext,
  isoSeconds,
  type RoleNeed,
  type SourceDoctor,
} from '../doctor.ts';
import { keyPattern } from '../stack/destination.ts';
import { tableArnFor, tableNameOf } from './names.ts';
import { enablePitr } from './runtime.ts';
import { DEFAULT_DYNAMODB_PREFIX } from './settings.ts';
import { describeTable } from './table-arn.ts';
import type { DynamoDbTarget } from './types.ts';
import { EXPORT_LAG_MS } from './window.ts';

/*
 * The doctor's DynamoDB checks: the table exists, point-in-time recovery is on, and since when
 * (EarliestRestorableDateTime): a run exports the table as of 15 minutes before its scheduled
 * time, so the first run that can export is one scheduled 15 minutes after that moment.
 */

/** The table's ARN for the role simulation: as configured, or built in the stack's account. */
function tableArnOf(target: DynamoDbTarget, ctx: DoctorContext): string | undefined {
  const account = ctx.stack?.account;
  if (target.table.startsWith('arn:')) return target.table;
  return account ? tableArnFor(target.table, { region: ctx.region, account }) : undefined;
}

export const dynamoDbDoctor: SourceDoctor<DynamoDbTarget> = {
  async checks(target, ctx) {
    const name = target.name;
    const table = tableNameOf(target.table);
    let described: Awaited<ReturnType<typeof describeTable>>;
    try {
      described = await describeTable(ctx.clients.dynamodb, target.table);
    } catch (error) {
      return [couldNotCheck('table', `table ${table}`, error, 'dynamodb:DescribeTable', name)];
    }
    if (!described) {
      return [
        {
          check: 'table',
          target: name,
          status: 'FAIL',
          detail: `table ${table} not found in ${ctx.region}`,
          fix: `create the table, or correct table: of target ${name} in config/stages/${ctx.config.stage}.yml and redeploy`,
        },
      ];
    }
    const results: CheckResult[] = [
      {
        check: 'table',
        target: name,
        status: described.TableStatus === 'ACTIVE' || described.TableStatus === undefined ? 'OK' : 'WARN',
        detail: `table ${table} exists (${described.TableStatus ?? 'status unknown'})`,
        ...(described.TableStatus && described.TableStatus !== 'ACTIVE'
          ? { fix: 'wait until the table is ACTIVE before the first run' }
          : {}),
      },
    ];
    try {
      const answer = await ctx.clients.dynamodb.send(
        new DescribeContinuousBackupsCommand({ TableName: described.TableArn ?? target.table }),
      );
      const pitr = answer.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
      const earliest = pitr?.EarliestRestorableDateTime;
      if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED' || !earliest) {
        results.push({
          check: 'pitr',
          target: name,
          status: 'FAIL',
          detail: `point-in-time recovery is off on ${table}: every run would end in ERROR`,
          fix: enablePitr(table).split(' (or ')[0] ?? enablePitr(table),
        });
      } else {
        const first = new Date(earliest.getTime() + EXPORT_LAG_MS);
        const ready = first.getTime() <= ctx.now.getTime();
        results.push({
          check: 'pitr',
          target: name,
          status: ready ? 'OK' : 'WARN',
          detail: `point-in-time recovery on; restorable from ${isoSeconds(earliest)}, so the first run that can export is one scheduled at or after ${isoSeconds(first)}${ready ? '' : ' (not yet)'}`,
          ...(ready
            ? {}
            : {
                fix: `a run scheduled before ${isoSeconds(first)} ends in ERROR: enable the schedule after that time`,
              }),
        });
      }
    } catch (error) {
      results.push(
        couldNotCheck(
          'pitr',
          `point-in-time recovery of ${table}`,
          error,
          'dynamodb:DescribeContinuousBackups',
          name,
        ),
      );
    }
    return results;
  },

  needs(target, ctx) {
    const tableArn = tableArnOf(target, ctx);
    const bucket =
      target.bucket ?? ctx.stack?.outputs.ExportBucketName ?? ctx.config.exportDestination.bucketName;
    if (!tableArn || !bucket) return [];
    // A key a run of the target writes: its prefix with the table filled in and the date's part made up.
    const key = `${ctx.config.exportDestination.keyPrefix}${keyPattern(target.prefix ?? DEFAULT_DYNAMODB_PREFIX, { TableName: tableNameOf(target.table) }).replace(/\*$/, 'doctor/AWSDynamoDB/check')}`;
    const needs: RoleNeed[] = [
      {
        role: 'createExportJob',
        actions: ['dynamodb:DescribeContinuousBackups', 'dynamodb:ExportTableToPointInTime'],
        resource: tableArn,
      },
      { role: 'createExportJob', actions: ['s3:PutObject'], resource: `arn:aws:s3:::${bucket}/${key}` },
      {
        role: 'getExportJobStatus',
        actions: ['dynamodb:DescribeExport'],
        resource: `${tableArn}/export/doctor`,
      },
      { role: 'verifyExport', actions: ['s3:GetObject'], resource: `arn:aws:s3:::${bucket}/${key}` },
    ];
    return needs;
  },
};
