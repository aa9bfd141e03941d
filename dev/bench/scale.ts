import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientEnvOf, DEFAULT_APPLICATION_ID, DEFAULT_TOPIC_ARN, startEmulator } from '../emulator/index.ts';
import type { LambdaHandler } from '../local/lambda-binding.ts';
import { bindHandlers, loadHandlers, startExecution, type WorkflowResult } from '../local/workflow.ts';

/*
 * `npm run bench -- --scale`: N targets fire in the same minute. Every one runs
 * the deployed ASL on the local engine with the real handlers, the run ledger
 * (the emulator's DynamoDB) and the emulator's Pinpoint and SNS, with the ASL's
 * own Retry schedule (intervals, backoff, caps, full jitter) compressed in time
 * by SCALE_TIME, and creates that take 0.3-1.5 s (compressed alike). Some
 * targets are also delivered twice at once (EventBridge Scheduler's
 * at-least-once delivery).
 *
 * The same population runs twice in one bench: with the design as deployed (no
 * reserved concurrency; duplicates converge on the ledger claim) and with the
 * previous design's reserved concurrency of 1 on create-export-job, the baseline.
 */

/** Time compression of the Retry schedule and of the creates' duration. */
export const SCALE_TIME = 1 / 20;

export interface ScaleOptions {
  targets: number;
  /** Targets delivered twice, at the same moment. */
  duplicatePairs: number;
  /** Reserved concurrency of create-export-job: undefined as deployed, 1 for the previous design. */
  reservedCreates?: number;
}

export interface ScaleResult {
  design: string;
  targets: number;
  duplicatePairs: number;
  executions: number;
  succeeded: number;
  /** Targets with exactly one export job. */
  targetsWithOneJob: number;
  /** Export jobs beyond one per target. */
  duplicateJobs: number;
  /** Targets that ended with no export job. */
  targetsWithoutJob: number;
  lambdaThrottles: number;
  /** Task retries the engine made for CreateExportJob, all executions. */
  createRetries: number;
  /** Executions whose CreateExportJob failed after its retries (ERROR summary, no export). */
  retriesExhausted: number;
  /** The errors those executions ended on, with how many of each. */
  exhaustedErrors: Record<string, number>;
  /** From the first start to the last job created, wall seconds on this machine (Retry timing compressed by SCALE_TIME). */
  lastCreateSeconds: number;
  wallSeconds: number;
}

const sleepBetween = (minMs: number, maxMs: number) => sleep(minMs + Math.random() * (maxMs - minMs));

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const emulator = await startEmulator({
    port: 0,
    dataDir,
    dataset: { endpoints: 20 },
    job: { durationSeconds: 0.3, pieces: 1 },
  });
  const env: Record<string, string> = {
    ...clientEnvOf(emulator),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    STAGE: 'bench',
    SUMMARY_TOPIC_ARN: DEFAULT_TOPIC_ARN,
    DEFAULT_ROLE_ARN: 'arn:aws:iam::000000000000:role/pinpoint-export-bench',
    POLL_MIN_WAIT_SECONDS: '1',
    POLL_MAX_WAIT_SECONDS: '2',
    RUN_DEADLINE_SECONDS: '600',
    AWS_SDK_REQUEST_TIMEOUT_MS: '20000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const started = performance.now();
  try {
    const handlers = await loadHandlers();
    const create = handlers.CreateExportJob;
    // A create invocation takes 0.3-1.5 s in AWS (cold starts, Pinpoint's answer): compressed alike.
    const slowCreate: LambdaHandler = async (event, context) => {
      await sleepBetween(300 * SCALE_TIME, 1500 * SCALE_TIME);
      return create(event, context);
    };
    const shared = bindHandlers({
      handlers: { ...handlers, CreateExportJob: slowCreate },
      reservedConcurrency:
        options.reservedCreates === undefined ? {} : { CreateExportJob: options.reservedCreates },
    });
    const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const startedAt = Date.now();
    const runs: { target: number; result: Promise<WorkflowResult> }[] = [];
    for (let target = 0; target < options.targets; target++) {
      const input = {
        ApplicationId: DEFAULT_APPLICATION_ID,
        ExportJobRequest: { S3UrlPrefix: `s3://bench-exports/scale/target-${target}/{date}/` },
        ScheduledTime: scheduledTime,
        Target: `target-${target}`,
      };
      const copies = target < options.duplicatePairs ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const execution = startExecution(
          input,
          {
            handlers,
            name: `scale-${target}-${copy}`,
            waitTimeOverrides: { WaitForExportJob: 100 },
            retryTimeScale: SCALE_TIME,
          },
          shared,
        );
        runs.push({ target, result: execution.result });
      }
    }
    const results = await Promise.all(runs.map((r) => r.result));

    const jobsByPrefix = new Map<string, number>();
    for (const job of emulator.state.jobs) {
      const target = /target-(\d+)\//.exec(job.definition.S3UrlPrefix)?.[1];
      if (target !== undefined) jobsByPrefix.set(target, (jobsByPrefix.get(target) ?? 0) + 1);
    }
    const counts = Array.from({ length: options.targets }, (_, i) => jobsByPrefix.get(String(i)) ?? 0);
    const createdTimes = emulator.state.jobs.map((job) => job.createdAtMs);
    const stateOf = (e: unknown) => (e as { state?: { name?: string } }).state?.name;
    const retriesOf = (r: WorkflowResult) =>
      r.events.filter((e) => e.type === 'StateRetried' && stateOf(e) === 'CreateExportJob').length;
    const createFailed = (r: WorkflowResult) =>
      r.events.some((e) => e.type === 'StateCaught' && stateOf(e) === 'CreateExportJob');
    return {
      design:
        options.reservedCreates === undefined
          ? 'run ledger (as deployed)'
          : `reserved concurrency ${options.reservedCreates} (previous design)`,
      targets: options.targets,
      duplicatePairs: options.duplicatePairs,
      executions: results.length,
      succeeded: results.filter((r) => r.status === 'SUCCEEDED').length,
      targetsWithOneJob: counts.filter((c) => c === 1).length,
      duplicateJobs: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
      targetsWithoutJob: counts.filter((c) => c === 0).length,
      lambdaThrottles: shared.stats.CreateExportJob.throttles,
      createRetries: results.reduce((sum, r) => sum + retriesOf(r), 0),
      retriesExhausted: results.filter(createFailed).length,
      exhaustedErrors: countErrors(results.filter(createFailed)),
      lastCreateSeconds: createdTimes.length === 0 ? 0 : (Math.max(...createdTimes) - startedAt) / 1000,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The error each execution's CreateExportJob was caught with (the StateFailed before its StateCaught). */
function countErrors(results: WorkflowResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const failed = r.events.filter(
      (e) =>
        e.type === 'StateFailed' && (e as { state?: { name?: string } }).state?.name === 'CreateExportJob',
    );
    const last = failed[failed.length - 1] as { Error?: string; error?: string } | undefined;
    const name = last?.Error ?? last?.error ?? 'unknown';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
