import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionArnFor } from '../../cli/naming.ts';
import {
  APP_ID,
  HistoryBuilder,
  harness,
  playExecution,
  runState,
  START,
  STATE_MACHINE_ARN,
} from './harness.ts';

/*
 * Every text outcome that is not COMPLETED says why, in the summary's words:
 * the headline (the Fail state's cause) and the advice publish-summary gives,
 * rebuilt from PublishSummary's input in the history by publish-summary's own code.
 */

const sfn = mockClient(SFNClient);
mockClient(CloudFormationClient);
const NAME = 'manual-20261128T153000Z-all-k3f9';
const ARN = executionArnFor(STATE_MACHINE_ARN, NAME);

beforeEach(() => sfn.reset());

const notFound = {
  Error: 'PinpointRequestRejectedError',
  Cause: JSON.stringify({
    errorType: 'PinpointRequestRejectedError',
    errorMessage: 'Pinpoint rejected CreateExportJob (NotFoundException, HTTP 404): Application not found',
  }),
};

/** An execution that ends in ERROR because Pinpoint refused the create. */
function errorRun(published: boolean) {
  const h = new HistoryBuilder();
  const run = { Input: { ApplicationId: APP_ID }, error: notFound };
  const headline = `The Pinpoint export of all endpoints of ${APP_ID} did not run: Application not found`;
  const events = [
    h.started({ ApplicationId: APP_ID }),
    ...h.lambdaFailed('CreateExportJob', notFound.Error, notFound.Cause),
  ];
  if (published) {
    const result = {
      status: 'ERROR',
      messageId: 'm-1',
      subject: '[prod] Pinpoint export ERROR',
      failure: { error: 'ExportWorkflowError', cause: headline },
    };
    events.push(
      ...h.task('PublishSummary', { ...run, summary: result }, run),
      h.failed('ExportWorkflowError', headline),
    );
    return {
      headline,
      frames: [
        {
          events,
          describe: {
            status: 'FAILED' as const,
            stopDate: h.now,
            error: 'ExportWorkflowError',
            cause: headline,
          },
        },
      ],
    };
  }
  const snsCause = JSON.stringify({
    errorType: 'SnsPublishRejectedError',
    errorMessage: 'SNS Publish failed (NotFoundException): Topic does not exist',
  });
  events.push(...h.lambdaFailed('PublishSummary', 'SnsPublishRejectedError', snsCause));
  // The history's TaskStateEntered of PublishSummary carries the run's state.
  const entered = events.at(-2)!;
  entered.stateEnteredEventDetails = { name: 'PublishSummary', input: JSON.stringify(run) };
  events.push(h.failed('SnsPublishRejectedError', snsCause));
  return {
    headline,
    frames: [
      {
        events,
        describe: {
          status: 'FAILED' as const,
          stopDate: h.now,
          error: 'SnsPublishRejectedError',
          cause: snsCause,
        },
      },
    ],
  };
}

describe('reasons in the text output', () => {
  it('status of an ERROR run prints the headline and what to do', async () => {
    const { frames, headline } = errorRun(true);
    playExecution(sfn, ARN, frames);
    const cli = harness();

    const code = await cli.run(['status', ARN]);

    expect(code).toBe(1);
    const out = cli.stdout();
    expect(out).toContain(`headline    ${headline}`);
    expect(out).toMatch(/what to do {2}\S.{20,}/);
  });

  it('start --wait of an ERROR run prints the headline and what to do', async () => {
    const { frames, headline } = errorRun(true);
    playExecution(sfn, ARN, frames);
    sfn.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: START });
    const cli = harness();

    const code = await cli.run([
      '--application-id',
      APP_ID,
      '--state-machine-arn',
      STATE_MACHINE_ARN,
      '--wait',
    ]);

    expect(code).toBe(1);
    expect(cli.stdout()).toContain(headline);
    expect(cli.stdout()).toMatch(
      /CreateExportJob error +PinpointRequestRejectedError: Pinpoint rejected CreateExportJob \(NotFoundException, HTTP 404\): Application not found/,
    );
    expect(cli.stdout()).not.toContain('errorType');
    expect(cli.stdout()).toMatch(/what to do {2}\S/);
  });

  it('says no summary was published, and why, when PublishSummary failed', async () => {
    const { frames } = errorRun(false);
    playExecution(sfn, ARN, frames);
    const cli = harness();

    const code = await cli.run(['status', ARN]);

    expect(code).toBe(1);
    expect(cli.stdout()).toMatch(
      /summary +no summary was published \(SnsPublishRejectedError: SNS Publish failed \(NotFoundException\): Topic does not exist\)/,
    );
    // What went wrong before it, from the run's state.
    expect(cli.stdout()).toMatch(/headline +The Pinpoint export of .* did not run/);
  });

  it('keeps a COMPLETED report free of failure rows', async () => {
    const h = new HistoryBuilder();
    const done = runState(ARN, {
      JobStatus: 'COMPLETED',
      TotalPieces: 1,
      CompletedPieces: 1,
      TotalProcessed: 5,
    });
    const published = {
      ...done,
      summary: { status: 'COMPLETED', messageId: 'm', subject: 'ok', failure: null },
    };
    playExecution(sfn, ARN, [
      {
        events: [
          h.started({ ApplicationId: APP_ID }),
          ...h.task('PublishSummary', published, done),
          h.succeeded(published),
        ],
        describe: { status: 'SUCCEEDED', stopDate: h.now, output: JSON.stringify(published) },
      },
    ]);
    const cli = harness();

    expect(await cli.run(['status', ARN])).toBe(0);
    expect(cli.stdout()).not.toMatch(/headline|what to do/);
  });
});
