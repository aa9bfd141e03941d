/*
 * DescribeContinuousBackups and UpdateContinuousBackups in the emulator: point-in-time
 * recovery per table (off for a new table, as in DynamoDB; RecoveryPeriodInDays 1–35,
 * default 35). ContinuousBackupsStatus is ENABLED for every table (UpdateContinuousBackups'
 * documentation). Turning PITR on starts recording the table's writes (emulator-changes.ts).
 */

import { DEFAULT_RECOVERY_PERIOD_DAYS, type PitrTable } from './emulator-changes.ts';
import type { DynamoDbContext } from './emulator-exports.ts';
import { Problems, tableNameParam } from './emulator-request.ts';
import { dynamoErrors, epochSeconds } from './emulator-wire.ts';

export async function describeContinuousBackups(ctx: DynamoDbContext, body: Record<string, unknown>) {
  const name = tableNameParam(body.TableName);
  await ctx.tables.describeTable(name);
  return { ContinuousBackupsDescription: continuousBackups(ctx, ctx.changes.table(name)) };
}

export async function updateContinuousBackups(ctx: DynamoDbContext, body: Record<string, unknown>) {
  const name = tableNameParam(body.TableName);
  const spec = body.PointInTimeRecoverySpecification;
  const problems = new Problems();
  if (spec === undefined || spec === null) {
    problems.add(null, 'pointInTimeRecoverySpecification', 'Member must not be null');
  } else if (typeof spec !== 'object') {
    throw dynamoErrors.serialization('PointInTimeRecoverySpecification must be a structure');
  }
  const given = (spec ?? {}) as Record<string, unknown>;
  const enabled = given.PointInTimeRecoveryEnabled;
  if (spec && (enabled === undefined || enabled === null)) {
    problems.add(
      null,
      'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled',
      'Member must not be null',
    );
  } else if (spec && typeof enabled !== 'boolean') {
    throw dynamoErrors.serialization('PointInTimeRecoveryEnabled must be a boolean');
  }
  const period = given.RecoveryPeriodInDays;
  if (period !== undefined && (typeof period !== 'number' || !Number.isInteger(period))) {
    throw dynamoErrors.serialization('RecoveryPeriodInDays must be an integer');
  }
  if (typeof period === 'number' && (period < 1 || period > 35)) {
    problems.add(
      period,
      'pointInTimeRecoverySpecification.recoveryPeriodInDays',
      period < 1
        ? 'Member must have value greater than or equal to 1'
        : 'Member must have value less than or equal to 35',
    );
  }
  problems.throwIfAny();
  const table = await ctx.tables.describeTable(name);
  if (enabled === true) {
    ctx.changes.enable(
      name,
      {
        tableId: table.tableId,
        keySchema: table.keySchema,
        recoveryPeriodInDays: typeof period === 'number' ? period : DEFAULT_RECOVERY_PERIOD_DAYS,
      },
      ctx.now(),
    );
  } else {
    ctx.changes.disable(name);
  }
  return { ContinuousBackupsDescription: continuousBackups(ctx, ctx.changes.table(name)) };
}

/** ContinuousBackupsDescription: PITR is per table. */
function continuousBackups(ctx: DynamoDbContext, table: PitrTable | undefined) {
  if (!table) {
    return {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
    };
  }
  const nowMs = ctx.now();
  return {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription: {
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: table.recoveryPeriodInDays,
      EarliestRestorableDateTime: epochSeconds(ctx.changes.earliestRestorableMs(table, nowMs)),
      // AWS says "typically 5 minutes before the current time"; here every write is kept at once.
      LatestRestorableDateTime: epochSeconds(nowMs),
    },
  };
}
