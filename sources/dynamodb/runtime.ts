import { createHash } from 'node:crypto';
import {
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DynamoDBClient,
  type ExportDescription,
  ExportTableToPointInTimeCommand,
} from '@aws-sdk/client-dynamodb';
import { type AwsErrorSource, toWorkflowError } from '../../core/aws-errors.ts';
import type { ExplainedError } from '../../core/errors.ts';
import {
  SourceRequestRejectedError,
  SourceThrottledError,
  SourceUnavailableError,
} from '../../core/errors.ts';
import type { JobSnapshot, JobStatus } from '../../core/types.ts';
import type { CreateContext, SourceContext, SourceRuntime } from '../types.ts';
import { exportArnsOf } from './describe.ts';
import { tableNameOf } from './names.ts';
import type { DynamoDbRequest } from './types.ts';
import { describeWindows, type ExportPlan, exportEndOf, planExport, type Window } from './window.ts';

/*
 * DynamoDB's SDK calls: DescribeContinuousBackups (is point-in-time recovery on, and
 * since when), ExportTableToPointInTime and DescribeExport. Starts are idempotent: the
 * ClientToken is derived from the run's identity, its attempt and the window, so a
 * retried or duplicated start within DynamoDB's 8-hour token window returns the same
 * export instead of a second one; the run ledger covers everything beyond that.
 */

const RETRY_LATER =
  'DynamoDB stayed unavailable through every retry: check the AWS Health Dashboard, then start the run again later with `npm run export`.';

/** The fix for point-in-time recovery off: the command, and when to run again (the doctor says it too). */
export const enablePitr = (table: string) =>
  `Turn on point-in-time recovery for table ${table}: \`aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true\` (or PointInTimeRecoverySpecification in its CloudFormation), then start the run again with \`npm run export\` at least 15 minutes after switching it on: a run exports the table as of 15 minutes before its scheduled time, and recovery holds the table only from the moment it was switched on (\`npm run export -- doctor\` shows that moment). A first incremental run then exports the whole table.`;

const SAME_TOKEN_OTHER_PARAMETERS =
  "DynamoDB already has an export with this run's client token but other parameters (the target's settings changed within 8 hours of its last start): start the run again after 8 hours, or with another --scheduled-time.";

/**
 * ExportConflictException has two documented meanings (DynamoDB API reference,
 * ExportTableToPointInTime: "There was a conflict when writing to the specified S3 bucket", and
 * under ClientToken: the same token with other parameters within 8 hours), and the answer does not
 * say which: the advice covers both, naming the destination when it is known.
 */
export function exportConflictAdvice(destination?: string): string {
  const where = destination ?? 'the export destination';
  return `DynamoDB answered ExportConflictException, which means one of two things. (1) A conflict writing to the S3 bucket: another export or writer was writing to ${where} at the same time, or the bucket refused the write as it was configured then (Object Lock, ownership controls, a bucket policy changing): check that nothing else writes there and that the bucket accepts DynamoDB's writes, then start the run again with \`npm run export\`. (2) An export with this run's client token but other parameters started within the last 8 hours (the target's settings changed since this run first started): start the run again after 8 hours, or with another --scheduled-time.`;
}

export const DYNAMODB_ERRORS: AwsErrorSource = {
  service: 'DynamoDB',
  errors: {
    throttled: SourceThrottledError,
    unavailable: SourceUnavailableError,
    rejected: SourceRequestRejectedError,
  },
  permissions: {
    DescribeContinuousBackups: ['dynamodb:DescribeContinuousBackups on the table'],
    ExportTableToPointInTime: [
      'dynamodb:ExportTableToPointInTime on the table',
      's3:PutObject, s3:PutObjectAcl and s3:AbortMultipartUpload on the export prefix',
    ],
    DescribeExport: ["dynamodb:DescribeExport on the table's exports (<table arn>/export/*)"],
  },
  rows: [
    {
      names: ['LimitExceededException'],
      kind: 'throttled',
      reason: 'too many exports',
      advice:
        'DynamoDB allows a limited number of exports at once in an account (300): another tool may be exporting too. Start the run again later with `npm run export`.',
    },
    {
      names: ['PointInTimeRecoveryUnavailableException'],
      kind: 'rejected',
      reason: 'point-in-time recovery not enabled',
      advice: ({ facts }) => enablePitr(/table\/([\w.-]+)/.exec(facts.message)?.[1] ?? '<table>'),
    },
    {
      names: ['TableNotFoundException', 'ResourceNotFoundException'],
      kind: 'rejected',
      reason: 'table not found',
      advice:
        'DynamoDB has no such table in this account and region: check TableArn (table of the target in config/stages/<stage>.yml); if the table was deleted on purpose, disable the schedule.',
    },
    {
      names: ['ExportNotFoundException'],
      kind: 'rejected',
      reason: 'export not found',
      advice:
        "DynamoDB no longer knows the export: check the table's exports with `aws dynamodb list-exports`.",
    },
    {
      names: ['InvalidExportTimeException'],
      kind: 'rejected',
      reason: 'export time outside recovery window',
      advice:
        "DynamoDB refused the export time: it lies outside the table's point-in-time-recovery window. Start the run again with a later --scheduled-time (or none).",
    },
    {
      names: ['ExportConflictException'],
      kind: 'rejected',
      reason: 'conflicting export',
      advice: () => exportConflictAdvice(),
    },
    {
      names: ['IdempotentParameterMismatchException'],
      kind: 'rejected',
      reason: 'conflicting export',
      advice: SAME_TOKEN_OTHER_PARAMETERS,
    },
    { names: ['InternalServerError'], kind: 'unavailable', reason: 'service error', advice: RETRY_LATER },
  ],
  rejectedAdvice:
    'DynamoDB refused the export; the message says why. Fix it, then start the run again with `npm run export`.',
};

function clientOf(ctx: SourceContext): DynamoDBClient {
  ctx.clients.dynamodb ??= new DynamoDBClient({ ...ctx.sdk });
  return ctx.clients.dynamodb as DynamoDBClient;
}

const call = (operation: string, ctx: SourceContext) => (error: unknown) => {
  throw toWorkflowError(error, DYNAMODB_ERRORS, { operation, caller: ctx.caller });
};

/**
 * The start's idempotency token: the run (target and scheduled time), how many of its exports
 * FAILED and were redone (a redo must start a new one; a take-over of the claim must not) and
 * the window. 64 hex characters.
 */
export function clientTokenOf(ctx: CreateContext, part: string): string {
  return createHash('sha256')
    .update([ctx.run.target, ctx.run.scheduledTime, ctx.run.redo, part].join('\n'))
    .digest('hex');
}

/** The table's point-in-time-recovery window; an ERROR with the fix when it is off. */
async function recoveryWindow(request: DynamoDbRequest, ctx: SourceContext) {
  const table = tableNameOf(request.TableArn);
  const response = await clientOf(ctx)
    .send(new DescribeContinuousBackupsCommand({ TableName: request.TableArn }))
    .catch(call('DescribeContinuousBackups', ctx));
  const pitr = response.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED' || !pitr.EarliestRestorableDateTime) {
    throw new SourceRequestRejectedError(`Point-in-time recovery is not enabled on DynamoDB table ${table}`, {
      reason: 'point-in-time recovery not enabled',
      advice: enablePitr(table),
    });
  }
  return {
    earliest: pitr.EarliestRestorableDateTime.toISOString(),
    latest: (pitr.LatestRestorableDateTime ?? ctx.now()).toISOString(),
  };
}

/** DynamoDB's statuses in the workflow's vocabulary: IN_PROGRESS is PROCESSING. */
function statusOf(descriptions: ExportDescription[]): JobStatus {
  if (descriptions.some((d) => d.ExportStatus === 'FAILED')) return 'FAILED';
  if (descriptions.length > 0 && descriptions.every((d) => d.ExportStatus === 'COMPLETED'))
    return 'COMPLETED';
  return 'PROCESSING';
}

/** One snapshot of a run's export(s): counts summed, the window from the first to the last. */
function snapshotOf(descriptions: ExportDescription[], reused: boolean, now: Date): JobSnapshot {
  const status = statusOf(descriptions);
  const first = descriptions[0];
  const last = descriptions[descriptions.length - 1];
  const incremental = first?.ExportType === 'INCREMENTAL_EXPORT';
  const times = (pick: (d: ExportDescription) => Date | undefined) =>
    descriptions
      .map(pick)
      .filter((t): t is Date => t instanceof Date)
      .map((t) => t.getTime());
  const starts = times((d) => d.StartTime);
  const ends = times((d) => d.EndTime);
  const sum = (pick: (d: ExportDescription) => number | undefined) =>
    descriptions.reduce((total, d) => total + (pick(d) ?? 0), 0);
  const coveredUntil = incremental ? last?.IncrementalExportSpecification?.ExportToTime : first?.ExportTime;
  const snapshot: JobSnapshot = {
    Id: descriptions.map((d) => d.ExportArn ?? '').join(' '),
    JobStatus: status,
    SourceStatus: descriptions.map((d) => d.ExportStatus ?? 'IN_PROGRESS').join(' '),
    CreationDate: new Date(starts.length > 0 ? Math.min(...starts) : now.getTime()).toISOString(),
    Reused: reused,
    Details: {
      ExportType: first?.ExportType ?? null,
      ExportFormat: first?.ExportFormat ?? null,
      ...(incremental
        ? {
            ExportFromTime: first?.IncrementalExportSpecification?.ExportFromTime?.toISOString() ?? null,
            ExportToTime: last?.IncrementalExportSpecification?.ExportToTime?.toISOString() ?? null,
          }
        : { ExportTime: first?.ExportTime?.toISOString() ?? null }),
      Exports: descriptions.length,
      ...(status === 'COMPLETED'
        ? {
            BilledSizeBytes: sum((d) => d.BilledSizeBytes),
            // DynamoDB's own key of each export's manifest-summary.json: the verification starts there.
            ExportManifest: descriptions
              .filter((d) => d.ExportManifest)
              .map((d) => `s3://${d.S3Bucket}/${d.ExportManifest}`)
              .join(' '),
          }
        : {}),
    },
    ...(coveredUntil ? { CoveredUntil: coveredUntil.toISOString() } : {}),
  };
  if (status === 'COMPLETED' || status === 'FAILED') {
    snapshot.CompletionDate = new Date(ends.length > 0 ? Math.max(...ends) : now.getTime()).toISOString();
  }
  if (status === 'COMPLETED') {
    snapshot.TotalProcessed = sum((d) => d.ItemCount);
    snapshot.TotalFailures = 0;
  }
  if (status === 'FAILED') {
    snapshot.Failures = descriptions
      .filter((d) => d.ExportStatus === 'FAILED')
      .map(
        (d) =>
          `${d.FailureCode ?? 'UnknownFailure'}: ${d.FailureMessage ?? 'DynamoDB gave no FailureMessage'}`,
      );
  }
  return snapshot;
}

async function describeAll(jobId: string, ctx: SourceContext): Promise<ExportDescription[] | undefined> {
  const descriptions: ExportDescription[] = [];
  for (const arn of exportArnsOf(jobId)) {
    const response = await clientOf(ctx)
      .send(new DescribeExportCommand({ ExportArn: arn }))
      .catch((error: unknown) => {
        if (
          ctx.caller === 'create-export-job' &&
          (error as { name?: string }).name === 'ExportNotFoundException'
        )
          return undefined;
        return call('DescribeExport', ctx)(error);
      });
    if (!response) return undefined;
    if (response.ExportDescription) descriptions.push(response.ExportDescription);
  }
  return descriptions;
}

/** The job id of a run that started no export: `skipped:` and the coverage it carries on. */
export const SKIPPED = 'skipped:';

/** A run that starts no export (its window is too short yet): COMPLETED at once, with the reason. */
function skipped(reason: string, ctx: CreateContext): JobSnapshot {
  const now = ctx.now().toISOString();
  return {
    Id: `${SKIPPED}${ctx.previousCoveredUntil ?? ''}`,
    JobStatus: 'COMPLETED',
    CreationDate: now,
    CompletionDate: now,
    TotalProcessed: 0,
    TotalFailures: 0,
    Reused: false,
    Details: { Skipped: reason },
    // The coverage does not move: the next run starts where the previous export stopped.
    ...(ctx.previousCoveredUntil ? { CoveredUntil: ctx.previousCoveredUntil } : {}),
  };
}

async function start(
  request: DynamoDbRequest,
  plan: Extract<ExportPlan, { kind: 'full' | 'incremental' }>,
  ctx: CreateContext,
): Promise<{ started: ExportDescription[]; stopped?: string }> {
  const common = {
    TableArn: request.TableArn,
    S3Bucket: request.S3Bucket,
    // Without a trailing slash (describe.ts): DynamoDB adds the one before AWSDynamoDB/ itself.
    ...(request.S3Prefix === '' ? {} : { S3Prefix: request.S3Prefix }),
    ...(request.S3BucketOwner ? { S3BucketOwner: request.S3BucketOwner } : {}),
    S3SseAlgorithm: request.S3SseAlgorithm,
    ...(request.S3SseKmsKeyId ? { S3SseKmsKeyId: request.S3SseKmsKeyId } : {}),
    ExportFormat: request.ExportFormat,
  };
  const windows: (Window | undefined)[] = plan.kind === 'full' ? [undefined] : plan.windows;
  const started: ExportDescription[] = [];
  let stopped: string | undefined;
  for (const [index, window] of windows.entries()) {
    const input = window
      ? {
          ...common,
          ExportType: 'INCREMENTAL_EXPORT' as const,
          IncrementalExportSpecification: {
            ExportFromTime: new Date(window.from),
            ExportToTime: new Date(window.to),
            ExportViewType: 'NEW_AND_OLD_IMAGES' as const,
          },
          ClientToken: clientTokenOf(ctx, `${window.from}/${window.to}`),
        }
      : {
          ...common,
          ExportType: 'FULL_EXPORT' as const,
          ExportTime: new Date(plan.kind === 'full' ? plan.exportTime : ctx.run.scheduledTime),
          ClientToken: clientTokenOf(ctx, `full/${plan.kind === 'full' ? plan.exportTime : ''}`),
        };
    const response = await clientOf(ctx)
      .send(new ExportTableToPointInTimeCommand(input))
      .then(
        (answer) => answer,
        (error: unknown) => {
          const refused = refusalOf(error, request, ctx);
          // A later window refused for good: the exports already started stay the run's job (no
          // orphan), covering a prefix of the gap; the next run continues from where they end.
          if (index > 0 && refused.name === 'SourceRequestRejectedError') {
            stopped = `window ${index + 1} of ${windows.length} refused: ${refused.reason}`;
            ctx.logger.warn('DynamoDB refused a later window; keeping the exports already started', {
              started: index,
              reason: refused.reason,
            });
            return undefined;
          }
          throw refused;
        },
      );
    if (response === undefined) break;
    if (!response.ExportDescription?.ExportArn) {
      // Retried: the same client token returns this export if DynamoDB did start it.
      throw new SourceUnavailableError('DynamoDB ExportTableToPointInTime answered without an export', {
        reason: 'unreadable answer',
        advice: RETRY_LATER,
      });
    }
    started.push(response.ExportDescription);
  }
  return { started, ...(stopped ? { stopped } : {}) };
}

/** An ExportTableToPointInTime error as the workflow's error. */
function refusalOf(error: unknown, request: DynamoDbRequest, ctx: SourceContext): ExplainedError {
  // Recovery turned off since the check above: say how to turn it on for this very table.
  if ((error as { name?: string }).name === 'PointInTimeRecoveryUnavailableException') {
    const table = tableNameOf(request.TableArn);
    return new SourceRequestRejectedError(
      `Point-in-time recovery is not enabled on DynamoDB table ${table}`,
      { reason: 'point-in-time recovery not enabled', advice: enablePitr(table) },
      { cause: error },
    );
  }
  if ((error as { name?: string }).name === 'ExportConflictException') {
    return new SourceRequestRejectedError(
      `DynamoDB refused the export of ${tableNameOf(request.TableArn)}: ${(error as Error).message}`,
      {
        reason: 'conflicting export',
        advice: exportConflictAdvice(`s3://${request.S3Bucket}/${request.S3Prefix}`),
      },
      { cause: error },
    );
  }
  return toWorkflowError(error, DYNAMODB_ERRORS, {
    operation: 'ExportTableToPointInTime',
    caller: ctx.caller,
  });
}

export const DYNAMODB_RUNTIME: SourceRuntime<DynamoDbRequest> = {
  errors: DYNAMODB_ERRORS,
  continuesPreviousRun: (request) => request.ExportType === 'INCREMENTAL_EXPORT',

  async create(request, ctx) {
    const window = await recoveryWindow(request, ctx);
    const plan = planExport({
      exportType: request.ExportType,
      scheduledTime: request.ScheduledTime,
      previousCoveredUntil: ctx.previousCoveredUntil,
      earliestRestorable: window.earliest,
      outsideRecoveryWindow: request.OutsideRecoveryWindow,
    });
    const end = exportEndOf(request.ScheduledTime);
    if (plan.kind !== 'refuse' && plan.kind !== 'skip' && Date.parse(window.latest) < end) {
      // Point-in-time recovery has not reached the run's end yet (it trails the clock by more
      // than usual): retried, with the same request, by the state machine.
      throw new SourceUnavailableError(
        `DynamoDB point-in-time recovery of ${tableNameOf(request.TableArn)} reaches ${window.latest}, not yet ${new Date(end).toISOString()}`,
        {
          reason: 'point-in-time recovery behind',
          advice:
            "The table's point-in-time recovery stayed behind the run's end through every retry: start the run again later with `npm run export` and the same --scheduled-time.",
        },
      );
    }
    if (plan.kind === 'refuse') {
      throw new SourceRequestRejectedError(
        `DynamoDB export of ${tableNameOf(request.TableArn)} not started: ${plan.reason}`,
        {
          reason: plan.reason,
          advice: plan.advice,
        },
      );
    }
    if (plan.kind === 'skip') return skipped(plan.reason, ctx);
    const { started, stopped } = await start(request, plan, ctx);
    ctx.logger.info('Started DynamoDB export(s)', {
      exports: started.length,
      ...(stopped ? { stopped } : {}),
      plan: plan.kind,
      ...(plan.kind === 'incremental'
        ? { window: describeWindows(plan.windows) }
        : { exportTime: plan.exportTime }),
      ...(plan.kind === 'full' && plan.reason ? { reason: plan.reason } : {}),
    });
    const snapshot = snapshotOf(started, false, ctx.now());
    if (plan.kind === 'full' && plan.reason && snapshot.Details)
      snapshot.Details.FullExportBecause = plan.reason;
    if (stopped && snapshot.Details) snapshot.Details.Stopped = stopped;
    return snapshot;
  },

  async read(_request, job, ctx) {
    if (job.Id.startsWith(SKIPPED)) {
      // A skipped run: nothing to read. Its id keeps the coverage it carries on, so a duplicate
      // that finds only the id in the run ledger still records it (and the next run starts there).
      const coveredUntil = job.Id.slice(SKIPPED.length);
      const now = ctx.now().toISOString();
      return {
        Id: job.Id,
        JobStatus: 'COMPLETED',
        CreationDate: job.CreationDate ?? now,
        CompletionDate: job.CompletionDate ?? job.CreationDate ?? now,
        TotalProcessed: 0,
        TotalFailures: 0,
        Reused: job.Reused,
        Details: job.Details ?? {
          Skipped: 'an earlier attempt of this run found its window too short to export',
        },
        ...(coveredUntil ? { CoveredUntil: coveredUntil } : {}),
      };
    }
    const descriptions = await describeAll(job.Id, ctx);
    if (!descriptions) return undefined;
    const snapshot = snapshotOf(descriptions, job.Reused, ctx.now());
    // What the create learned and DescribeExport does not say travels on with the job.
    for (const key of ['FullExportBecause', 'Stopped'] as const) {
      const value = job.Details?.[key];
      if (value !== undefined && snapshot.Details) snapshot.Details[key] = value;
    }
    return snapshot;
  },
};

export default DYNAMODB_RUNTIME;
