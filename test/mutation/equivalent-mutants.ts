/*
 * The reviewed list of equivalent mutants: changes to a module that no test can notice because
 * they do not change what the module does (or change only its words, for the summary's modules).
 * test/mutation/run.ts leaves a surviving mutant out of the score only when an entry here names it,
 * and prints both scores. An entry is a reviewed claim: add one only with the reason it is
 * equivalent, never to raise a score; a mutant that a test could notice needs the test instead.
 */

/**
 * Why a mutant is left out: `equivalent` (no test can tell it from the module), `wording` (it
 * changes only the words of a sentence, in the summary's modules), or `fails-at-import` (it breaks
 * the module as it loads, failing every test file that imports it, which Stryker's vitest runner
 * does not count as a kill: a detected mutant the runner cannot record).
 */
export type ExclusionKind = 'equivalent' | 'wording' | 'fails-at-import';

/** One mutant excluded from the score, and why. */
export interface EquivalentMutant {
  /** The mutated module, from the repository root. */
  module: string;
  /** Stryker's mutator name, for example `ConditionalExpression`. */
  mutator: string;
  /**
   * The source text the mutant replaces (whitespace collapsed); ending in `...`, a prefix of it
   * (for a mutant of a whole table).
   */
  original: string;
  /** What Stryker puts in its place (whitespace collapsed). */
  replacement: string;
  /**
   * A piece of the mutant's first source line or of the five lines above it, when the same
   * original and replacement occur more than once in the module.
   */
  near?: string;
  /** Default `equivalent`. */
  kind?: ExclusionKind;
  /** Why no test can tell the mutant from the module (or why it is left out). */
  reason: string;
}

const MODULE_SNS = 'core/sns-message.ts';

/** Every excluded mutant of the modules in test/mutation/modules.ts. */
export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = [
  // sources/dynamodb/window.ts
  {
    module: 'sources/dynamodb/window.ts',
    mutator: 'ConditionalExpression',
    original: 'i === count - 1',
    replacement: 'false',
    reason:
      "splitWindow's last window then ends at from + round((to - from) * count / count), which is `to` exactly: " +
      'the product of a span of at most 35 days in ms and a count of at most 35 is far below 2^53, so the ' +
      'division is exact. The special case only says it plainly.',
  },
  {
    module: 'sources/dynamodb/window.ts',
    mutator: 'ArithmeticOperator',
    original: 'count - 1',
    replacement: 'count + 1',
    reason:
      'i never reaches count + 1, so this is the `false` mutant of the same condition: equivalent for the same reason.',
  },
  {
    module: 'sources/dynamodb/window.ts',
    mutator: 'LogicalOperator',
    original: '!first || !last',
    replacement: '!first && !last',
    reason:
      'first and last are windows[0] and windows[length - 1]: both undefined for no windows, both defined ' +
      'otherwise, so either operator gives the same answer (the check exists for noUncheckedIndexedAccess).',
  },

  // functions/shared/run-ledger.ts
  ...['ObjectLiteral', 'BooleanLiteral'].map((mutator) => ({
    module: 'functions/shared/run-ledger.ts',
    mutator,
    original: mutator === 'ObjectLiteral' ? '{ removeUndefinedValues: true }' : 'true',
    replacement: mutator === 'ObjectLiteral' ? '{}' : 'false',
    near: 'Item: marshall(item, { removeUndefinedValues: true })',
    reason:
      "claim's item has no undefined value to remove: RunIdentity has no optional field and the claim's own " +
      'fields are all computed, so marshall gets the same object with or without the option (it guards a ' +
      'future optional field). recordOutcome, whose outcome has optional fields, is tested with them undefined.',
  })),
  ...['ObjectLiteral', 'BooleanLiteral'].map((mutator) => ({
    module: 'functions/shared/run-ledger.ts',
    mutator,
    original: mutator === 'ObjectLiteral' ? '{ removeUndefinedValues: true }' : 'true',
    replacement: mutator === 'ObjectLiteral' ? '{}' : 'false',
    near: "':prev'",
    reason:
      "takeOver's values are all defined: ':prev' is only added when there are previous jobs, the attempt " +
      "comes from the ledger item (every claim writes it) and redo's ':failed' is the job id it was given.",
  })),
  {
    module: 'functions/shared/run-ledger.ts',
    mutator: 'ArrayDeclaration',
    original: '[]',
    replacement: '["Stryker was here"]',
    near: 'for (const raw of response.Items ?? [])',
    reason:
      "DynamoDB's Query answer always carries Items (see the entry below): the empty fallback is never used.",
  },
  {
    module: 'functions/shared/run-ledger.ts',
    mutator: 'OptionalChaining',
    original: 'response.Items?.[0]',
    replacement: 'response.Items[0]',
    reason:
      "DynamoDB's Query answer always carries Items (an empty list when nothing matches; dynalite and moto " +
      'alike), so the optional chaining only satisfies the SDK type, where Items is optional.',
  },

  // core/poll-schedule.ts
  ...poll(
    [['ConditionalExpression', "typeof value === 'number'", 'true']],
    'Number.isFinite is false for everything that is not a number, so the typeof check before it changes nothing.',
  ),
  ...poll(
    [
      ['ConditionalExpression', 'untilDeadline <= 1', 'false'],
      ['EqualityOperator', 'untilDeadline <= 1', 'untilDeadline < 1'],
    ],
    "finalWait's last line caps the wait at untilDeadline and raises it to 1: for a finite untilDeadline of at most 1 it returns 1, as the early return does.",
  ),
  ...poll(
    [['ConditionalExpression', "typeof prior === 'object'", 'true']],
    'A prior given as a number has no finishingStartedSeconds or setupSeconds: reading them gives undefined, which positiveOr turns into 0, as the typeof check does (an undefined prior returns before).',
  ),
  ...poll(
    [
      ['ConditionalExpression', "job.JobStatus === 'PROCESSING' && estimates.piecesPerSecond", 'false'],
      ['ConditionalExpression', "job.JobStatus === 'PROCESSING'", 'true'],
      ['EqualityOperator', "job.JobStatus === 'PROCESSING'", "job.JobStatus !== 'PROCESSING'"],
      ['StringLiteral', "'PROCESSING'", '""', 'estimates.piecesPerSecond) return undefined'],
    ],
    "priorWait's result is used in PROCESSING only while there is no pace (nextWaitSeconds' `!rate` branch), and a pace (piecesPerSecond) exists only once processing pieces were seen, never in the setup or PENDING_JOB nor in initialPollState's fresh estimates: the check never changes a wait.",
  ),
  ...poll(
    [
      ['ConditionalExpression', 'untilThen > 0', 'true'],
      ['EqualityOperator', 'untilThen > 0', 'untilThen >= 0'],
    ],
    'A prior wait of zero or less is only ever compared with Math.max against waits of at least 0 (the growth, the robust wait, the shortest wait), as undefined (taken as 0) is.',
  ),
  ...poll(
    [
      ['ConditionalExpression', 'left > 0', 'true'],
      ['EqualityOperator', 'left > 0', 'left >= 0'],
    ],
    'With no piece left, the estimate is max(piecesChangedAt, now, now): piecesChangedAt is a check time, never after now, so it is now either way.',
  ),
  ...poll(
    [
      ['ConditionalExpression', 'settings.finishingShare * (high - low) > near', 'true'],
      [
        'EqualityOperator',
        'settings.finishingShare * (high - low) > near',
        'settings.finishingShare * (high - low) >= near',
      ],
      ['ArithmeticOperator', 'high - low', 'high + low', 'const target ='],
    ],
    'In a narrow setup bracket (finishingShare × width ≤ near) the step √(2 × near × width / finishingShare) is at least the width, so low + step ≥ high and the target is high whichever branch is taken (updateEstimates keeps low ≤ high).',
  ),
  ...poll(
    [['ConditionalExpression', 'expected === undefined', 'false']],
    'Without an expected COMPLETING length the aim is NaN, and NaN > near is false, as 0 > near is: the same wait.',
  ),
  ...poll(
    [
      ['ConditionalExpression', 'untilWindow > near', 'false'],
      ['EqualityOperator', 'untilWindow > near', 'untilWindow >= near'],
      [
        'MethodExpression',
        'Math.min(cap, Math.max(Math.min(untilWindow, paced), near))',
        'Math.max(cap, Math.max(Math.min(untilWindow, paced), near))',
      ],
      [
        'MethodExpression',
        'Math.max(Math.min(untilWindow, paced), near)',
        'Math.min(Math.min(untilWindow, paced), near)',
      ],
      ['MethodExpression', 'Math.min(untilWindow, paced)', 'Math.max(untilWindow, paced)'],
      ['ArithmeticOperator', 'leftP + piece', 'leftP - piece'],
      ['ConditionalExpression', 'window > 4 * near', 'false'],
      ['EqualityOperator', 'window > 4 * near', 'window >= 4 * near'],
    ],
    "With the last piece in progress the wait is always `cap`: its end is at most one piece's time away (leftP ≤ 1 / rate, piecesChangedAt being a past check), so untilWindow ≤ 0 never passes `> near` (the branch is never taken), and when the window exceeds 4 × near, √(window × near) > 2 × near ≥ robust ≥ cap. The stepping would matter only with a ROBUST_WAIT_FACTOR above 2; tests pin the cap and kill the mutants that open the untaken branch.",
  ),
  ...poll(
    [['EqualityOperator', 'previous.checks > 0', 'previous.checks >= 0']],
    'A check count of 0 counts from 0 either way.',
  ),

  // core/summary.ts
  ...summary(
    [
      ['ConditionalExpression', "parsed && typeof parsed === 'object'", 'true'],
      ['LogicalOperator', "parsed && typeof parsed === 'object'", "parsed || typeof parsed === 'object'"],
      ['ConditionalExpression', "typeof parsed === 'object'", 'true'],
    ],
    "Inside the try: reading errorMessage of a JSON primitive gives undefined (not a string, as the object check says) and of null throws, which the catch turns into 'not a Lambda error', as the check does: the Cause stays the message either way.",
  ),
  ...summary(
    [
      ['ConditionalExpression', '!from || !to', 'false'],
      ['LogicalOperator', '!from || !to', '!from && !to'],
    ],
    'Date.parse of null, undefined or an empty string is NaN, so secondsBetween returns null through its NaN check as it does through the early return.',
  ),
  ...summary(
    [
      ['OptionalChaining', 'described?.jobNote', 'described.jobNote'],
      ['LogicalOperator', 'request && described', 'request || described'],
    ],
    "`described` is the request's source description: defined exactly when the request is (and a job snapshot exists only after the request was validated), so these guards never see one without the other.",
  ),
  ...summary(
    [['ConditionalExpression', 'words', 'true']],
    'wordsOf.set(summary, undefined) stores undefined, which wordsOf.get returns as it does for a summary never set: the same fallbacks follow.',
  ),
  ...summary(
    [
      ['StringLiteral', "'pinpoint'", '""', "registeredSource(raw?.Source ?? 'pinpoint')"],
      ['StringLiteral', "'pinpoint'", '""', "registeredSource(s.source ?? 'pinpoint')"],
    ],
    "Without a source, '' finds no registered source and the expression falls back to what Pinpoint's description gives anyway ('Pinpoint'; findsLostJobs true).",
  ),
  ...summary(
    [
      ['ConditionalExpression', '!v', 'false'],
      ['StringLiteral', "''", '"Stryker was here!"', 'if (!v) return'],
      [
        'ConditionalExpression',
        "default: // Any other verdict is an outcome of its own (MISMATCH, UNVERIFIED), with its own headline. return '';",
        'default:',
      ],
      ['StringLiteral', "''", '"Stryker was here!"', '// Any other verdict is an outcome'],
    ],
    'verifiedOf is called only for a COMPLETED headline, and decideOutcome makes a run COMPLETED only with a verification whose verdict is VERIFIED or COUNTED: no other case is reachable.',
  ),
  ...summary(
    [['ConditionalExpression', 's.failurePercent === undefined', 'false']],
    'buildSummary always sets failurePercent, a number or null (decideOutcome), never undefined.',
  ),
  ...summary(
    [['OptionalChaining', 's.verification?.note', 's.verification.note']],
    'MISMATCH and UNVERIFIED are decided from the verification (its verdict, or verificationOf for a failed or missing one), so a summary with those outcomes always has one.',
  ),
  ...summary(
    [
      ['OptionalChaining', 's.error?.reason', 's.error.reason'],
      ['OptionalChaining', 's.error?.name', 's.error.name'],
    ],
    "An ERROR outcome is decided only when the workflow caught an error (decideOutcome's first rule), and buildSummary then always sets summary.error.",
  ),
  ...summary(
    [['ConditionalExpression', 'change === undefined', 'false']],
    'changePercent is undefined only when there is no previousRun, which the next clause (!s.previousRun) returns for too.',
  ),

  ...summary(
    [['StringLiteral', "''", '"Stryker was here!"', "headline: '',"]],
    'The placeholder headline is replaced by headlineOf two statements later, before anything reads it.',
  ),
  ...summary(
    [['StringLiteral', "''", '"Stryker was here!"', "message.split(': ')[0] ?? ''"]],
    'String.split always returns at least one element, so [0] is never undefined: the fallback is never used.',
  ),
  ...summary(
    [
      ['ConditionalExpression', 'default: return undefined;', 'default:'],
      [
        'StringLiteral',
        "''",
        '"Stryker was here!"',
        "completedButOf(s, job, 'endpoints', s.s3UrlPrefix) ?? ''",
      ],
      ['StringLiteral', "''", '"Stryker was here!"', "w.unit, w.where) ?? ''"],
    ],
    "completedButOf is called only for MISMATCH, UNVERIFIED and TOO_MANY_FAILURES, for each of which it returns a headline: its default and the callers' fallbacks are never reached.",
  ),
  ...summary(
    [['StringLiteral', "''", '"Stryker was here!"', "(s.verification?.note ?? '')"]],
    'An UNVERIFIED summary always has a verification with a note (verificationOf writes one for every case).',
  ),
  ...summary(
    [['StringLiteral', "'?'", '""', "s.failurePercent ?? '?'"]],
    'TOO_MANY_FAILURES is decided only with processed > 0 and failures known, so failurePercent is always a number there.',
  ),
  ...summary(
    [['StringLiteral', "'in an unknown status'", '""']],
    "An ERROR headline names the job's status only when the summary has a job, and every job snapshot carries its JobStatus.",
  ),
  ...summary(
    [
      ['ConditionalExpression', "s.source !== 'pinpoint'", 'true', "(s.source && s.source !== 'pinpoint'"],
      ['StringLiteral', "'pinpoint'", '""', "(s.source && s.source !== 'pinpoint'"],
    ],
    "headlineOf builds fallback words here, but the next statement takes the source's headline only when s.source !== 'pinpoint' again: for a Pinpoint summary both lead to Pinpoint's headline.",
  ),
  ...summary(
    [
      ['StringLiteral', "'records'", '""', "what: s.what ?? 'an unknown target'"],
      ['StringLiteral', "''", '"Stryker was here!"', "what: s.what ?? 'an unknown target'"],
    ],
    'These fallback words serve only a summary without a validated request, which has no job: its outcome is ERROR, whose headline uses the service and what, never the unit or where.',
  ),
  ...summary(
    [
      ['ConditionalExpression', 'history.dropWarnPercent !== undefined', 'true'],
      ['ConditionalExpression', 'change !== null', 'true', 'change < -history.dropWarnPercent'],
      ['ConditionalExpression', 'change !== null && history.dropWarnPercent !== undefined', 'true'],
      [
        'LogicalOperator',
        'change !== null && history.dropWarnPercent !== undefined',
        'change !== null || history.dropWarnPercent !== undefined',
      ],
    ],
    'Without a limit, change < -undefined is change < NaN, false; without a change, null < -limit is 0 < -limit, false for any limit the stage accepts (0 to 100): the guards only say it plainly.',
  ),
  {
    module: 'core/summary.ts',
    mutator: 'StringLiteral',
    original: "'?'",
    replacement: '""',
    near: "n === null ? '?'",
    kind: 'wording',
    reason:
      'How a headline writes a count the source did not report (the Subject never shows it, sns-message.ts leaves it out): a placeholder, not a fact.',
  },
  // core/advice.ts
  {
    module: 'core/advice.ts',
    mutator: 'OptionalChaining',
    original: 's.verification?.manifestUri',
    replacement: 's.verification.manifestUri',
    reason:
      "MISMATCH is decided from the verification's verdict, so a MISMATCH summary always has a verification.",
  },
  {
    module: 'core/advice.ts',
    mutator: 'ConditionalExpression',
    original: 's.failurePercent === undefined',
    replacement: 'false',
    reason: 'buildSummary always sets failurePercent, a number or null (decideOutcome), never undefined.',
  },
  {
    module: 'core/advice.ts',
    mutator: 'ConditionalExpression',
    original: 'rerun',
    replacement: 'true',
    near: 'if (rerun) parts.push(rerun)',
    reason:
      "FAILED and TIMED_OUT are decided from a job's status, so the summary has a job and rerunAdvice always says " +
      'something (it is null only without a job and a scheduled time, or for invalid input).',
  },
  // core/sns-message.ts
  {
    module: MODULE_SNS,
    mutator: 'Regex',
    original: '/[\\r\\n\\t\\u0085\\u2028\\u2029]+/g',
    replacement: '/[\\r\\n\\t\\u0085\\u2028\\u2029]/g',
    reason:
      'A run of line breaks becomes several spaces instead of one, and the next replace collapses every run of whitespace to one space.',
  },
  {
    module: MODULE_SNS,
    mutator: 'ConditionalExpression',
    original: 'whole.length <= SNS_MAX_SUBJECT_CHARS',
    replacement: 'false',
    reason:
      'When the whole Subject fits, the shortening path returns it unchanged: the room left for the description is its length, and cutAtWord keeps a text within its limit.',
  },
  {
    module: MODULE_SNS,
    mutator: 'EqualityOperator',
    original: 'whole.length <= SNS_MAX_SUBJECT_CHARS',
    replacement: 'whole.length < SNS_MAX_SUBJECT_CHARS',
    reason:
      'At exactly 99 characters the shortening path returns the Subject unchanged (as for the `false` mutant above).',
  },
  {
    module: MODULE_SNS,
    mutator: 'ConditionalExpression',
    original: 's.failurePercent === undefined',
    replacement: 'false',
    reason: 'buildSummary always sets failurePercent, a number or null (decideOutcome), never undefined.',
  },
  {
    module: MODULE_SNS,
    mutator: 'ConditionalExpression',
    original: '!fits(withKept(kept))',
    replacement: 'true',
    reason:
      'When every Failures entry fits, the binary search over [0, all] ends at all: the same entries are kept.',
  },
  {
    module: MODULE_SNS,
    mutator: 'ConditionalExpression',
    original: 'json',
    replacement: 'true',
    near: 'if (json) {',
    reason: "JSON.parse of undefined or '' throws, which the catch turns into no summary, as the check does.",
  },
  {
    module: MODULE_SNS,
    mutator: 'BlockStatement',
    original: '{ summary = null; }',
    replacement: '{}',
    reason: 'summary is still null when JSON.parse throws (it is assigned only when parsing succeeds).',
  },
  // core/outcome.ts
  {
    module: 'core/outcome.ts',
    mutator: 'ConditionalExpression',
    original: "typeof value === 'string'",
    replacement: 'true',
    reason:
      'OUTCOMES holds only strings, so includes() is false for any value that is not one: the typeof check only narrows the type.',
  },
  {
    module: 'core/outcome.ts',
    mutator: 'ConditionalExpression',
    original: 'error !== undefined',
    replacement: 'true',
    reason:
      "The only failError that is not a string is COMPLETED's null, which never equals undefined: no outcome is found for undefined either way.",
  },
  {
    module: 'core/outcome.ts',
    mutator: 'ConditionalExpression',
    original: 'facts.processed !== null',
    replacement: 'true',
    reason: 'null > 0 is false, so the clause after it already keeps a null count out.',
  },
  {
    module: 'core/outcome.ts',
    mutator: 'ObjectLiteral',
    original: '{ COMPLETED: { success: true, failError: null, ...',
    replacement: '{}',
    kind: 'fails-at-import',
    reason:
      'An empty OUTCOME_RULES makes FAILURE_OUTCOMES throw a TypeError while outcome.ts loads, so every test ' +
      'file that imports it fails to load: detected, but the vitest runner counts no kill for a file that fails to load.',
  },
];

/** Entries of core/poll-schedule.ts sharing one reason: [mutator, original, replacement, near?]. */
function poll(mutants: [string, string, string, string?][], reason: string): EquivalentMutant[] {
  return mutants.map(([mutator, original, replacement, near]) => ({
    module: 'core/poll-schedule.ts',
    mutator,
    original,
    replacement,
    ...(near ? { near } : {}),
    reason,
  }));
}

/** Entries of core/summary.ts sharing one reason: [mutator, original, replacement, near?]. */
function summary(mutants: [string, string, string, string?][], reason: string): EquivalentMutant[] {
  return mutants.map(([mutator, original, replacement, near]) => ({
    module: 'core/summary.ts',
    mutator,
    original,
    replacement,
    ...(near ? { near } : {}),
    reason,
  }));
}
