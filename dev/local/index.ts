import type { LocalRunOptions, LocalRunResult } from './run.ts';

/*
 * The local run as the CLI uses it: its one interface. `cli/` imports nothing else of dev/local
 * (test/architecture holds it to that). The run itself (dev/local/run.ts: aws-local-stepfunctions,
 * the handlers) loads only when runLocal is called.
 */

export { DEFAULT_LEDGER_TABLE, ledgerFileOf, startLocalLedgerServer } from '../emulator/dynamodb.ts';
export type { LocalRunOptions, LocalRunResult, ProgressEvent } from './run.ts';
export { fileRunStore, type RunStore } from './runs.ts';
export { faultHelp, faultProblem, faultRules } from './scenarios.ts';
export { LocalRunSetupError } from './services.ts';
export { LOCAL_ACCOUNT, type LocalSourceOptions, withLocalDefaults } from './source-inputs.ts';

/** Runs the whole workflow locally (dev/local/run.ts). */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  return (await import('./run.ts')).runLocal(options);
}
