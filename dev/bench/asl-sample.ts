import { DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateExportJobCommand,
  GetExportJobCommand,
  GetExportJobsCommand,
  PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { install } from '@sinonjs/fake-timers';
import { mockClient } from 'aws-sdk-client-mock';
import { jobProgressAt } from '../../sources/pinpoint/emulator-job-model.ts';
import { type EventLog, loadHandlers, startExecution } from '../local/workflow.ts';
import { RUN_START_MS } from './asl-walk.ts';
import type { SimJob } from './population.ts';

/*
 * The same jobs through the real thing: the deployed ASL in aws-local-stepfunctions
 * and the three real handlers, Pinpoint and SNS mocked with aws-sdk-client-mock
 * (the Pinpoint mock answers with the job model's view at the virtual time), and
 * every clock (the engine's Wait timers, the handlers' `new Date()`) faked with
 * @sinonjs/fake-timers, so a 12-hour job runs in milliseconds.
 */

export interface EngineRun {
  jobId: string;
  checks: number;
  /** StateEntered events: the states Step Functions would bill. */
  transitions: number;
  delaySeconds: number | null;
  status: 'SUCCEEDED' | 'FAILED';
  /** Why a FAILED run failed (the execution's error and cause). */
  error?: string;
}

export const SAMPLE_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  SUMMARY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:export-summary',
  DEFAULT_ROLE_ARN: 'arn:aws:iam::000000000000:role/pinpoint-export',
  DEFAULT_S3_URL_PREFIX: 's3://bench-exports/pinpoint/{ApplicationId}/{date}/',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // The summaries' CloudWatch metrics (EMF lines on stdout) would drown the bench's tables.
  POWERTOOLS_METRICS_DISABLED: 'true',
  RUN_DEADLINE_SECONDS: String(12 * 3600),
  RUN_LEDGER_TABLE: 'bench-runs',
};

/** Runs the jobs one after another through the engine; sets `SAMPLE_ENV` first (handlers read it at load). */
export async function runEngineSample(jobs: readonly SimJob[]): Promise<EngineRun[]> {
  for (const [key, value] of Object.entries(SAMPLE_ENV)) process.env[key] ??= value;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const pinpoint = mockClient(PinpointClient);
  const sns = mockClient(SNSClient);
  // The run ledger under fake timers: every run is a first claim with no earlier nights.
  const dynamodb = mockClient(DynamoDBClient);
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  // The export's verification (when the workflow has it) lists the job's folder: empty here, as
  // the simulated jobs report no records; the manifest write succeeds. Never real S3.
  const s3 = mockClient(S3Client);
  s3.on(ListObjectsV2Command).resolves({ Contents: [], KeyCount: 0, IsTruncated: false });
  s3.on(PutObjectCommand).resolves({});
  const handlers = await loadHandlers();
  const applicationId = 'a'.repeat(32);
  const runs: EngineRun[] = [];
  try {
    for (const job of jobs) {
      // shouldClearNativeTimers: middy arms its timeout-early timer with the setTimeout
      // it captured at load (native) and clears it through the faked global.
      const clock = install({
        now: RUN_START_MS,
        toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
        shouldClearNativeTimers: true,
      });
      try {
        let createdMs = 0;
        let seenEndAtMs: number | null = null;
        const view = () => {
          const now = Date.now();
          const progress = jobProgressAt(job.plan, now - createdMs);
          return {
            Id: job.id,
            ApplicationId: applicationId,
            Type: 'EXPORT',
            JobStatus: progress.status,
            CreationDate: new Date(createdMs).toISOString(),
            Definition: {
              RoleArn: SAMPLE_ENV.DEFAULT_ROLE_ARN,
              S3UrlPrefix: `s3://bench-exports/pinpoint/${applicationId}/`,
            },
            TotalPieces: progress.totalPieces,
            CompletedPieces: progress.completedPieces,
            FailedPieces: progress.failedPieces,
            ...(progress.terminal && progress.terminalAtMs !== null
              ? { CompletionDate: new Date(createdMs + progress.terminalAtMs).toISOString() }
              : {}),
          };
        };
        pinpoint.reset();
        sns.reset();
        pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
        pinpoint.on(CreateExportJobCommand).callsFake(async () => {
          createdMs = Date.now();
          return { ExportJobResponse: view() };
        });
        pinpoint.on(GetExportJobCommand).callsFake(async () => ({ ExportJobResponse: view() }));
        sns.on(PublishCommand).resolves({ MessageId: 'bench' });
        const execution = startExecution(
          { ApplicationId: applicationId, ScheduledTime: new Date(RUN_START_MS).toISOString() },
          {
            handlers,
            name: job.id,
            onTaskResult: (state, result) => {
              if (state !== 'GetExportJobStatus') return;
              const status = (result as { job?: { JobStatus?: string } }).job?.JobStatus;
              if (seenEndAtMs === null && (status === 'COMPLETED' || status === 'FAILED'))
                seenEndAtMs = Date.now();
            },
          },
        );
        let settled = false;
        const done = execution.result.finally(() => {
          settled = true;
        });
        while (!settled) await clock.tickAsync(60_000);
        const result = await done;
        const entered = result.events.filter((e: EventLog) => e.type === 'StateEntered').length;
        runs.push({
          jobId: job.id,
          checks: execution.stats.GetExportJobStatus.invocations,
          transitions: entered,
          delaySeconds:
            seenEndAtMs === null
              ? null
              : ((seenEndAtMs as number) - (createdMs + job.durationSeconds * 1000)) / 1000,
          status: result.status,
          ...(result.error ? { error: `${result.error}: ${String(result.cause).slice(0, 500)}` } : {}),
        });
      } finally {
        clock.uninstall();
      }
    }
  } finally {
    pinpoint.restore();
    sns.restore();
    dynamodb.restore();
    s3.restore();
  }
  return runs;
}
