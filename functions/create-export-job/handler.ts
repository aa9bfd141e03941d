import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CreateExportJobEvent, RunState } from '../../core/types.ts';
import { rawInputFacts } from '../../sources/input.ts';
import { loadCreateExportJobConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { RunLedger } from '../shared/run-ledger.ts';
import { createExportJob } from './create-export-job.ts';

const config = loadCreateExportJobConfig();
const logger = createLogger('create-export-job');
const sdk = loadSdkClientConfig();
const ledger = new RunLedger(new DynamoDBClient({ ...sdk }), config.ledger);
// The export sources' clients, made by each source's runtime on first use (sources/runtimes.ts).
const clients: Record<string, unknown> = {};

export const handler = lambdaHandler<CreateExportJobEvent, RunState>(
  logger,
  (event) => createExportJob(event, { clients, sdk, ledger, config, logger, now: () => new Date() }),
  { functionName: 'create-export-job', inputFacts: (event) => rawInputFacts(event?.Input) },
);
