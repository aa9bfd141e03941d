import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { loadCreateExportJobConfig, loadSdkClientConfig } from '../shared/config.ts';
import { rawInputFacts } from '../shared/input.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { RunLedger } from '../shared/run-ledger.ts';
import type { CreateExportJobEvent, RunState } from '../shared/types.ts';
import { createExportJob } from './create-export-job.ts';

const config = loadCreateExportJobConfig();
const logger = createLogger('create-export-job');
const sdk = loadSdkClientConfig();
const pinpoint = new PinpointClient({ ...sdk });
// A create that outlasts the request timeout may still be carried out: abandoning it and
// retrying can leave a second, orphaned job. Wait for its answer (the function's own timeout
// still bounds the call); only the idempotent look-up and status reads fail fast.
const pinpointCreate = new PinpointClient({
  ...sdk,
  requestHandler: { ...sdk.requestHandler, throwOnRequestTimeout: false },
  maxAttempts: 1,
});
const ledger = new RunLedger(new DynamoDBClient({ ...sdk }), config.ledger);

export const handler = lambdaHandler<CreateExportJobEvent, RunState>(
  logger,
  (event) =>
    createExportJob(event, { pinpoint, pinpointCreate, ledger, config, logger, now: () => new Date() }),
  { functionName: 'create-export-job', inputFacts: (event) => rawInputFacts(event?.Input) },
);
