import { S3Client } from '@aws-sdk/client-s3';
import type { RunState } from '../../core/types.ts';
import { sourceOf } from '../../sources/ids.ts';
import { loadSdkClientConfig, loadVerifyExportConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { verificationTargetOf } from '../shared/verification/target.ts';
import { nothingToPlan, planVerification, type VerificationWork } from './verify-export.ts';

const config = loadVerifyExportConfig();
const logger = createLogger('verify-export');
const sdk = loadSdkClientConfig();
const s3 = new S3Client({ ...sdk, forcePathStyle: config.s3ForcePathStyle });
const settings = { batchBytes: config.batchBytes, concurrency: config.concurrency };

export const handler = lambdaHandler<RunState, VerificationWork>(
  logger,
  (event) => {
    logger.appendKeys({
      executionName: event.execution.Name,
      source: sourceOf(event.request),
      jobId: event.job.Id,
    });
    const target = verificationTargetOf(event);
    if (!target) return Promise.resolve(nothingToPlan(event, settings));
    return planVerification(target, { s3, logger, now: Date.now, settings });
  },
  { functionName: 'verify-export' },
);
