import { realDeps } from './deps.ts';
import type { Writer } from './format.ts';
import { helpText } from './help.ts';
import { main as cli } from './main.ts';

/*
 * `npm start`: the shortcut for `npm run export -- start --local --wait`. One
 * parser, one renderer and one outcome → exit status mapping: the CLI's. See
 * `npm start -- --help`.
 */

export async function main(
  argv: readonly string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(helpText('npm-start'));
    return 0;
  }
  return cli(['start', '--local', '--wait', ...argv], {
    ...realDeps(),
    stdout: out,
    stderr: err,
    isTTY: out === process.stdout && process.stdout.isTTY === true,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (error: unknown) => {
      process.stderr.write(`npm start failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
