import type { TaskMeta } from 'vitest';
import { formatOutcome, type Outcome } from './harness.ts';

/*
 * The scenario matrix `npm run test:faults` prints. Each test attaches one row
 * to its own task meta (vitest carries it to reporters), before it asserts, so
 * a failing scenario still shows what was observed.
 */

export interface MatrixRow {
  scenario: string;
  expected: string;
  observed: string;
}

declare module 'vitest' {
  interface TaskMeta {
    faultMatrix?: MatrixRow;
  }
}

/** Attaches the scenario's row to the running test (pass the test context's `task`). */
export function record(
  task: { meta: TaskMeta },
  scenario: string,
  expected: Outcome | string,
  observed: Outcome | string,
  note?: string,
): void {
  const show = (o: Outcome | string) => (typeof o === 'string' ? o : formatOutcome(o));
  task.meta.faultMatrix = {
    scenario,
    expected: show(expected),
    observed: `${show(observed)}${note ? ` | ${note}` : ''}`,
  };
}
