import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { LocalRunOptions, LocalRunResult, RunStore } from '../dev/local/index.ts';
import type { Writer } from './format.ts';
import type { RunReport } from './report.ts';

/*
 * What every command runs with and gives back: the CLI's dependencies (cli/deps.ts wires the
 * real ones, tests their fakes) and a command's result (its exit status and its --json).
 */

export interface CliDeps {
  /** A Step Functions client for a region (undefined: the SDK's default region). */
  sfn: (region: string | undefined) => SFNClient;
  cloudFormation: (region: string | undefined) => CloudFormationClient;
  /** A DynamoDB client for a region, or for a local endpoint (the run ledger: `history`). */
  dynamodb: (region: string | undefined, endpoint?: string) => DynamoDBClient;
  /** The embedded local run (dev/local/run.ts). */
  runLocal: (options: LocalRunOptions) => Promise<LocalRunResult>;
  stdout: Writer;
  stderr: Writer;
  /** stdout is a terminal: draw the progress bar in place. */
  isTTY: boolean;
  now: () => Date;
  /** Waits `ms` or until the signal aborts, whichever is first; never rejects. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  randomSuffix: () => string;
  /** Calls `handler` on Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt: (handler: () => void) => () => void;
  pollIntervalMs: number;
  maxPolls: number;
  /** The local runs' history in a data folder (dev/local/runs.ts). */
  runStore: (dataDir: string) => RunStore<LocalRunRecord>;
  /** Calls `fn` every `ms` until the returned function is called (the progress line's clock). */
  every: (ms: number, fn: () => void) => () => void;
}

/** Defaults for what is not I/O: five-second looks, for up to 48 hours. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_POLLS = (48 * 3600 * 1000) / DEFAULT_POLL_INTERVAL_MS;

/** What a command ends with: its exit status and the JSON document `--json` prints. */
export interface CommandResult {
  exitCode: number;
  json: Record<string, unknown>;
}

/** Where a local run's files went (shown, and kept in its record). */
export interface LocalFiles {
  dataDir: string | null;
  messageFile: string | null;
  exportFiles: string[];
  recordsExported: number | null;
  emailText: string | null;
  /** Why the summary could not be read back for display, when it could not. */
  summaryNote: string | null;
  /** The metric values publish-summary emitted (EMF), by name; null when none was published. */
  metrics?: Record<string, number> | null;
  /** What the source reported beyond the common fields (the summary's `details`: DynamoDB's window, size, manifest). */
  details?: Record<string, string | number | boolean | null> | null;
}

/** What the local run store keeps per run: the report `status --local` prints, and the files. */
export type LocalRunRecord = RunReport & { local: LocalFiles };
