import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/args.ts';
import { helpText, LOCAL_APPLICATION, LOCAL_SEGMENT } from '../../cli/help.ts';
import { DEFAULT_APPLICATION_ID, DEFAULT_SEGMENT_ID } from '../../dev/emulator/index.ts';
import { PINPOINT_SEGMENT_ID } from '../../sources/pinpoint/names.ts';

/*
 * What a new user copies must work: the examples in the README, OPERATE.md and
 * --help, and the Node version package.json promises.
 */

const root = resolve(import.meta.dirname, '../..');
/** npm's range logic (semver, installed with aws-cdk-lib and the toolchain), untyped there. */
const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, dom: string): boolean };
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const DOCS: Record<string, string> = {
  'README.md': read('README.md'),
  'docs/OPERATE.md': read('docs/OPERATE.md'),
  ...Object.fromEntries(
    [...COMMANDS, 'general', 'npm-start'].map((topic) => [
      `--help (${topic})`,
      helpText(topic as Parameters<typeof helpText>[0]),
    ]),
  ),
};

describe('examples in the docs and the help', () => {
  it('use segment ids as Pinpoint generates them (32 hex characters), never a segment name', () => {
    const examples = Object.entries(DOCS).flatMap(([where, text]) =>
      [...text.matchAll(/--segment-id[ =](\S+)/g)].map((m) => ({ where, id: m[1]! })),
    );

    expect(examples.length).toBeGreaterThan(3);
    for (const { where, id } of examples.filter(({ id }) => !/^[<…]/.test(id))) {
      expect(id, where).toMatch(PINPOINT_SEGMENT_ID);
    }
  });

  it("name the emulator's seeded application and segment as the emulator has them", () => {
    expect(LOCAL_APPLICATION).toBe(DEFAULT_APPLICATION_ID);
    expect(LOCAL_SEGMENT).toBe(DEFAULT_SEGMENT_ID);
  });

  it('show no path of the machine they were written on', () => {
    for (const [where, text] of Object.entries(DOCS)) {
      expect(text, where).not.toMatch(/\/(work|home|Users|root)\/[\w.-]+\//);
    }
  });

  it('list as many commands under "Two commands" as the heading says', () => {
    const section = /## Two commands\n([\s\S]*?)```sh\n([\s\S]*?)```/.exec(DOCS['README.md']!);
    const commands = section?.[2]?.split('\n').filter((line) => line.trim() !== '') ?? [];

    expect(commands).toHaveLength(2);
  });
});

describe('Node versions', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { dev?: boolean; optional?: boolean }>;
  };

  it("promise only Node versions every installed package's engines allow", () => {
    const refused: string[] = [];
    for (const path of Object.keys(lock.packages)) {
      if (!path || lock.packages[path]?.optional) continue;
      let engines: { node?: unknown } | undefined;
      try {
        engines = (JSON.parse(read(join(path, 'package.json'))) as { engines?: { node?: unknown } }).engines;
      } catch {
        continue;
      }
      if (typeof engines?.node !== 'string') continue;
      if (!semver.subset(pkg.engines.node, engines.node)) refused.push(`${path} (${engines.node})`);
    }

    expect(refused).toEqual([]);
  });

  it('the README states the same range as engines', () => {
    expect(DOCS['README.md']).toContain(`\`${pkg.engines.node}\``);
  });
});
