import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * The local runs' history: one record per run, so `npm run export -- status
 * --local <name>` and `list --local` can show a run after its process ended.
 * A narrow interface (record / list / get) so another store (the run ledger's
 * table) can stand in for the files.
 */

/** What a store needs to know of a record: its name and when it started. */
export interface RunRecordKey {
  name: string;
  startDate: string;
}

export interface RunStore<T extends RunRecordKey> {
  /** Saves (or replaces) the record of one run. */
  record(run: T): Promise<void>;
  /** The latest `max` runs, newest first. */
  list(max: number): Promise<T[]>;
  /** One run by execution name, or undefined. */
  get(name: string): Promise<T | undefined>;
}

/** Execution names are 1–80 characters of [0-9A-Za-z_-]: safe as file names. */
const NAME = /^[0-9A-Za-z_-]{1,80}$/;

/** A store of JSON files, `<data-dir>/runs/<execution name>.json`. */
export function fileRunStore<T extends RunRecordKey>(dataDir: string): RunStore<T> {
  const folder = join(dataDir, 'runs');
  const fileOf = (name: string) => {
    if (!NAME.test(name)) throw new Error(`not an execution name: ${JSON.stringify(name)}`);
    return join(folder, `${name}.json`);
  };
  const read = async (file: string): Promise<T | undefined> => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  return {
    async record(run) {
      await mkdir(folder, { recursive: true });
      const file = fileOf(run.name);
      // Written whole, then renamed: a reader never sees half a record.
      await writeFile(`${file}.tmp`, `${JSON.stringify(run, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
    },
    async list(max) {
      let names: string[];
      try {
        names = (await readdir(folder)).filter((f) => f.endsWith('.json'));
      } catch {
        return [];
      }
      const runs: T[] = [];
      for (const run of await Promise.all(names.map((f) => read(join(folder, f))))) if (run) runs.push(run);
      return runs.sort((a, b) => b.startDate.localeCompare(a.startDate)).slice(0, max);
    },
    async get(name) {
      if (!NAME.test(name)) return undefined;
      return read(fileOf(name));
    },
  };
}
