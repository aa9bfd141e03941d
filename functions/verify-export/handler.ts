import { S3Client } from '@aws-sdk/client-s3';
import { loadSdkClientConfig, loadVerifyExportConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { type RunState, sourceOf, type VerificationResult } from '../shared/types.ts';
import { verificationTargetOf } from './sources.ts';
import { nothingToVerify, verifyExport } from './verify-export.ts';

const config = loadVerifyExportConfig();
const logger = createLogger('verify-export');
const sdk = loadSdkClientConfig();
const s3 = new S3Client({ ...sdk, forcePathStyle: config.s3ForcePathStyle });

export const handler = lambdaHandler<RunState, VerificationResult>(
  logger,
  (event, context) => {
    logger.appendKeys({
      executionName: event.execution.Name,
      source: sourceOf(event.request),
      jobId: event.job.Id,
    });
    const target = verificationTargetOf(event);
    if (!target) return Promise.resolve(nothingToVerify(event));
    const now = Date.now();
    // Counting stops while the reserve is still left of the function's time: the manifest and the answer need it.
    const remaining = context.getRemainingTimeInMillis() - config.reserveSeconds * 1000;
    const budget = Math.min(remaining, (config.budgetSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    return verifyExport(target, {
      s3,
      logger,
      now: Date.now,
      deadline: now + Math.max(0, budget),
    });
  },
  { functionName: 'verify-export' },
);
