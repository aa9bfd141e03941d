'use strict';

/*
 * Entry point for `${file(deploy/serverless.cjs):…}` in serverless.yml. osls loads
 * JS variable files with require(), so this CommonJS shim loads the TypeScript
 * builder through Node's built-in type stripping: run osls through the npm
 * scripts (`npm run package` / `npm run deploy`), which use the project's pinned
 * Node 24.
 */

if (!process.features.typescript) {
  throw new Error(
    `deploy/serverless.cjs needs Node.js with TypeScript type stripping (22.18+), got ${process.version}: ` +
      'run osls through `npm run package` / `npm run deploy` (they use the pinned Node 24)',
  );
}

const { resolveStack, resolvingOnce } = require('./stack.ts');

/**
 * One resolution per process: osls calls this once per `${file(...)}` reference,
 * and a broken stage file is reported once (see resolvingOnce).
 */
module.exports = resolvingOnce(resolveStack);
