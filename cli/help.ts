import { FUNCTION_KEYS } from '../core/functions.ts';
import { FAILURE_OUTCOMES, OUTCOMES } from '../core/outcome.ts';
import { faultHelp } from '../dev/local/index.ts';
import { segmentIdFor } from '../sources/pinpoint/emulator-dataset.ts';
import { PINPOINT_DEFAULTS } from '../sources/pinpoint/settings.ts';
import type { CommandName } from './args.ts';
import { NUMERIC_OPTIONS } from './options.ts';

/** An example segment id: Pinpoint's segment ids are generated 32-hex-character ids, not names. */
const SEGMENT_EXAMPLE = 'cc3bff0cbbb85f128fa2c4596f7aa312';

/** The emulator's seeded application (dev/emulator/index.ts DEFAULT_APPLICATION_ID; a test holds them equal). */
export const LOCAL_APPLICATION = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
/** The emulator's seeded "active-users" segment (dev/emulator/index.ts DEFAULT_SEGMENT_ID). */
export const LOCAL_SEGMENT = segmentIdFor(LOCAL_APPLICATION, 'active-users');

const range = (name: keyof typeof NUMERIC_OPTIONS) =>
  `${NUMERIC_OPTIONS[name].min}–${NUMERIC_OPTIONS[name].max.toLocaleString('en-US')}`;

/* --help text of each command: what it does, its options, an example. */

/** The outcomes that are not a success, as a sentence's list. */
const FAILURES = `${FAILURE_OUTCOMES.slice(0, -1).join(', ')} or ${FAILURE_OUTCOMES.at(-1)}`;

const EXIT = `Exit status:
  0    the run's outcome is COMPLETED (or: started without --wait, listed, shown while still running)
  1    any other outcome: ${FAILURES} (docs/OUTCOMES.md),
       or the execution was aborted
  2    bad usage or input (nothing was sent to AWS)
  3    AWS could not be reached or refused access (the reason is printed)
  4    no such execution (status) or local run (status --local)
  130  Ctrl-C stopped following; the execution goes on`;

const LOCAL_OPTIONS = `  --endpoints <n>             Pinpoint only: endpoints in the emulated application (${range('endpoints')}, default 2000)
  --malformed-every <n>       Pinpoint only: every Nth endpoint is malformed and counted as a failure (${range('malformed-every')}, default 0: none)
  --job-duration <seconds>    Pinpoint only: how long the emulated export job runs (${range('job-duration')}, default 6)
  --seed <pitr|no-pitr>       DynamoDB only: create --table in the emulator with 1,200 items and
                              point-in-time recovery on or off (without it, only local-orders
                              exists: any other table is DynamoDB's own "table not found")
  --deadline <seconds>        stop waiting after this long and report TIMED_OUT (${range('deadline')}, default 120)
  --fault <name>              inject a fault (repeatable):
${faultHelp('                                ')}
  --data-dir <folder>         folder standing for S3 and SNS, and keeping the local runs' records
                              (default .local/emulator)
  --logs                      show the handlers' structured logs (INFO) as well`;

const EXTERNAL = `With AWS_ENDPOINT_URL_PINPOINT and AWS_ENDPOINT_URL_SNS both set (a running
npm run emulator, LocalStack, ...) the local run uses them instead of starting
its own emulator; set SUMMARY_TOPIC_ARN to a topic that exists there (the
built-in emulator's topic is the default). The run ledger's DynamoDB is at
AWS_ENDPOINT_URL_DYNAMODB (default: the Pinpoint URL), table RUN_LEDGER_TABLE.
Setting only one of the Pinpoint and SNS variables is an error. The outcome and exit status come from the workflow's own result; the
summary's text is shown only when it can be read back (our emulator). There, a --table name
is resolved with DescribeTable (the endpoint's own account and Region), and the DynamoDB
incremental demo (--incremental without --scheduled-time, which changes items between its
two runs) is refused: the table is yours, and an export tool never writes to what it exports.`;

const COMMON = `Where the workflow is:
  --stage <name>              stage whose stack (scheduled-exports-<stage>) names the
                              state machine; default dev
  --state-machine-arn <arn>   use this state machine instead of reading the stack's outputs
  --region <region>           AWS region (default: AWS_REGION / your AWS profile)
  --json                      print one machine-readable JSON document instead of text
  -h, --help                  this help`;

const SOURCES = `Which export (--source; default pinpoint; docs/SOURCES.md):
  --source <name>             pinpoint            Amazon Pinpoint endpoints (end of support 2026-10-30)
                              customer-profiles   Amazon Connect Customer Profiles segment snapshot
                              dynamodb            DynamoDB table export to S3, full or incremental
  Customer Profiles:
  --domain <name>             the Customer Profiles domain (required; locally: local-domain)
  --segment-definition <name> the segment definition to snapshot (required; locally:
                              vip-customers, or all-profiles)
  --format <JSONL|CSV|ORC>    DataFormat (default JSONL); --role-arn: the role the service
                              assumes (default: the stage's ProfilesExportRole)
  DynamoDB:
  --table <name|arn>          the table, with point-in-time recovery on (required; a name is a
                              table of the stack's account and region; locally: local-orders)
  --incremental               export what changed since the target's previous COMPLETED run
                              (its first run exports the whole table)
  --format <DYNAMODB_JSON|ION>  ExportFormat (default DYNAMODB_JSON)`;

const START = `npm run export -- [start] --application-id <id> [options]
npm run export -- [start] --source customer-profiles --domain <name> --segment-definition <name> [options]
npm run export -- [start] --source dynamodb --table <name> [--incremental] [options]

Starts an export by hand: a segment needed today, a failed night to redo. The
input is checked with the same rules the workflow uses before anything is sent
to AWS. The execution is named manual-<UTC time>-<segment, table or all>-<random>,
so summaries and \`list\` show it as a manual run.

${SOURCES}

What to export from Pinpoint:
  --application-id <id>       Pinpoint project id (32 hex characters); required
  --segment-id <id>           export one segment only, by its id (32 hex characters, as Pinpoint
                              generates them; default: all endpoints)
  --segment-version <n>       that segment's version (needs --segment-id)
  --s3-url-prefix <s3://…>    where to write; placeholders {ApplicationId} {SegmentId} {date} …
                              (default: the stage's prefix; the stage's export role may write
                              only under its own key prefix)
  --role-arn <arn>            IAM role Pinpoint assumes to write to S3 (default: the stage's role;
                              a deployed stack may pass only its own export role to Pinpoint)
  --scheduled-time <iso>      the night to redo, e.g. 2026-11-27T02:00:00Z: {date} in the prefix
                              follows it (default: now)
  --max-failure-percent <n>   the run's failure limit, percent of the records processed (0-100;
                              default: the stage's maxFailurePercent, 1): above it the outcome
                              is TOO_MANY_FAILURES

Following:
  --wait                      follow the run until it ends: status changes, a progress bar
                              (pieces, endpoints), then the summary. Ctrl-C stops following,
                              not the export, and prints the command to resume.

${COMMON}

Local run (no AWS account: the same workflow against the local emulator of every source,
SNS and S3; npm start is the shortcut for start --local --wait):
  --local                     run here; always follows the run; what to export defaults to the
                              emulator's seeded data (application; domain local-domain and segment
                              vip-customers; table local-orders, 1,200 items with point-in-time
                              recovery). A local --incremental run is two: the table's first run
                              (a full export), then 10 changed items, then the incremental export
${LOCAL_OPTIONS}

${EXTERNAL}

Examples:
  npm run export -- --application-id 7f3c0a9e5b2d4c1e8f6a0b3d5c7e9f11 --stage prod --wait
  npm run export -- --application-id 7f3c0a9e5b2d4c1e8f6a0b3d5c7e9f11 --segment-id ${SEGMENT_EXAMPLE} \\
      --segment-version 3 --scheduled-time 2026-11-27T02:00:00Z --stage prod
  npm run export -- --local --wait --application-id a1b2c3d4e5f60718293a4b5c6d7e8f90
  npm run export -- --source customer-profiles --domain crm --segment-definition vip-customers \\
      --format CSV --stage prod --wait
  npm run export -- --source dynamodb --table orders --incremental --stage prod --wait

${EXIT}
`;

const STATUS = `npm run export -- status <execution name or ARN> [--wait] [options]

Shows one run: its outcome, trigger, start and duration, the export job's
progress (pieces, endpoints), where it was written, and the console link.
A name is looked up in the stage's state machine; an ARN is used as is.

  --wait                      follow the run until it ends (Ctrl-C stops following only)
  --local                     show a local run (npm start, start --local) from its record
  --data-dir <folder>         where the local runs' records are (default .local/emulator)

${COMMON}

Examples:
  npm run export -- status manual-20261128T153000Z-all-k3f9 --stage prod
  npm run export -- status arn:aws:states:eu-west-1:123456789012:execution:scheduled-exports-prod:manual-20261128T153000Z-all-k3f9 --wait
  npm run export -- status --local manual-20261128T153000Z-all-k3f9

${EXIT}
`;

const LIST = `npm run export -- list [--max <n>] [options]

Lists the latest runs, newest first: name, trigger (schedule, manual, other),
start, duration and outcome (${OUTCOMES.join(', ')}, ABORTED, or
RUNNING). Reads each run's details, so keep --max modest.

  --max <n>                   how many runs (${range('max')}, default 20)
  --local                     the local runs (npm start, start --local), from their records
  --data-dir <folder>         where the local runs' records are (default .local/emulator)

${COMMON}

Examples:
  npm run export -- list --stage prod --max 10
  npm run export -- list --local

Exit status: 0 when listed, 2 for bad usage (or no AWS region configured), 3 when AWS could
not be reached or refused access.
`;

const HISTORY = `npm run export -- history [--target <name>] [--max <n>] [options]

Reads the run ledger: one row per run (a target and its scheduled time), newest
first, with the outcome, the records exported, how they compared with the
target's previous good (COMPLETED) run when it ran, failures, duration and the execution that
claimed the run. With --target, one target's nights, headed by the records'
trend (oldest to newest), their min and max. Runs that were rejected before they
could be claimed (bad input) are not in the ledger: list shows every execution.

  --target <name>             one target: the stage's target name (config/stages/<stage>.yml),
                              or the Target a manual run gave
  --max <n>                   how many runs (${range('max')}, default 20)
  --ledger-table <name>       read this DynamoDB table instead of the stack's RunLedgerTableName output
  --local                     the local ledger that npm start / start --local keep in --data-dir
  --data-dir <folder>         where the local ledger is (default .local/emulator)

${COMMON}

Examples:
  npm run export -- history --stage prod
  npm run export -- history --target nightly-all-endpoints --stage prod --max 30
  npm run export -- history --local

Exit status: 0 when read, 2 for bad usage, 3 when AWS could not be reached or refused access.
`;

const DOCTOR = `npm run export -- doctor --stage <stage> [--region <region>] [--json]

Checks everything the stage's first night needs that can be checked without
starting an export, against the account your credentials reach (or the endpoints
AWS_ENDPOINT_URL_* name). Run it after npm run deploy and before enabling a
schedule. It only reads: Describe, Get, List, Head and IAM's policy simulator.

  stack         the stage's CloudFormation stack is deployed and not failed or rolled back
  ledger        its run ledger table exists
  topic         the summary topic has a confirmed subscription
  subscription  each notifications.subscriptions entry is subscribed and confirmed (an email
                subscription still pending confirmation gets nothing: WARN)
  bucket        each export bucket exists, is the expected account's, in the stage's Region,
                encrypted as the stage says (exportDestination.kmsKeyArn)
  role          the ${FUNCTION_KEYS.length} functions' roles and the export roles may do what a run
                needs (iam:SimulatePrincipalPolicy; where the caller may not, or the endpoint
                does not serve it, the doctor says it could not check)
  table, pitr   DynamoDB: the table exists, point-in-time recovery is on, and the first
                scheduled time that can export (EarliestRestorableDateTime + 15 minutes)
  domain, segment       Customer Profiles: the domain and the segment definition exist
  application, segment  Pinpoint: the application exists and Pinpoint still answers for it
                (end of support 2026-10-30); a target's segment exists
  schedule      each target's schedule exists, ENABLED or DISABLED as the stage file says

Each line is OK, WARN or FAIL; a WARN or FAIL line is followed by its fix.

  --stage <name>              the stage: config/stages/<name>.yml and its stack (default dev)
  --region <region>           AWS region (default: the stage file's region, else AWS_REGION)
  --json                      print one JSON document: {stage, region, counts, checks: [{check,
                              target?, status, detail, fix?}]}
  -h, --help                  this help

Examples:
  npm run deploy -- --stage prod && npm run export -- doctor --stage prod
  npm run export -- doctor --stage prod --json

Exit status: 0 when nothing FAILs (WARN lines allowed), 1 when a check FAILs, 2 for bad usage
or a stage file that is missing or invalid.
`;

const GENERAL = `Operators' CLI for scheduled exports (Pinpoint, Customer Profiles, DynamoDB): start, follow and inspect export runs.

Commands:
  npm run export -- [start] --application-id <id> [--wait] …   start an export (the default command)
  npm run export -- status <name|arn> [--wait]                 show or follow one run
  npm run export -- list [--max <n>]                            recent executions and their outcomes
  npm run export -- history [--target <name>]                   the run ledger: runs, records, trend
  npm run export -- doctor --stage <stage>                      check a deployed stage before its first night

"npm run export -- <command> --help" explains each command's options. The command comes
first, then its options.

${START}`;

const NPM_START = `Usage: npm start -- [options]

Runs the whole export workflow locally, without an AWS account: the deployed
ASL file (statemachine/export-workflow.asl.json) in a local Step Functions
engine, the ${FUNCTION_KEYS.length} real Lambda handlers in-process, and their real AWS SDK
clients talking HTTP to a local emulator (Pinpoint, Customer Profiles, DynamoDB
with its table exports and the run ledger, SNS, S3). Waits are compressed
(1-2 s between status checks) so a run takes seconds. Prints the job's status
changes and progress, then the run's report: the summary subscribers receive,
and for a run that did not complete, why and what to do.

npm start is the shortcut for: npm run export -- start --local --wait [options]
(one parser, one output, one exit status). The run is recorded: see it again with
npm run export -- status --local <name>, or list them with list --local.

${SOURCES}

What to export from Pinpoint (default: every endpoint of the emulator's seeded application):
  --application-id <id>       Pinpoint application (32 hex characters)
  --segment-id <id>           one segment, by id; the emulator seeds "active-users" of the default
                              application as ${LOCAL_SEGMENT} (versions 1-3)
  --segment-version <n>       segment version (with --segment-id)
  --s3-url-prefix <s3://…>    S3 prefix template (default
                              ${PINPOINT_DEFAULTS.S3UrlPrefix.local})
  --scheduled-time <iso>      the night the run stands for ({date} in the prefix)
  --max-failure-percent <n>   the failure limit, percent (default 1): above it TOO_MANY_FAILURES

Scenario:
${LOCAL_OPTIONS}
  --json                      print one JSON document instead of text
  -h, --help                  this help

${EXTERNAL}

Exit status: 0 when the run's outcome is COMPLETED; 1 for any other outcome (${FAILURES};
docs/OUTCOMES.md) or when no summary was published; 2 for bad options (nothing runs); 130 Ctrl-C.

Examples:
  npm start
  npm start -- --endpoints 50000 --malformed-every 97 --job-duration 10
  npm start -- --segment-id ${LOCAL_SEGMENT} --segment-version 2
  npm start -- --fault throttle-create --fault fail-job
  npm start -- --fault end-of-support
  npm start -- --source customer-profiles            segment vip-customers of local-domain
  npm start -- --source customer-profiles --format CSV --segment-definition all-profiles
  npm start -- --source dynamodb                     a full export of local-orders
  npm start -- --source dynamodb --incremental       a full, then an incremental export
`;

export function helpText(topic: CommandName | 'general' | 'npm-start'): string {
  switch (topic) {
    case 'npm-start':
      return NPM_START;
    case 'start':
      return START;
    case 'status':
      return STATUS;
    case 'list':
      return LIST;
    case 'history':
      return HISTORY;
    case 'doctor':
      return DOCTOR;
    default:
      return GENERAL;
  }
}
