import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

/*
 * Global setup of `npm run test:moto`: moto's server (`python3 -m moto.server -H 127.0.0.1 -p PORT`,
 * DynamoDB, S3, SNS, SQS, CloudFormation, Scheduler on one port) for the run, its URL provided to
 * the tests as `motoUrl`. Where python3 cannot import moto, one loud line says so and the tests skip.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto's URL, or '' when moto is not there (the tests skip). */
    motoUrl: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const probe = spawnSync('python3', ['-c', 'import moto, moto.server; print(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || 'python3 not found').trim().split('\n').at(-1);
    process.stdout.write(
      `\n*** SKIPPING the moto conformance run: python3 cannot import moto (${why}); install it (pip install 'moto[server]') to run npm run test:moto ***\n\n`,
    );
    project.provide('motoUrl', '');
    return async () => undefined;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  // Ready when its own API answers; bounded, so a broken install fails instead of hanging.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill();
      throw new Error(`moto ${probe.stdout.trim()} did not start on ${url}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.stdout.write(`moto ${probe.stdout.trim()} at ${url}\n`);
  project.provide('motoUrl', url);
  return async () => {
    server.kill();
  };
}
