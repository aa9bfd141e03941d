import type { Reporter, TestModule } from 'vitest/node';
import type { MatrixRow } from './matrix.ts';

/*
 * A vitest reporter that prints the failure matrix (scenario, expected,
 * observed, result) after the run. Used by `npm run test:faults` next to the
 * default reporter; rows come from each test's `task.meta.faultMatrix`.
 */

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export default class MatrixReporter implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: string[][] = [['scenario', 'expected', 'observed', 'result']];
    let passed = 0;
    let failed = 0;
    const sorted = [...testModules].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
    for (const module of sorted) {
      for (const test of module.children.allTests()) {
        const row = test.meta().faultMatrix as MatrixRow | undefined;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        if (!row) continue;
        rows.push([
          row.scenario,
          row.expected,
          row.observed,
          state === 'passed' ? 'ok' : state.toUpperCase(),
        ]);
      }
    }
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stdout.write(
      `\nFailure matrix (execution | summaries | CreateExportJob calls | export jobs | SNS messages)\n\n${table(rows)}\n\n` +
        `${rows.length - 1} scenarios, ${passed} tests passed, ${failed} failed, ${seconds} s\n`,
    );
  }
}
