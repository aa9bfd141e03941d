import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { VerificationResult } from '../../core/types.ts';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import type { BatchCount, VerificationWork } from '../../functions/shared/verification/batch.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';

/*
 * The verification's three cores in one process, in the workflow's order (VerifyExport,
 * each batch of CountExportBatches, FinishVerification) without the engine: the unit tests'
 * way through the whole verification, and the bench's one worker. The workflow itself runs
 * them through statemachine/export-workflow.asl.json (dev/local/workflow.ts).
 */

export interface VerifyInProcessOptions {
  s3: S3Client;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
  /** Stored bytes per batch; default 2 GiB. */
  batchBytes?: number;
  /** Each batch's counting budget, ms; default a minute. */
  budgetMs?: number;
  /** Files each batch counts at once; default 1. */
  streams?: number;
}

const QUIET = { info: () => undefined, warn: () => undefined };

/** Plans, counts every batch one after another, merges and writes the manifest; the result and the plan. */
export async function verifyInProcess(
  target: VerificationTarget,
  options: VerifyInProcessOptions,
): Promise<{ result: VerificationResult; work: VerificationWork; counts: BatchCount[] }> {
  const { s3 } = options;
  const logger = options.logger ?? QUIET;
  const now = options.now ?? Date.now;
  const work = await planVerification(target, {
    s3,
    logger,
    now,
    settings: { batchBytes: options.batchBytes ?? 2 * 1024 ** 3, concurrency: 1 },
  });
  const counts: BatchCount[] = [];
  for (const batch of work.plan) {
    counts.push(
      await countExportBatch(
        { batch, scope: work.scope },
        { s3, logger, now, deadline: now() + (options.budgetMs ?? 60_000), streams: options.streams ?? 1 },
      ),
    );
  }
  const result = await finishVerification(target, { ...work, counts }, { s3, logger, now });
  return { result, work, counts };
}
