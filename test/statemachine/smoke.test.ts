import { CreateExportJobCommand, GetExportJobCommand, GetExportJobsCommand, PinpointClient } from '@aws-sdk/client-pinpoint';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, expect, it, vi } from 'vitest';
import { loadHandlers, startExecution } from '../../local/workflow.ts';

const pinpoint = mockClient(PinpointClient);
const sns = mockClient(SNSClient);

beforeAll(() => {
  vi.stubEnv('SUMMARY_TOPIC_ARN', 'arn:aws:sns:us-east-1:000000000000:t');
  vi.stubEnv('DEFAULT_ROLE_ARN', 'arn:aws:iam::123456789012:role/export');
  vi.stubEnv('DEFAULT_S3_URL_PREFIX', 's3://bucket-a/p/{ApplicationId}/{date}/');
});

it('smoke', async () => {
  const job = { Id: 'j1', ApplicationId: 'a'.repeat(32), JobStatus: 'CREATED', CreationDate: new Date().toISOString(), Definition: {}, Type: 'EXPORT' };
  pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
  pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: job as never });
  pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: { ...job, JobStatus: 'COMPLETED', TotalProcessed: 5 } as never });
  sns.on(PublishCommand).resolves({ MessageId: 'm1' });
  const handlers = await loadHandlers();
  const run = startExecution({ ApplicationId: 'a'.repeat(32), ScheduledTime: '2026-11-28T02:00:00Z' }, { handlers, waitTimeOverrides: { WaitForExportJob: 0 } });
  const result = await run.result;
  console.log(JSON.stringify(result.output, null, 1), result.error, result.cause, result.events.length);
  console.log(sns.commandCalls(PublishCommand)[0]?.args[0].input);
  expect(result.status).toBe('SUCCEEDED');
});
