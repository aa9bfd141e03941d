import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { PublishSummaryEvent, PublishSummaryResult } from '../../core/types.ts';
import { loadPublishSummaryConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import { RunLedger } from '../shared/run-ledger.ts';
import { publishSummary } from './publish-summary.ts';

const config = loadPublishSummaryConfig();
const logger = createLogger('publish-summary');
const sdk = loadSdkClientConfig();
// The export sources' clients (Pinpoint's, for its Failures), made on first use (sources/final-reads.ts).
const clients: Record<string, unknown> = {};
// A Publish that outlasts the request timeout may still be delivered: retrying it would send a
// second summary. Wait for its answer instead (the function's own timeout still bounds the call),
// and leave retries to the state machine (maxAttempts 1), which retries only errors with an answer
// or no connection at all, so a message SNS accepted is not sent again by a hidden SDK retry.
const sns = new SNSClient({
  ...sdk,
  maxAttempts: 1,
  requestHandler: { ...sdk.requestHandler, throwOnRequestTimeout: false },
});

// Only recordOutcome and previousCompleted are called here, never a claim.
const ledger = new RunLedger(new DynamoDBClient({ ...sdk }), { tableName: config.ledgerTableName });

// Embedded Metric Format: CloudWatch extracts the metrics from the function's log lines.
const metrics = new Metrics({
  namespace: config.metricsNamespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'scheduled-exports',
});

export const handler = lambdaHandler<PublishSummaryEvent, PublishSummaryResult>(
  logger,
  (event) => publishSummary(event, { clients, sdk, sns, metrics, ledger, config, logger }),
  { functionName: 'publish-summary' },
);
