import { S3Client } from '@aws-sdk/client-s3';
import { loadCountExportBatchConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import type { BatchCount, CountBatchEvent } from '../shared/verification/batch.ts';
import { countExportBatch } from './count-export-batch.ts';

const config = loadCountExportBatchConfig();
const logger = createLogger('count-export-batch');
const sdk = loadSdkClientConfig();
const s3 = new S3Client({ ...sdk, forcePathStyle: config.s3ForcePathStyle });

export const handler = lambdaHandler<CountBatchEvent, BatchCount>(
  logger,
  (event, context) => {
    logger.appendKeys({ batch: event.batch.index, source: event.scope.source });
    // Counting stops while the reserve is still left of the function's time: the answer must go out.
    const remaining = context.getRemainingTimeInMillis() - config.reserveSeconds * 1000;
    const budget = Math.min(remaining, (config.budgetSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    return countExportBatch(event, {
      s3,
      logger,
      now: Date.now,
      deadline: Date.now() + Math.max(0, budget),
      streams: config.streams,
    });
  },
  { functionName: 'count-export-batch' },
);
