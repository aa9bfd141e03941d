import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEGMENT_ID } from '../emulator/index.ts';
import { type LocalRunOptions, type ProgressEvent, runLocal } from './run.ts';
import { FAULT_NAMES, faultHelp, faultRules } from './scenarios.ts';

/*
 * `npm start`: one complete export, locally, in seconds. See `npm start -- --help`.
 */

const HELP = `Usage: npm start -- [options]

Runs the whole export workflow locally, without an AWS account: the deployed
ASL file (statemachine/export-workflow.asl.json) in a local Step Functions
engine, the three real Lambda handlers in-process, and their real AWS SDK
clients talking HTTP to a local Pinpoint + SNS emulator. Waits are compressed
(1-2 s between status checks) so a run takes seconds. Prints the job's status
changes and progress, then the summary subscribers would receive and where the
exported files and the SNS message landed.

Scenario options:
  --endpoints N          endpoints in the synthetic dataset (default 2000)
  --malformed-every N    every Nth endpoint is malformed and counted as a failure (default 0: none)
  --job-duration S       how long the export job runs, seconds (default 6)
  --segment-id ID        export one segment; the emulator seeds "active-users" of the default
                         application as ${DEFAULT_SEGMENT_ID} (versions 1-3)
  --segment-version N    segment version (with --segment-id)
  --application-id ID    Pinpoint application (default: the emulator's seeded application)
  --s3-url-prefix URL    S3 prefix template (default s3://local-exports/pinpoint/{ApplicationId}/{SegmentId}/{date}/)
  --fault NAME           inject a fault; repeatable:
${faultHelp('                           ')}
  --deadline S           give up waiting after S seconds and report TIMED_OUT (default 120)
  --data-dir DIR         folder standing for S3 and SNS (default .local/emulator)
  --logs                 show the handlers' structured logs (INFO) as well
  --json                 print the result as JSON only
  -h, --help             show this help

Exit status: 0 when the export COMPLETED, 1 otherwise, 2 for bad options.

When AWS_ENDPOINT_URL_PINPOINT and AWS_ENDPOINT_URL_SNS are both set (a running
\`npm run emulator\`, LocalStack, ...), the run uses them instead of starting
its own emulator; set SUMMARY_TOPIC_ARN to the topic to publish to.

Examples:
  npm start
  npm start -- --endpoints 50000 --malformed-every 97 --job-duration 10
  npm start -- --segment-id ${DEFAULT_SEGMENT_ID} --segment-version 2
  npm start -- --fault throttle-create --fault fail-job
`;

class UsageError extends Error {}

function positive(name: string, raw: string | undefined, allowZero = false): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(
      `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`,
    );
  }
  return value;
}

export function parseStartArgs(argv: string[]): { options: LocalRunOptions; json: boolean; help: boolean } {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        endpoints: { type: 'string' },
        'malformed-every': { type: 'string' },
        'job-duration': { type: 'string' },
        'segment-id': { type: 'string' },
        'segment-version': { type: 'string' },
        'application-id': { type: 'string' },
        's3-url-prefix': { type: 'string' },
        fault: { type: 'string', multiple: true },
        deadline: { type: 'string' },
        'data-dir': { type: 'string' },
        logs: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const faults = faultRules(v.fault ?? []);
  if (!faults) {
    const unknown = (v.fault ?? []).find((name) => !FAULT_NAMES.includes(name));
    throw new UsageError(`--fault "${unknown}" is unknown; known: ${FAULT_NAMES.join(', ')}`);
  }
  const segmentVersion = positive('segment-version', v['segment-version']);
  const options: LocalRunOptions = {
    ...(v.endpoints === undefined ? {} : { endpoints: positive('endpoints', v.endpoints) }),
    ...(v['malformed-every'] === undefined
      ? {}
      : { malformedEvery: positive('malformed-every', v['malformed-every'], true) }),
    ...(v['job-duration'] === undefined
      ? {}
      : { jobDurationSeconds: positive('job-duration', v['job-duration']) }),
    ...(v['segment-id'] === undefined ? {} : { segmentId: v['segment-id'] }),
    ...(segmentVersion === undefined ? {} : { segmentVersion }),
    ...(v['application-id'] === undefined ? {} : { applicationId: v['application-id'] }),
    ...(v['s3-url-prefix'] === undefined ? {} : { s3UrlPrefix: v['s3-url-prefix'] }),
    ...(v.deadline === undefined ? {} : { deadlineSeconds: positive('deadline', v.deadline) }),
    ...(v['data-dir'] === undefined ? {} : { dataDir: v['data-dir'] }),
    ...(v.logs ? { logLevel: 'INFO' } : {}),
    faults,
  };
  return { options, json: Boolean(v.json), help: Boolean(v.help) };
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1).padStart(5)}s`;
}

function n(value: number | undefined): string {
  return value === undefined ? '?' : value.toLocaleString('en-US');
}

export function progressPrinter(write: (line: string) => void) {
  const since = Date.now();
  return (event: ProgressEvent) => {
    const at = elapsed(since);
    switch (event.type) {
      case 'emulator':
        write(
          event.external
            ? `${at}  using Pinpoint/SNS at ${event.url} (from AWS_ENDPOINT_URL_*)`
            : `${at}  local Pinpoint + SNS emulator on ${event.url}`,
        );
        break;
      case 'started':
        write(`${at}  execution ${event.executionName} started with input ${JSON.stringify(event.input)}`);
        break;
      case 'job': {
        const { job, request } = event.state;
        write(
          `${at}  ${event.created ? 'created' : 'reused'} export job ${job.Id} -> ${request.ExportJobRequest.S3UrlPrefix}`,
        );
        break;
      }
      case 'status': {
        const { job, poll } = event.state;
        const pieces = job.TotalPieces ? ` ${n(job.CompletedPieces)}/${n(job.TotalPieces)} pieces,` : '';
        const terminal = job.JobStatus === 'COMPLETED' || job.JobStatus === 'FAILED';
        const next = terminal
          ? 'done'
          : poll.deadlinePassed
            ? 'deadline passed'
            : `next check in ${poll.waitSeconds} s`;
        write(
          `${at}  ${event.changed ? '*' : ' '} ${job.JobStatus.padEnd(28)}${pieces} ${n(job.TotalProcessed ?? 0)} endpoints processed (check ${poll.checks}; ${next})`,
        );
        break;
      }
      case 'retry':
        write(`${at}  ${event.stateName} failed with ${event.error}; retrying (attempt ${event.attempt})`);
        break;
      case 'caught':
        write(`${at}  ${event.stateName} failed with ${event.error}; going to PublishSummary`);
        break;
      case 'published':
        write(`${at}  summary published to SNS: ${event.subject}`);
        break;
    }
  };
}

/** Where output goes (process.stdout in use, a buffer in tests). */
export interface Writer {
  write(text: string): unknown;
}

export async function main(
  argv: string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): Promise<number> {
  let args: ReturnType<typeof parseStartArgs>;
  try {
    args = parseStartArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`npm start: ${error.message}\nRun npm start -- --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    out.write(HELP);
    return 0;
  }
  const write = (line: string) => out.write(`${line}\n`);
  const result = await runLocal({
    ...args.options,
    ...(args.json ? {} : { onProgress: progressPrinter(write) }),
  });
  const completed = result.status === 'SUCCEEDED' && result.summary?.status === 'COMPLETED';
  if (args.json) {
    const { events, ...rest } = result;
    out.write(`${JSON.stringify({ ...rest, historyEvents: events.length }, null, 2)}\n`);
    return completed ? 0 : 1;
  }
  write('');
  write(`Execution ${result.executionName}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
  write(`--- summary (as an email subscriber reads it) ${'-'.repeat(30)}`);
  write(result.emailText ?? '(no summary could be read back)');
  write('-'.repeat(76));
  if (result.messageFile)
    write(`SNS message (full JSON summary): ${relative(process.cwd(), result.messageFile)}`);
  if (result.exportFiles.length > 0) {
    const shown = result.exportFiles.slice(0, 3).map((f) => relative(process.cwd(), f));
    write(
      `Exported files (${result.exportFiles.length}, gzipped NDJSON): ${shown.join(', ')}${result.exportFiles.length > 3 ? ', ...' : ''}`,
    );
  }
  write(
    `Lambda invocations: create ${result.invocations.CreateExportJob}, status ${result.invocations.GetExportJobStatus}, publish ${result.invocations.PublishSummary}; ${result.events.length} engine events; ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  return completed ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`npm start failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
