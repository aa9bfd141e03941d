import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/*
 * Wall time of `npm start` end to end: the script package.json names, run as a
 * child process with the same tsx the npm script uses. When the script or its
 * entry file does not exist, the result says so instead of failing the bench.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface LocalRunTiming {
  available: boolean;
  command: string;
  wallMs: number | null;
  exitCode: number | null;
  note: string;
}

export async function timeLocalRun(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 180_000,
): Promise<LocalRunTiming> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = pkg.scripts?.start;
  const match = script ? /^tsx\s+(\S+\.ts)\s*$/.exec(script) : null;
  if (!script || !match) {
    return {
      available: false,
      command: script ?? '(none)',
      wallMs: null,
      exitCode: null,
      note: 'not available: no `tsx <file>` start script',
    };
  }
  const entry = join(ROOT, match[1]!);
  if (!existsSync(entry)) {
    return {
      available: false,
      command: script,
      wallMs: null,
      exitCode: null,
      note: `not available: ${match[1]} does not exist yet`,
    };
  }
  const started = performance.now();
  const exitCode = await new Promise<number | null>((done) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [entry], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${env.PATH ?? ''}`, CI: 'true' },
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
  const wallMs = performance.now() - started;
  return {
    available: true,
    command: `npm start (${script})`,
    wallMs,
    exitCode,
    note: exitCode === 0 ? 'exit 0' : `exit ${String(exitCode)} (the local run itself failed or timed out)`,
  };
}
