import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ReceivedAttribute, readSummaryMessage } from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import type { FaultRule } from '../../sources/emulator/faults.ts';
import { ledgerFileOf, loadLedgerFile, saveLedgerFile } from '../emulator/dynamodb.ts';
import type { Emulator, EmulatorOptions } from '../emulator/index.ts';

/*
 * What a local run talks to: the in-process emulator (Pinpoint, Customer Profiles,
 * DynamoDB with the run ledger, SNS, S3 on one port), or the external endpoints
 * AWS_ENDPOINT_URL_PINPOINT and _SNS name; and reading back the summary it published.
 */

/** The emulator options a local run sets (LocalRunOptions has them). */
export interface LocalServiceOptions {
  /** Endpoints in the emulator's synthetic dataset. */
  endpoints?: number;
  /** Every Nth endpoint is malformed (counted as a failure); 0 = none. */
  malformedEvery?: number;
  /** How long the emulated export job runs, seconds. */
  jobDurationSeconds?: number;
  /** Faults the emulator injects. */
  faults?: FaultRule[];
}

/** The local run cannot start as configured (a usage problem: exit status 2 in the CLI). */
export class LocalRunSetupError extends Error {
  override readonly name = 'LocalRunSetupError';
  constructor(
    message: string,
    /** The option or variable at fault. */
    readonly option?: string,
  ) {
    super(message);
  }
}

/** External endpoints from AWS_ENDPOINT_URL_PINPOINT/_SNS: both or neither, never one. */
export function externalEndpoints(
  env: NodeJS.ProcessEnv = process.env,
): { pinpoint: string; sns: string } | undefined {
  const pinpoint = env.AWS_ENDPOINT_URL_PINPOINT || undefined;
  const sns = env.AWS_ENDPOINT_URL_SNS || undefined;
  if (pinpoint && sns) return { pinpoint, sns };
  if (pinpoint || sns) {
    const [set, missing] = pinpoint
      ? ['AWS_ENDPOINT_URL_PINPOINT', 'AWS_ENDPOINT_URL_SNS']
      : ['AWS_ENDPOINT_URL_SNS', 'AWS_ENDPOINT_URL_PINPOINT'];
    throw new LocalRunSetupError(
      `${set} is set but ${missing} is not: set both to run against external endpoints, or neither to use the built-in emulator`,
      missing,
    );
  }
  return undefined;
}

/** Makes sure the data folder exists and is writable before anything runs, naming --data-dir if not. */
export function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? 'is a file (or lies under one), not a folder'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'is not writable'
          : `cannot be used (${(error as Error).message})`;
    throw new LocalRunSetupError(
      `--data-dir ${dataDir} ${why}; give a folder you can write to`,
      '--data-dir',
    );
  }
  return dir;
}

export interface PublishedView {
  message: string;
  messageAttributes?: Record<string, ReceivedAttribute>;
  file: string;
}

/** The summary and text of a published message, by publish-summary's own reader. */
export function parseSummary(message: PublishedView | undefined): {
  summary: ExportSummary | null;
  emailText: string | null;
} {
  if (!message) return { summary: null, emailText: null };
  return readSummaryMessage(message.message, message.messageAttributes);
}

/** The message published for this execution (not merely the topic's latest): its summary or text names it. */
function forExecution(
  messages: readonly PublishedView[],
  executionName: string,
  executionArn: string,
): PublishedView | undefined {
  return messages.findLast((m) => {
    const { summary } = parseSummary(m);
    if (summary?.execution?.name !== undefined) return summary.execution.name === executionName;
    return m.message.includes(executionArn);
  });
}

/** The local services a run talks to: the in-process emulator, or the external endpoints. */
export interface LocalServices {
  pinpointUrl: string;
  snsUrl: string;
  external: boolean;
  /** Environment the handlers need to reach these services. */
  env: Record<string, string>;
  /** The summary published for this execution, read back for display. */
  readBack(
    executionName: string,
    executionArn: string,
    topicArn: string,
  ): Promise<{ message?: PublishedView; note: string | null }>;
  jobsCreated(): number | null;
  exportFiles(): string[];
  /** Moves the in-process emulator's clock (ms against real time); a no-op with external endpoints. */
  setClockShift(ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts what a local run needs, in one place: the Pinpoint + SNS emulator
 * (unless AWS_ENDPOINT_URL_PINPOINT and _SNS name external ones), which also serves
 * the run ledger's DynamoDB and the S3 the verification reads.
 */
export async function startLocalServices(
  options: LocalServiceOptions,
  dataDir: string,
  /** A ledger target whose saved runs are left out (the incremental demo's: their table is gone). */
  forgetTarget?: string,
): Promise<LocalServices> {
  const external = externalEndpoints();
  const { clientEnvOf, startEmulator, DEFAULT_LEDGER_TABLE } = await import('../emulator/index.ts');
  if (external) {
    return {
      pinpointUrl: external.pinpoint,
      snsUrl: external.sns,
      external: true,
      env: {
        AWS_ENDPOINT_URL_PINPOINT: external.pinpoint,
        AWS_ENDPOINT_URL_SNS: external.sns,
        // The run ledger: one-port emulators (ours, LocalStack) serve DynamoDB beside Pinpoint; never real AWS.
        AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB || external.pinpoint,
        RUN_LEDGER_TABLE: process.env.RUN_LEDGER_TABLE || DEFAULT_LEDGER_TABLE,
        // Customer Profiles likewise: a local run never reaches real AWS, whatever the source.
        AWS_ENDPOINT_URL_CUSTOMER_PROFILES:
          process.env.AWS_ENDPOINT_URL_CUSTOMER_PROFILES || external.pinpoint,
        // The verification's S3: likewise beside Pinpoint on one-port emulators, path-style.
        AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 || external.pinpoint,
        S3_FORCE_PATH_STYLE: 'true',
      },
      readBack: (name, arn, topicArn) => readBackFromExternalEmulator(external.sns, topicArn, name, arn),
      jobsCreated: () => null,
      exportFiles: () => [],
      setClockShift: () => undefined,
      close: async () => undefined,
    };
  }
  const clock = { shift: 0 };
  const emulatorOptions: EmulatorOptions = {
    now: () => Date.now() + clock.shift,
    port: 0,
    dataDir,
    dataset: { endpoints: options.endpoints ?? 2_000, malformedEvery: options.malformedEvery ?? 0 },
    job: { durationSeconds: options.jobDurationSeconds ?? 6 },
  };
  const emulator: Emulator = await startEmulator(emulatorOptions);
  for (const fault of options.faults ?? []) emulator.faults.add(fault);
  // The run ledger outlives the run in the data folder (history --local, "against last night").
  const ledgerFile = ledgerFileOf(dataDir);
  await loadLedgerFile(
    emulator.url,
    emulator.ledgerTable,
    ledgerFile,
    (item) => item.target?.S !== forgetTarget,
  );
  return {
    pinpointUrl: emulator.url,
    snsUrl: emulator.url,
    external: false,
    env: clientEnvOf(emulator),
    readBack: async (name, arn) => {
      const message = forExecution(emulator.state.published, name, arn);
      return { ...(message ? { message } : {}), note: null };
    },
    jobsCreated: () => emulator.state.jobs.length,
    setClockShift: (ms) => {
      clock.shift = ms;
    },
    exportFiles: () =>
      emulator.state.jobs.flatMap((job) => (job as unknown as { files?: string[] }).files ?? []),
    close: async () => {
      try {
        await saveLedgerFile(emulator.url, emulator.ledgerTable, ledgerFile);
      } finally {
        await emulator.close();
      }
    },
  };
}

/**
 * With external endpoints, the summary can be read back only when they are a
 * running `npm run emulator` (its control API). Display only: the outcome never
 * depends on it.
 */
async function readBackFromExternalEmulator(
  snsUrl: string,
  topicArn: string,
  executionName: string,
  executionArn: string,
): Promise<{ message?: PublishedView; note: string | null }> {
  const unavailable = {
    note: `the summary cannot be read back from ${snsUrl} (not a running npm run emulator); the outcome above is the workflow's own`,
  };
  try {
    const response = await fetch(new URL('/_emulator/state', snsUrl), { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return unavailable;
    const state = (await response.json()) as {
      published?: (PublishedView & { topicArn: string })[];
    };
    const message = forExecution(
      (state.published ?? []).filter((m) => m.topicArn === topicArn),
      executionName,
      executionArn,
    );
    return message ? { message, note: null } : unavailable;
  } catch {
    return unavailable;
  }
}
