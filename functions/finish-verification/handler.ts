import { S3Client } from '@aws-sdk/client-s3';
import type { VerificationResult } from '../../core/types.ts';
import { sourceOf } from '../../sources/ids.ts';
import { loadFinishVerificationConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { nothingToVerify, verificationTargetOf } from '../shared/verification/target.ts';
import { type FinishVerificationEvent, finishVerification } from './finish-verification.ts';

const config = loadFinishVerificationConfig();
const logger = createLogger('finish-verification');
const sdk = loadSdkClientConfig();
const s3 = new S3Client({ ...sdk, forcePathStyle: config.s3ForcePathStyle });

export const handler = lambdaHandler<FinishVerificationEvent, VerificationResult>(
  logger,
  (event) => {
    logger.appendKeys({
      executionName: event.execution.Name,
      source: sourceOf(event.request),
      jobId: event.job.Id,
    });
    const target = verificationTargetOf(event);
    if (!target) return Promise.resolve(nothingToVerify(event));
    return finishVerification(target, event.verification, { s3, logger, now: Date.now });
  },
  { functionName: 'finish-verification' },
);
