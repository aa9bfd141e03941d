import { faultHelp } from '../local/scenarios.ts';
import type { CommandName } from './args.ts';

/* --help text of each command: what it does, its options, an example. */

const EXIT = `Exit status:
  0    the export COMPLETED (or: started without --wait, listed, shown while still running)
  1    the export FAILED, TIMED_OUT, hit an ERROR, or the execution was aborted
  2    bad usage or input (nothing was sent to AWS)
  3    AWS could not be reached or refused access (the reason is printed)
  130  Ctrl-C stopped following; the execution goes on`;

const COMMON = `Where the workflow is:
  --stage <name>              stage whose stack (pinpoint-export-orchestrator-<stage>) names the
                              state machine; default dev
  --state-machine-arn <arn>   use this state machine instead of reading the stack's outputs
  --region <region>           AWS region (default: AWS_REGION / your AWS profile)
  --json                      print one machine-readable JSON document instead of text
  -h, --help                  this help`;

const START = `npm run export -- [start] --application-id <id> [options]

Starts an export of Pinpoint endpoint definitions to S3 by hand: a segment
needed today, a failed night to redo. The input is checked with the same rules
the workflow uses before anything is sent to AWS. The execution is named
manual-<UTC time>-<segment or all>-<random>, so summaries and \`list\` show it
as a manual run.

What to export:
  --application-id <id>       Pinpoint project id (32 hex characters); required
  --segment-id <id>           export one segment only (default: all endpoints)
  --segment-version <n>       that segment's version (needs --segment-id)
  --s3-url-prefix <s3://…>    where to write; placeholders {ApplicationId} {SegmentId} {date} …
                              (default: the stage's prefix; the stage's export role may write
                              only under its own key prefix)
  --role-arn <arn>            IAM role Pinpoint assumes to write to S3 (default: the stage's role;
                              a deployed stack may pass only its own export role to Pinpoint)
  --scheduled-time <iso>      the night to redo, e.g. 2026-11-27T02:00:00Z: {date} in the prefix
                              follows it (default: now)

Following:
  --wait                      follow the run until it ends: status changes, a progress bar
                              (pieces, endpoints), then the summary. Ctrl-C stops following,
                              not the export, and prints the command to resume.

${COMMON}

Local run (no AWS account: the same workflow against the local Pinpoint + SNS emulator):
  --local                     run here; always follows the run
  --endpoints <n>             endpoints in the emulated application (default 2000)
  --job-duration <seconds>    how long the emulated export job runs (default 6)
  --deadline <seconds>        stop waiting after this long and report TIMED_OUT (default 120)
  --fault <name>              inject a fault (repeatable), as npm start -- --fault takes it:
${faultHelp('                                ')}

Examples:
  npm run export -- --application-id 7f3c0a9e5b2d4c1e8f6a0b3d5c7e9f11 --stage prod --wait
  npm run export -- --application-id 7f3c0a9e5b2d4c1e8f6a0b3d5c7e9f11 --segment-id active-users \\
      --segment-version 3 --scheduled-time 2026-11-27T02:00:00Z --stage prod
  npm run export -- --local --wait --application-id a1b2c3d4e5f60718293a4b5c6d7e8f90

${EXIT}
`;

const STATUS = `npm run export -- status <execution name or ARN> [--wait] [options]

Shows one run: its outcome, trigger, start and duration, the export job's
progress (pieces, endpoints), where it was written, and the console link.
A name is looked up in the stage's state machine; an ARN is used as is.

  --wait                      follow the run until it ends (Ctrl-C stops following only)

${COMMON}

Examples:
  npm run export -- status manual-20261128T153000Z-all-k3f9 --stage prod
  npm run export -- status arn:aws:states:eu-west-1:123456789012:execution:pinpoint-export-orchestrator-prod:manual-20261128T153000Z-all-k3f9 --wait

${EXIT}
`;

const LIST = `npm run export -- list [--max <n>] [options]

Lists the latest runs, newest first: name, trigger (schedule, manual, other),
start, duration and outcome (COMPLETED, FAILED, TIMED_OUT, ERROR, ABORTED, or
RUNNING). Reads each run's details, so keep --max modest.

  --max <n>                   how many runs (1–100, default 20)

${COMMON}

Example:
  npm run export -- list --stage prod --max 10

Exit status: 0 when listed, 2 for bad usage, 3 when AWS could not be reached or refused access.
`;

const GENERAL = `Operators' CLI for the Pinpoint export workflow: start, follow and inspect export runs.

Commands:
  npm run export -- [start] --application-id <id> [--wait] …   start an export (the default command)
  npm run export -- status <name|arn> [--wait]                 show or follow one run
  npm run export -- list [--max <n>]                            recent runs and their outcomes

"npm run export -- <command> --help" explains each command's options.

${START}`;

export function helpText(topic: CommandName | 'general'): string {
  switch (topic) {
    case 'start':
      return START;
    case 'status':
      return STATUS;
    case 'list':
      return LIST;
    default:
      return GENERAL;
  }
}
