import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { LocalRunSetupError } from '../dev/local/index.ts';
import { sourceFor } from '../sources/registry.ts';
import { type Command, type CommonOptions, parseCommand, wantsJson } from './args.ts';
import type { CliDeps, CommandResult } from './command.ts';
import { awsFailure, CliError, ExitCode, isAwsError } from './errors.ts';
import { buildReport, followExecution, HistoryTracker } from './follow.ts';
import { formatDuration, formatList, formatReport, type ListRow, ProgressRenderer } from './format.ts';
import { helpText } from './help.ts';
import { formatHistory, type HistoryRow, historyRowsOf, openLedger } from './history.ts';
import { buildExecutionInput, type RequestOptions, validateExecutionInput } from './input.ts';
import { listLocal, startLocal, statusLocal } from './local.ts';
import { consoleUrl, executionArnFor, manualExecutionName, randomSuffix, regionOfArn } from './naming.ts';
import { exitCodeOf, type RunReport, secondsBetween } from './report.ts';
import { resolveStateMachineArn } from './state-machine.ts';

export {
  type CliDeps,
  type CommandResult,
  DEFAULT_MAX_POLLS,
  DEFAULT_POLL_INTERVAL_MS,
  type LocalFiles,
  type LocalRunRecord,
} from './command.ts';

/*
 * The CLI as one function of its arguments and its dependencies, so tests
 * drive it with mocked clients, captured output, a virtual clock and a fake
 * Ctrl-C. cli/export.ts wires the real ones.
 */

export { randomSuffix };

type Following = 'not-requested' | 'finished' | 'interrupted' | 'gave-up';

function resumeCommand(executionArn: string): string {
  return `npm run export -- status ${executionArn} --wait`;
}

/** Follows (or looks at) an execution, printing as it goes in text mode. */
async function watch(
  sfn: SFNClient,
  executionArn: string,
  wait: boolean,
  deps: CliDeps,
  json: boolean,
): Promise<{ exitCode: number; report: RunReport; following: Following }> {
  const controller = new AbortController();
  const stopListening = wait ? deps.onInterrupt(() => controller.abort()) : () => undefined;
  let runStart: Date | undefined;
  const renderer =
    json || !wait
      ? undefined
      : new ProgressRenderer(
          deps.stdout,
          deps.isTTY,
          () => (runStart ? secondsBetween(runStart, deps.now()) : 0),
          deps,
        );
  let result: Awaited<ReturnType<typeof followExecution>>;
  try {
    result = await followExecution({
      sfn,
      executionArn,
      wait,
      sleep: deps.sleep,
      now: deps.now,
      intervalMs: deps.pollIntervalMs,
      maxPolls: deps.maxPolls,
      signal: controller.signal,
      onUpdate: (update) => {
        if (update.type === 'execution' && update.status === 'RUNNING') runStart = update.at;
        renderer?.update(update);
      },
    });
  } finally {
    stopListening();
    renderer?.finish();
  }
  const { report } = result;
  if (result.interrupted) {
    if (!json) {
      deps.stdout.write(
        `\nStopped following ${report.name}; the execution goes on${report.job ? ` (job ${report.job.status})` : ''}.\nResume following with:\n  ${resumeCommand(executionArn)}\n`,
      );
    }
    return { exitCode: ExitCode.Interrupted, report, following: 'interrupted' };
  }
  if (result.gaveUp) {
    if (!json) {
      deps.stdout.write(
        `\nStill running after ${formatDuration(report.durationSeconds)}; stopped following.\nResume following with:\n  ${resumeCommand(executionArn)}\n`,
      );
    }
    return { exitCode: ExitCode.ExportFailed, report, following: 'gave-up' };
  }
  if (!json) deps.stdout.write(`${renderer ? '\n' : ''}${formatReport(report)}\n`);
  return { exitCode: exitCodeOf(report.outcome), report, following: wait ? 'finished' : 'not-requested' };
}

/** A local run exports the emulator's seeded data unless told otherwise (dev/local/source-inputs.ts). */
async function withLocalDefaults(request: RequestOptions): Promise<RequestOptions> {
  return (await import('../dev/local/index.ts')).withLocalDefaults(request);
}

function sfnFor(common: CommonOptions, stateMachineArn: string, deps: CliDeps): SFNClient {
  return deps.sfn(common.region ?? regionOfArn(stateMachineArn));
}

async function start(command: Extract<Command, { name: 'start' }>, deps: CliDeps): Promise<CommandResult> {
  const { common } = command;
  const startedAt = deps.now();
  const request = command.local ? await withLocalDefaults(command.request) : command.request;
  // Same rules as create-export-job, before any AWS call.
  const resolved = validateExecutionInput(buildExecutionInput(request), startedAt);
  const name = manualExecutionName(
    startedAt,
    sourceFor(resolved).describe.executionLabel(resolved),
    deps.randomSuffix(),
  );
  if (command.local) {
    const local = buildExecutionInput(request, (await import('../dev/local/index.ts')).LOCAL_ACCOUNT);
    return startLocal(command, command.local, local, name, deps);
  }

  const stateMachineArn = await resolveStateMachineArn(common, deps.cloudFormation);
  const sfn = sfnFor(common, stateMachineArn, deps);
  // A --table name is a table of the stack's own account and region.
  const [, , , region = '', account = ''] = stateMachineArn.split(':');
  const input = buildExecutionInput(request, { region, account });
  let executionArn: string;
  let startDate: Date;
  try {
    const response = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    executionArn = response.executionArn ?? executionArnFor(stateMachineArn, name);
    startDate = response.startDate ?? startedAt;
  } catch (error) {
    if (!isAwsError(error)) throw error;
    throw awsFailure(error, `starting execution ${name}`);
  }
  if (!common.json) {
    deps.stdout.write(
      `Started ${name}\n  execution  ${executionArn}\n  console    ${consoleUrl(executionArn)}\n${
        command.wait ? '\n' : `Follow it with:\n  ${resumeCommand(executionArn)}\n`
      }`,
    );
  }
  if (!command.wait) {
    const report = buildReport(
      { executionArn, stateMachineArn, name, status: 'RUNNING', startDate, input: JSON.stringify(input) },
      new HistoryTracker(() => undefined),
      deps.now(),
    );
    return {
      exitCode: ExitCode.Ok,
      json: {
        command: 'start',
        input,
        run: report,
        following: 'not-requested',
        resumeCommand: resumeCommand(executionArn),
      },
    };
  }
  const watched = await watch(sfn, executionArn, true, deps, common.json);
  return {
    exitCode: watched.exitCode,
    json: {
      command: 'start',
      input,
      run: watched.report,
      following: watched.following,
      resumeCommand: resumeCommand(executionArn),
    },
  };
}

async function status(command: Extract<Command, { name: 'status' }>, deps: CliDeps): Promise<CommandResult> {
  const { common } = command;
  let executionArn: string;
  let sfn: SFNClient;
  if (command.execution.startsWith('arn:')) {
    executionArn = command.execution;
    sfn = deps.sfn(common.region ?? regionOfArn(executionArn));
  } else {
    const stateMachineArn = await resolveStateMachineArn(common, deps.cloudFormation);
    executionArn = executionArnFor(stateMachineArn, command.execution);
    sfn = sfnFor(common, stateMachineArn, deps);
  }
  let watched: Awaited<ReturnType<typeof watch>>;
  try {
    watched = await watch(sfn, executionArn, command.wait, deps, common.json);
  } catch (error) {
    const cause = (error as { cause?: { name?: string } }).cause;
    if (cause?.name === 'ExecutionDoesNotExist') {
      throw new CliError(
        'not-found',
        `no execution ${command.execution} in ${regionOfArn(executionArn)}: check the name, --stage and --region (see: npm run export -- list)`,
      );
    }
    throw error;
  }
  return {
    exitCode: watched.exitCode,
    json: {
      command: 'status',
      run: watched.report,
      following: watched.following,
      ...(watched.following === 'interrupted' || watched.following === 'gave-up'
        ? { resumeCommand: resumeCommand(executionArn) }
        : {}),
    },
  };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function list(command: Extract<Command, { name: 'list' }>, deps: CliDeps): Promise<CommandResult> {
  const { common } = command;
  const stateMachineArn = await resolveStateMachineArn(common, deps.cloudFormation);
  const sfn = sfnFor(common, stateMachineArn, deps);
  let rows: ListRow[];
  try {
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: command.max }));
    const executions = (listed.executions ?? []).slice(0, command.max);
    // The input tells a scheduled run from another; the error tells FAILED from TIMED_OUT and ERROR.
    rows = await mapLimited(executions, 4, async (item) => {
      const description = await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
      const report = buildReport({ ...item, ...description }, { job: null, summary: null }, deps.now());
      return {
        name: report.name,
        arn: report.arn,
        trigger: report.trigger,
        status: report.status,
        outcome: report.outcome,
        startDate: report.startDate,
        stopDate: report.stopDate,
        durationSeconds: report.durationSeconds,
      };
    });
  } catch (error) {
    if (!isAwsError(error)) throw error;
    throw awsFailure(error, 'listing executions');
  }
  if (!common.json) deps.stdout.write(`${formatList(rows)}\n`);
  return { exitCode: ExitCode.Ok, json: { command: 'list', stateMachineArn, runs: rows } };
}

/** `history`: the run ledger's runs, newest first, all targets or one. */
async function history(
  command: Extract<Command, { name: 'history' }>,
  deps: CliDeps,
): Promise<CommandResult> {
  const opened = await openLedger(
    command.localDataDir !== undefined
      ? { kind: 'local', dataDir: command.localDataDir }
      : { kind: 'aws', common: command.common, tableName: command.ledgerTable },
    deps,
  );
  let rows: HistoryRow[];
  try {
    const items = command.target
      ? await opened.ledger.history(command.target, command.max)
      : await opened.ledger.recent(command.max);
    rows = historyRowsOf(items);
  } catch (error) {
    if (!isAwsError(error)) throw error;
    throw awsFailure(error, `reading the run ledger (${opened.where})`);
  } finally {
    await opened.close();
  }
  if (!command.common.json) deps.stdout.write(`${formatHistory(rows, command.target)}\n`);
  return {
    exitCode: ExitCode.Ok,
    json: {
      command: 'history',
      ledger: opened.where,
      ...(command.target ? { target: command.target } : {}),
      runs: rows,
    },
  };
}

async function run(command: Exclude<Command, { name: 'help' }>, deps: CliDeps): Promise<CommandResult> {
  switch (command.name) {
    case 'start':
      return start(command, deps);
    case 'status':
      return command.localDataDir ? statusLocal(command, command.localDataDir, deps) : status(command, deps);
    case 'list':
      return command.localDataDir ? listLocal(command, command.localDataDir, deps) : list(command, deps);
    case 'history':
      return history(command, deps);
    case 'doctor':
      return (await import('./doctor.ts')).doctor(command, deps);
  }
}

/** Runs the CLI and returns its exit status. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = wantsJson(argv);
  let commandName = 'start';
  try {
    const command = parseCommand(argv);
    if (command.name === 'help') {
      deps.stdout.write(helpText(command.topic));
      return ExitCode.Ok;
    }
    commandName = command.name;
    const outcome = await run(command, deps);
    if (json)
      deps.stdout.write(`${JSON.stringify({ ...outcome.json, exitCode: outcome.exitCode }, null, 2)}\n`);
    return outcome.exitCode;
  } catch (error) {
    const failure =
      error instanceof CliError
        ? error
        : error instanceof LocalRunSetupError
          ? new CliError('usage', error.message, error.option)
          : isAwsError(error)
            ? awsFailure(error, `running ${commandName}`)
            : undefined;
    if (!failure) throw error;
    if (json) {
      deps.stdout.write(
        `${JSON.stringify(
          {
            command: commandName,
            error: {
              kind: failure.kind,
              message: failure.message,
              ...(failure.option ? { option: failure.option } : {}),
            },
            exitCode: failure.exitCode,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      deps.stderr.write(`error: ${failure.message}\n`);
    }
    return failure.exitCode;
  }
}
