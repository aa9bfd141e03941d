/*
 * Which test files a module's mutants run against: a reviewed list, not vitest's import graph.
 * The graph would reach almost every test for the ledger (each handler imports it) and miss the
 * tests that load handlers through dynamic imports. `fast` are the tests that exercise the module
 * directly or through its callers' cores; `slow` are end-to-end and fault files that run it inside
 * the whole workflow, and catch what only a full run shows (a duplicate delivery, an outcome told on
 * every channel). A new test that exercises a module belongs in its list here.
 */

/** One module under mutation testing and the tests that exercise it. */
export interface MutationModule {
  /** Path from the repository root. */
  module: string;
  /** The score the module must reach (percent, after the reviewed equivalent mutants). */
  target: number;
  /** Unit and integration files that exercise the module. */
  fast: string[];
  /** End-to-end and fault files that run the module inside the workflow. */
  slow: string[];
}

/**
 * The verification's tests: its unit and integration files against the emulator's S3, and the
 * workflow files that run its three functions (the Map of count-export-batch between them).
 */
const VERIFICATION_FAST = [
  'test/unit/verification-count.test.ts',
  'test/unit/verification-judge.test.ts',
  'test/unit/verify-export.test.ts',
  'test/unit/verification-batches.test.ts',
  'test/unit/dynamodb-verification.test.ts',
  'test/verification/stream-faults.test.ts',
  'test/verification/verdict.test.ts',
  'test/verification/files.test.ts',
  'test/verification/plan.test.ts',
  'test/verification/count-batch.test.ts',
  'test/verification/finish.test.ts',
];
const VERIFICATION_SLOW = [
  'test/statemachine/workflow.test.ts',
  'test/faults/verification-fan-out.test.ts',
  'test/faults/customer-profiles.test.ts',
];

/** Every module with a mutation-score target (issue 23). */
export const MUTATION_MODULES: readonly MutationModule[] = [
  {
    module: 'functions/shared/run-ledger.ts',
    target: 95,
    fast: [
      'test/ledger/run-ledger.test.ts',
      'test/ledger/ledger-faults.test.ts',
      'test/unit/create-export-job.test.ts',
      'test/unit/create-export-job-ledger-faults.test.ts',
      'test/unit/build-summary.test.ts',
      'test/unit/publish-summary.test.ts',
      'test/unit/customer-profiles-source.test.ts',
      'test/unit/dynamodb-source.test.ts',
      'test/cli/history.test.ts',
    ],
    slow: ['test/faults/duplicate-runs.test.ts'],
  },
  {
    module: 'sources/dynamodb/window.ts',
    target: 95,
    fast: ['test/unit/dynamodb-window.test.ts', 'test/unit/dynamodb-source.test.ts'],
    slow: ['test/faults/dynamodb.test.ts'],
  },
  {
    module: 'core/outcome.ts',
    target: 85,
    fast: [
      'test/unit/outcome.test.ts',
      'test/unit/build-summary.test.ts',
      'test/unit/publish-summary.test.ts',
      'test/unit/summary-words.test.ts',
      'test/unit/sns-message.test.ts',
      'test/unit/metrics.test.ts',
      'test/statemachine/asl-contract.test.ts',
    ],
    slow: ['test/e2e/outcomes.test.ts'],
  },
  {
    module: 'core/summary.ts',
    target: 85,
    fast: [
      'test/unit/build-summary.test.ts',
      'test/unit/publish-summary.test.ts',
      'test/unit/source-summaries.test.ts',
      'test/unit/summary-words.test.ts',
      'test/unit/summary-outcomes.test.ts',
      'test/unit/sns-message.test.ts',
    ],
    slow: ['test/e2e/outcomes.test.ts'],
  },
  {
    module: 'core/advice.ts',
    target: 85,
    fast: [
      'test/unit/advice.test.ts',
      'test/unit/build-summary.test.ts',
      'test/unit/publish-summary.test.ts',
      'test/unit/source-summaries.test.ts',
      'test/unit/summary-words.test.ts',
      'test/unit/sns-message.test.ts',
    ],
    slow: ['test/e2e/outcomes.test.ts'],
  },
  {
    module: 'core/sns-message.ts',
    target: 85,
    fast: [
      'test/unit/sns-message.test.ts',
      'test/unit/build-summary.test.ts',
      'test/unit/publish-summary.test.ts',
      'test/unit/source-summaries.test.ts',
      'test/unit/summary-outcomes.test.ts',
      'test/unit/sns-message-text.test.ts',
    ],
    slow: ['test/e2e/outcomes.test.ts'],
  },
  {
    module: 'core/poll-schedule.ts',
    target: 75,
    fast: [
      'test/unit/poll-schedule.test.ts',
      'test/unit/poll-schedule-properties.test.ts',
      'test/unit/poll-schedule-waits.test.ts',
      'test/unit/get-export-job-status.test.ts',
      'test/unit/create-export-job.test.ts',
      'test/unit/config.test.ts',
    ],
    slow: [],
  },
  // The verification: counting records (count.ts), and the verdict: which files are the job's
  // (files.ts), how they are split into batches and found again (plan.ts), the plan's provisional
  // verdict (verify-export.ts), each file's count or why none (count-export-batch.ts), the merge
  // and `_manifest.json`'s comparison (finish-verification.ts) and the verdict and its note
  // (judge.ts). manifest.ts (the manifest's types and its PutObject) decides nothing.
  {
    module: 'functions/shared/verification/count.ts',
    target: 90,
    fast: [...VERIFICATION_FAST],
    slow: [...VERIFICATION_SLOW],
  },
  ...[
    'functions/shared/verification/judge.ts',
    'functions/shared/verification/files.ts',
    'functions/shared/verification/plan.ts',
    'functions/verify-export/verify-export.ts',
    'functions/count-export-batch/count-export-batch.ts',
    'functions/finish-verification/finish-verification.ts',
  ].map((module) => ({ module, target: 85, fast: [...VERIFICATION_FAST], slow: [...VERIFICATION_SLOW] })),
];
