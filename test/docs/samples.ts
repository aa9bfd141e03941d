import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { realDeps } from '../../cli/deps.ts';
import { main as exportCli } from '../../cli/main.ts';
import { main as npmStart } from '../../cli/start.ts';

/*
 * Samples of output in the docs are produced by running their commands, never pasted. A sample
 * is a fenced block right after a marker naming its command:
 *
 *   <!-- sample: npm start -- --fault fail-job -->
 *   ```
 *   …what the command printed…
 *   ```
 *
 * `npm run docs:samples` runs every marked command and writes what it printed into its block;
 * test/docs/samples.test.ts runs them again and compares, with what changes from run to run
 * (times, ids, ports, sizes, how many progress lines a run shows) normalised, so a sample that
 * drifts from the code fails a test. `| head -n N` after the command keeps the first N lines,
 * `| tail -n N` the last N.
 */

export const ROOT = join(import.meta.dirname, '..', '..');

/** The documents whose samples are checked. */
export function sampleDocuments(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs];
}

export interface Sample {
  file: string;
  /** The command as the marker names it. */
  command: string;
  /** The block's text. */
  text: string;
  /** Where the block's text starts and ends in the file. */
  start: number;
  end: number;
}

const MARKER = /<!-- sample: (.+?) -->\n```[a-z]*\n([\s\S]*?)```/g;

export function samplesIn(file: string): Sample[] {
  const content = readFileSync(file, 'utf8');
  return [...content.matchAll(MARKER)].map((m) => {
    const start =
      (m.index ?? 0) + m[0].indexOf('\n```') + m[0].slice(m[0].indexOf('\n```') + 1).indexOf('\n') + 2;
    return { file, command: m[1]!, text: m[2]!, start, end: start + m[2]!.length };
  });
}

/** Runs a sample's command in this process, its local files in a fresh folder; what it printed. */
export async function runSample(command: string): Promise<string> {
  const [, line, cut, count] = /^(.*?)(?:\s*\|\s*(head|tail) -n\s*(\d+))?\s*$/.exec(command) ?? [];
  const words = (line ?? '').trim().split(/\s+/);
  const dataDir = mkdtempSync(join(tmpdir(), 'doc-sample-'));
  const out: string[] = [];
  const writer = { write: (text: string) => out.push(text) };
  try {
    if (words[0] === 'npm' && words[1] === 'start') {
      const args = words.slice(words[2] === '--' ? 3 : 2);
      await npmStart([...args, ...(args.includes('--help') ? [] : ['--data-dir', dataDir])], writer, writer);
    } else if (words.slice(0, 4).join(' ') === 'npm run export --') {
      await exportCli(words.slice(4), { ...realDeps(), stdout: writer, stderr: writer, isTTY: false });
    } else {
      throw new Error(`a sample's command must be npm start or npm run export, got: ${command}`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Paths under the run's own folder read as the default one.
  let text = out.join('').split(dataDir).join('.local/emulator');
  if (cut === 'head') text = text.split('\n').slice(0, Number(count)).join('\n');
  if (cut === 'tail') text = text.trimEnd().split('\n').slice(-Number(count)).join('\n');
  return `${text.trimEnd()}\n`;
}

/** Intermediate job statuses: how many lines of them a run prints depends on timing. */
const PROGRESS =
  /^<clock> {2}job (?:PREPARING_FOR_INITIALIZATION|INITIALIZING|PROCESSING|PENDING_JOB|COMPLETING|IN_PROGRESS)\b/;

/** Terminal colours (vitest's, a TTY's): ESC [ … m. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * What may change from run to run, replaced by placeholders; progress lines dropped. How many
 * status checks a run makes depends on timing, as its progress lines do: `StatusChecks` too.
 */
export function normaliseSample(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d[:-]\d\d[:-]\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(/\b\d{8}T\d{6}Z\b/g, '<ts>')
    .replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/g, '<time>')
    .replace(/\b\d{4}-\d\d-\d\d\b/g, '<date>')
    .replace(/^\d\d:\d\d:\d\dZ/gm, '<clock>')
    .replace(/(manual-<ts>-[\w-]*?)-[a-z0-9]{4}\b/g, '$1-<rand>')
    .replace(/\b\d{14}-[0-9a-f]{8}\b/g, '<export-id>')
    .replace(/\b[0-9a-f]{32}\b/g, '<hex>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\btook \d+s\b/g, 'took <s>')
    .replace(/"durationSeconds": \d+/g, '"durationSeconds": <s>')
    .replace(/\b\d+(?:\.\d+)? (?:B|KB|MB|GB)\b/g, '<size>')
    .replace(/\b(StatusChecks|JobDurationSeconds|SummaryDelaySeconds|BilledSizeBytes) [\d,.]+/g, '$1 <n>')
    .split('\n')
    .filter((l) => !PROGRESS.test(l))
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/** Writes what each marked command prints into its block (`npm run docs:samples`). */
export async function writeSamples(files = sampleDocuments()): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const samples = samplesIn(file);
    if (samples.length === 0) continue;
    let content = readFileSync(file, 'utf8');
    // Last first, so the earlier offsets stay right.
    for (const sample of [...samples].reverse()) {
      const output = await runSample(sample.command);
      content = content.slice(0, sample.start) + output + content.slice(sample.end);
      written.push(`${relative(ROOT, file)}: ${sample.command}`);
    }
    writeFileSync(file, content);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeSamples().then(
    (written) => {
      process.stdout.write(`${written.map((w) => `wrote ${w}`).join('\n')}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
