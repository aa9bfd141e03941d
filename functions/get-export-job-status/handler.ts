import type { GetExportJobStatusEvent, RunState } from '../../core/types.ts';
import { loadGetExportJobStatusConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { getExportJobStatus } from './get-export-job-status.ts';

const config = loadGetExportJobStatusConfig();
const logger = createLogger('get-export-job-status');
const sdk = loadSdkClientConfig();
// The export sources' clients, made by each source's runtime on first use (sources/runtimes.ts).
const clients: Record<string, unknown> = {};

export const handler = lambdaHandler<GetExportJobStatusEvent, RunState>(
  logger,
  (event) => getExportJobStatus(event, { clients, sdk, config, logger, now: () => new Date() }),
  { functionName: 'get-export-job-status' },
);
