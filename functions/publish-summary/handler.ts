import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadPublishSummaryConfig, loadSdkClientConfig } from '../shared/config.ts';
import { createLogger, lambdaHandler } from '../shared/lambda.ts';
import type { PublishSummaryEvent, PublishSummaryResult } from '../shared/types.ts';
import { publishSummary } from './publish-summary.ts';

const config = loadPublishSummaryConfig();
const logger = createLogger('publish-summary');
const sdk = loadSdkClientConfig();
const pinpoint = new PinpointClient({ ...sdk });
// A Publish that outlasts the request timeout may still be delivered: retrying it would send a
// second summary. Wait for its answer instead (the function's own timeout still bounds the call),
// and leave retries to the state machine (maxAttempts 1), which retries only errors with an answer
// or no connection at all, so a message SNS accepted is not sent again by a hidden SDK retry.
const sns = new SNSClient({
  ...sdk,
  maxAttempts: 1,
  requestHandler: { ...sdk.requestHandler, throwOnRequestTimeout: false },
});

export const handler = lambdaHandler<PublishSummaryEvent, PublishSummaryResult>(
  logger,
  (event) => publishSummary(event, { pinpoint, sns, config, logger }),
  { functionName: 'publish-summary' },
);
