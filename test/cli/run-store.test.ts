import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRunStore } from '../../dev/local/runs.ts';

/* The local runs' history: one JSON file per run under <data-dir>/runs. */

const dataDir = mkdtempSync(join(tmpdir(), 'run-store-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Run = { name: string; startDate: string; outcome: string };

describe('the file run store', () => {
  it('keeps one record per run, replaces it on a second record, and lists newest first', async () => {
    const store = fileRunStore<Run>(dataDir);

    await store.record({ name: 'local-a', startDate: '2026-11-28T10:00:00.000Z', outcome: 'RUNNING' });
    await store.record({ name: 'local-b', startDate: '2026-11-28T11:00:00.000Z', outcome: 'FAILED' });
    await store.record({ name: 'local-c', startDate: '2026-11-28T09:00:00.000Z', outcome: 'ERROR' });
    await store.record({ name: 'local-a', startDate: '2026-11-28T10:00:00.000Z', outcome: 'COMPLETED' });

    expect(readdirSync(join(dataDir, 'runs')).sort()).toEqual([
      'local-a.json',
      'local-b.json',
      'local-c.json',
    ]);
    expect((await store.list(2)).map((r) => r.name)).toEqual(['local-b', 'local-a']);
    expect(await store.get('local-a')).toMatchObject({ outcome: 'COMPLETED' });
  });

  it('answers undefined for an unknown or unsafe name, and an empty list for a new folder', async () => {
    const store = fileRunStore<Run>(dataDir);

    expect(await store.get('local-nope')).toBeUndefined();
    expect(await store.get('../../etc/passwd')).toBeUndefined();
    expect(await fileRunStore<Run>(join(dataDir, 'empty')).list(10)).toEqual([]);
  });
});
