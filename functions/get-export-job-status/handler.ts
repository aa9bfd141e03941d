import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { loadGetExportJobStatusConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import type { GetExportJobStatusEvent, RunState } from '../shared/types.ts';
import { getExportJobStatus } from './get-export-job-status.ts';

const config = loadGetExportJobStatusConfig();
const logger = createLogger('get-export-job-status');
const sdk = loadSdkClientConfig();
const pinpoint = new PinpointClient({ ...sdk });

export const handler = lambdaHandler<GetExportJobStatusEvent, RunState>(
  logger,
  (event) => getExportJobStatus(event, { pinpoint, config, logger, now: () => new Date() }),
  { functionName: 'get-export-job-status' },
);
