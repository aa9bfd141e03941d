import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main as npmStart } from '../../cli/start.ts';
import { isSuccess, OUTCOME_RULES, type Outcome } from '../../core/outcome.ts';
import { type ReceivedAttribute, readSummaryMessage } from '../../core/sns-message.ts';

/*
 * One outcome per run, told the same on every channel. Each outcome is produced through the
 * whole workflow: `npm start` in this process (the CLI, the deployed ASL on the local engine,
 * the real handlers, the emulator over HTTP), then every channel is read back: the exit status,
 * the terminal's timeline and report, `--json` (`status --local --json`), the SNS message's
 * `status` attribute, Subject and first line, the summary's advice, `history --local`, the run
 * ledger's item and the `Runs` metric's Outcome dimension (the EMF line publish-summary writes).
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const QUICK = ['--endpoints', '300', '--job-duration', '2'];

const SCENARIOS: { outcome: Outcome; args: string[] }[] = [
  { outcome: 'COMPLETED', args: QUICK },
  { outcome: 'MISMATCH', args: [...QUICK, '--fault', 'truncate-export'] },
  // Customer Profiles' ORC files are listed, but their records are not counted: not verified.
  { outcome: 'UNVERIFIED', args: ['--source', 'customer-profiles', '--format', 'ORC'] },
  { outcome: 'TOO_MANY_FAILURES', args: [...QUICK, '--malformed-every', '1'] },
  { outcome: 'FAILED', args: [...QUICK, '--fault', 'fail-job'] },
  { outcome: 'TIMED_OUT', args: ['--endpoints', '300', '--fault', 'stuck-job', '--deadline', '4'] },
  { outcome: 'ERROR', args: [...QUICK, '--fault', 'end-of-support'] },
];

/** Runs the CLI in this process: its exit status and what it printed; EMF lines are collected from stdout. */
async function cli(argv: string[], emf?: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const writer = { write: (text: string) => out.push(text) };
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    for (const line of text.split('\n')) if (line.includes('"_aws"')) emf?.push(line);
    return true;
  });
  try {
    const code = await npmStart(argv, writer, writer);
    return { code, out: out.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** Runs the export CLI (not `npm start`) with the same writers. */
async function exportCli(argv: string[]): Promise<{ code: number; out: string }> {
  const { main } = await import('../../cli/main.ts');
  const { realDeps } = await import('../../cli/deps.ts');
  const out: string[] = [];
  const writer = { write: (text: string) => out.push(text) };
  const code = await main(argv, { ...realDeps(), stdout: writer, stderr: writer, isTTY: false });
  return { code, out: out.join('') };
}

describe('one outcome per run, told the same on every channel', () => {
  it.each(SCENARIOS)(
    '$outcome',
    async ({ outcome, args }) => {
      const dataDir = mkdtempSync(join(tmpdir(), `outcome-${outcome.toLowerCase()}-`));
      dirs.push(dataDir);
      const emf: string[] = [];

      // Act: the run, with the function logs on so publish-summary's EMF lines are written.
      const run = await cli([...args, '--data-dir', dataDir, '--logs'], emf);

      // Exit status: 0 only for a success.
      expect(run.code).toBe(isSuccess(outcome) ? 0 : 1);
      // The terminal: the timeline's summary line and the report's header.
      expect(run.out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\dZ {2}summary ${outcome} `, 'm'));
      const name = new RegExp(`^(\\S+) {2}${outcome}$`, 'm').exec(run.out)?.[1];
      expect(name, run.out.slice(-3000)).toBeDefined();
      // What to do: for every outcome that is not a success, never for COMPLETED.
      expect(/^ {2}what to do +\S/m.test(run.out)).toBe(!isSuccess(outcome));

      // --json: the recorded run, read back.
      const json = await exportCli(['status', '--local', name!, '--data-dir', dataDir, '--json']);
      const doc = JSON.parse(json.out) as {
        run: { outcome: string; summary: { status: string }; explanation: { advice: string | null } | null };
        local: { messageFile: string };
      };
      expect(json.code).toBe(isSuccess(outcome) ? 0 : 1);
      expect(doc.run.outcome).toBe(outcome);
      expect(doc.run.summary.status).toBe(outcome);
      if (isSuccess(outcome)) expect(doc.run.explanation).toBeNull();
      else expect(doc.run.explanation?.advice).toMatch(/\S/);

      // SNS: the status attribute, the Subject, the body's first line, the summary for programs.
      const message = JSON.parse(readFileSync(doc.local.messageFile, 'utf8')) as {
        Subject: string;
        Message: string;
        MessageAttributes: Record<string, ReceivedAttribute>;
      };
      const { summary } = readSummaryMessage(message.Message, message.MessageAttributes);
      expect((message.MessageAttributes.status as { Value: string }).Value).toBe(outcome);
      expect(message.Subject).toMatch(new RegExp(`^\\[local\\] [A-Za-z ]+ export ${outcome}\\b`));
      expect(message.Subject).not.toContain('?');
      expect(message.Message.split('\n')[0]).toMatch(new RegExp(`^[A-Za-z ]+ export ${outcome}$`));
      expect(summary?.status).toBe(outcome);
      expect(message.Message.includes('What to do: ')).toBe(!isSuccess(outcome));
      expect(summary?.advice ?? null).toBe(doc.run.explanation?.advice ?? null);
      expect((message.MessageAttributes.hasFailures as { Value: string }).Value).toBe(
        String(!isSuccess(outcome) || (summary?.TotalFailures ?? 0) > 0),
      );

      // history --local and the ledger item (ERROR before a claim has no ledger item: none here).
      const history = await exportCli(['history', '--local', '--data-dir', dataDir, '--json']);
      const rows = (JSON.parse(history.out) as { runs: { outcome: string; execution: string }[] }).runs;
      expect(rows.find((r) => r.execution === name)?.outcome).toBe(outcome);
      const ledger = JSON.parse(readFileSync(join(dataDir, 'ledger', 'runs.json'), 'utf8')) as {
        claimedBy: { S: string };
        outcome: { M: { status: { S: string } } };
        goodTarget?: { S: string };
      }[];
      const item = ledger.find((i) => i.claimedBy.S === name);
      expect(item?.outcome.M.status.S).toBe(outcome);
      // Only a success is a previous good night (the ledger's `good` index).
      expect(item?.goodTarget !== undefined).toBe(isSuccess(outcome));

      // The Runs metric, by Outcome (and the alarm's error on the execution).
      const outcomes = emf
        .map((line) => JSON.parse(line) as { Outcome?: string; Runs?: number })
        .filter((doc) => doc.Outcome !== undefined);
      expect(outcomes).toEqual([expect.objectContaining({ Outcome: outcome, Runs: 1 })]);
      const failError = OUTCOME_RULES[outcome].failError;
      if (failError) expect(run.out).toMatch(new RegExp(`^ {2}error +${failError}$`, 'm'));
    },
    60_000,
  );
});
