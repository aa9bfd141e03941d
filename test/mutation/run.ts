import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EQUIVALENT_MUTANTS, type EquivalentMutant } from './equivalent-mutants.ts';
import { MUTATION_MODULES, type MutationModule } from './modules.ts';

/*
 * `npm run test:mutation -- <module> [--fast] [--score-only]`: Stryker on one module against the
 * test files test/mutation/modules.ts lists for it, then the score with the reviewed equivalent
 * mutants (test/mutation/equivalent-mutants.ts) left out. Both scores are printed, and every
 * survivor that no entry names, so a reader sees what the tests miss. Exit 1 below the module's
 * target. `--fast` leaves out the slow end-to-end and fault files (for iterating; the reported
 * scores are without it); `--score-only` re-scores the last report without running Stryker.
 */

interface ReportMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

const usage = `usage: npm run test:mutation -- <module> [--fast] [--score-only]
modules (a unique part of the path is enough):
${MUTATION_MODULES.map((m) => `  ${m.module}  (target ${m.target} %)`).join('\n')}`;

function pick(name: string | undefined): MutationModule {
  const matches = name ? MUTATION_MODULES.filter((m) => m.module.includes(name)) : [];
  const [found] = matches;
  if (matches.length !== 1 || !found) {
    console.error(name ? `${name}: ${matches.length ? 'more than one module' : 'no such module'}\n` : '');
    console.error(usage);
    process.exit(2);
  }
  return found;
}

const reportPath = (module: string) =>
  `reports/mutation/${module.replace(/\.ts$/, '').replaceAll('/', '_')}.json`;

function runStryker(module: string, tests: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('stryker', ['run', 'stryker.config.mjs'], {
      stdio: 'inherit',
      env: { ...process.env, MUTATION_MODULE: module, MUTATION_TESTS: JSON.stringify(tests) },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The source text a mutant replaces. */
function originalOf(source: string, mutant: ReportMutant): string {
  const lines = source.split('\n');
  const { start, end } = mutant.location;
  const picked = lines.slice(start.line - 1, end.line);
  picked[picked.length - 1] = (picked[picked.length - 1] ?? '').slice(0, end.column - 1);
  picked[0] = (picked[0] ?? '').slice(start.column - 1);
  return picked.join('\n');
}

function matches(entry: EquivalentMutant, module: string, source: string, mutant: ReportMutant): boolean {
  const first = mutant.location.start.line - 1;
  const lines = source.split('\n').slice(Math.max(0, first - 5), first + 1);
  return (
    entry.module === module &&
    entry.mutator === mutant.mutatorName &&
    (entry.original.endsWith('...')
      ? collapse(originalOf(source, mutant)).startsWith(collapse(entry.original.slice(0, -3)))
      : collapse(entry.original) === collapse(originalOf(source, mutant))) &&
    collapse(entry.replacement) === collapse(mutant.replacement ?? '') &&
    (entry.near === undefined || lines.some((line) => line.includes(entry.near as string)))
  );
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const percent = (detected: number, valid: number) => (valid ? (100 * detected) / valid : 100).toFixed(2);

function score(target: MutationModule): boolean {
  const report = JSON.parse(readFileSync(reportPath(target.module), 'utf8')) as Report;
  const file = report.files[target.module];
  if (!file) throw new Error(`${reportPath(target.module)} has no mutants of ${target.module}`);
  const entries = EQUIVALENT_MUTANTS.filter((e) => e.module === target.module);
  const used = new Set<EquivalentMutant>();
  let detected = 0;
  let undetected = 0;
  let excluded = 0;
  const byKind = new Map<string, number>();
  const survivors: string[] = [];
  for (const mutant of file.mutants) {
    if (DETECTED.has(mutant.status)) detected++;
    if (!UNDETECTED.has(mutant.status)) continue;
    const entry = entries.find((e) => matches(e, target.module, file.source, mutant));
    if (entry) {
      used.add(entry);
      excluded++;
      const kind = entry.kind ?? 'equivalent';
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      continue;
    }
    undetected++;
    const { line, column } = mutant.location.start;
    survivors.push(
      `  ${target.module}:${line}:${column} ${mutant.mutatorName} ${mutant.status}: ${collapse(
        originalOf(file.source, mutant),
      ).slice(0, 80)} -> ${collapse(mutant.replacement ?? '').slice(0, 80)}`,
    );
  }
  const stale = entries.filter((e) => !used.has(e));
  const after = Number(percent(detected, detected + undetected));
  console.log(`\n${target.module}`);
  console.log(`  mutants: ${file.mutants.length}; detected ${detected}, undetected ${undetected + excluded}`);
  console.log(`  Stryker's score: ${percent(detected, detected + undetected + excluded)} %`);
  const kinds = [...byKind].map(([kind, count]) => `${count} ${kind}`).join(', ');
  console.log(
    `  mutants excluded (test/mutation/equivalent-mutants.ts): ${excluded}${kinds ? ` (${kinds})` : ''}`,
  );
  console.log(`  score after the excluded: ${after.toFixed(2)} % (target ${target.target} %)`);
  if (survivors.length) console.log(`  undetected:\n${survivors.join('\n')}`);
  for (const e of stale) {
    console.log(`  stale entry (names no undetected mutant): ${e.mutator} ${e.original} -> ${e.replacement}`);
  }
  return after >= target.target;
}

const args = process.argv.slice(2);
const target = pick(args.find((a) => !a.startsWith('--')));
if (!args.includes('--score-only')) {
  const tests = args.includes('--fast') ? target.fast : [...target.fast, ...target.slow];
  const started = Date.now();
  const code = await runStryker(target.module, tests);
  console.log(`\nstryker: ${Math.round((Date.now() - started) / 1000)} s, ${tests.length} test files`);
  if (code !== 0) process.exit(code);
}
process.exit(score(target) ? 0 : 1);
