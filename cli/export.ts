import { realDeps } from './deps.ts';
import { main } from './main.ts';

/*
 * `npm run export -- …`: the operators' CLI. Wiring only: cli/deps.ts holds
 * the real clients and streams, cli/main.ts the logic.
 */

const code = await main(process.argv.slice(2), realDeps());

// Exit now rather than when idle sockets (or an interrupted local run) let go.
process.stdout.write('', () => process.exit(code));
