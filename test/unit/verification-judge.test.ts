import { describe, expect, it } from 'vitest';
import {
  bytesText,
  type Findings,
  integrityProblems,
  judge,
} from '../../functions/shared/verification/judge.ts';
import type { ManifestFile } from '../../functions/shared/verification/manifest.ts';

/*
 * The verdict and its note from what the verification found (judge.ts, pure): which verdict
 * each finding leads to, what the note names (at most three keys, then how many more), and the
 * counts the summary reads. The note is what an operator reads at 2 a.m.: its sentences are
 * pinned whole.
 */

const KB = 1024;

function file(key: string, extra: Partial<ManifestFile> = {}): ManifestFile {
  return {
    key,
    size: 10 * KB,
    etag: '"e"',
    lastModified: null,
    format: 'ndjson',
    gzip: true,
    records: 5,
    ...extra,
  };
}

const PINPOINT = {
  sourceName: 'Pinpoint',
  expected: 10 as number | null,
  expectedFrom: 'TotalProcessed - TotalFailures',
};
const PROFILES = {
  sourceName: 'Customer Profiles',
  expected: null,
  expectedFrom: 'GetSegmentSnapshot reports no count',
};

function findings(extra: Partial<Findings> = {}): Findings {
  return {
    problems: [],
    publishedRecords: null,
    counted: { records: 10, files: 2 },
    failedBatches: [],
    changedBatches: [],
    details: {},
    unnamedProblems: 0,
    budgetSeconds: 280,
    ...extra,
  };
}

const two = [file('p/a.json.gz'), file('p/b.json.gz')];

describe('bytesText', () => {
  it('writes bytes as people read them, in steps of 1,024, up to TB', () => {
    expect(bytesText(0)).toBe('0 B');
    expect(bytesText(1023)).toBe('1023 B');
    expect(bytesText(1024)).toBe('1.0 KB');
    expect(bytesText(1536)).toBe('1.5 KB');
    expect(bytesText(KB * KB - 1)).toBe('1024.0 KB');
    expect(bytesText(KB * KB)).toBe('1.0 MB');
    expect(bytesText(3.25 * KB ** 3)).toBe('3.3 GB');
    expect(bytesText(2 * KB ** 4)).toBe('2.0 TB');
    expect(bytesText(5 * KB ** 5)).toBe('5120.0 TB');
  });
});

describe('judge: every file counted', () => {
  it('is VERIFIED when the files hold what the source reported, with the records and the counts', () => {
    expect(judge(PINPOINT, two, findings())).toEqual({
      verdict: 'VERIFIED',
      records: 10,
      note: '2 files, 20.0 KB, 10 records: as Pinpoint reported 10 (TotalProcessed - TotalFailures)',
      uncountedFiles: 0,
      missingFiles: 0,
      changedFiles: 0,
    });
  });

  it('is COUNTED when the source reports no count, with the records', () => {
    expect(judge(PROFILES, two, findings())).toEqual({
      verdict: 'COUNTED',
      records: 10,
      note: '2 files, 20.0 KB, 10 records; Customer Profiles reported no record count',
      uncountedFiles: 0,
      missingFiles: 0,
      changedFiles: 0,
    });
  });

  it('is MISMATCH with how many are missing, or how many more than reported', () => {
    const fewer = judge({ ...PINPOINT, expected: 1_250 }, two, findings());
    const more = judge(
      { ...PINPOINT, expected: 9 },
      [file('p/a.json')],
      findings({ counted: { records: 10, files: 1 } }),
    );

    expect(fewer).toMatchObject({ verdict: 'MISMATCH', records: 10 });
    expect(fewer.note).toBe(
      '2 files, 20.0 KB hold 10 records, but Pinpoint reported 1,250 (TotalProcessed - TotalFailures): 1,240 missing',
    );
    expect(more.note).toBe(
      '1 file, 10.0 KB hold 10 records, but Pinpoint reported 9 (TotalProcessed - TotalFailures): 1 more than reported',
    );
  });
});

describe('judge: no files', () => {
  it('is VERIFIED when the job reported no records, and MISMATCH when it reported some', () => {
    expect(judge({ ...PINPOINT, expected: 0 }, [], findings({ counted: { records: 0, files: 0 } }))).toEqual({
      verdict: 'VERIFIED',
      records: 0,
      note: 'no files and no records: Pinpoint reported 0 (TotalProcessed - TotalFailures)',
      uncountedFiles: 0,
      missingFiles: 0,
      changedFiles: 0,
    });
    const lost = judge({ ...PINPOINT, expected: 1 }, [], findings({ counted: { records: 0, files: 0 } }));
    expect(lost).toMatchObject({ verdict: 'MISMATCH', records: 0 });
    expect(lost.note).toBe(
      'no files under the export location, but Pinpoint reported 1 (TotalProcessed - TotalFailures)',
    );
  });

  it('is COUNTED with no records for a source that reports no count (its run processed 0, not an unknown number)', () => {
    expect(judge(PROFILES, [], findings({ counted: { records: 0, files: 0 } }))).toEqual({
      verdict: 'COUNTED',
      records: 0,
      note: 'no files and no records: Customer Profiles reported no record count',
      uncountedFiles: 0,
      missingFiles: 0,
      changedFiles: 0,
    });
  });
});

describe('judge: files not counted', () => {
  it('is NOT_COUNTED naming the files the budget did not reach, with the records counted in the rest, never "missing"', () => {
    const files = [
      file('p/1.json.gz'),
      file('p/2.json.gz', { records: null, notCounted: 'budget' }),
      file('p/3.json.gz', { records: null, notCounted: 'budget' }),
    ];

    const judged = judge(
      PINPOINT,
      files,
      findings({ counted: { records: 5, files: 1 }, budgetSeconds: 280 }),
    );

    expect(judged).toEqual({
      verdict: 'NOT_COUNTED',
      records: null,
      note: '3 files, 30.0 KB; records not counted: 2 not reached in the 280 s counting budget of their batch (p/2.json.gz, p/3.json.gz); 5 records counted in the other 1 file; Pinpoint reported 10 (TotalProcessed - TotalFailures)',
      uncountedFiles: 2,
      missingFiles: 0,
      changedFiles: 0,
    });
  });

  it('names three files and says how many more, counting those no batch named', () => {
    const files = [
      ...['a', 'b', 'c', 'd'].map((k) => file(`p/${k}.json.gz`, { records: null, notCounted: 'budget' })),
      file('p/e.json.gz', { records: null }),
      file('p/f.json.gz', { records: null }),
    ];

    const judged = judge(PINPOINT, files, findings({ counted: { records: 0, files: 0 }, budgetSeconds: 60 }));

    expect(judged.note).toContain(
      'records not counted: 6 not reached in the 60 s counting budget of their batch (p/a.json.gz, p/b.json.gz, p/c.json.gz, and 3 more); 0 records counted in the other 0 files',
    );
    expect(judged.uncountedFiles).toBe(6);
  });

  it('says how many files the budget did not reach when no batch named them (a plan without per-file counts)', () => {
    const files = [file('p/a.json.gz', { records: null }), file('p/b.json.gz', { records: null })];

    const judged = judge(PROFILES, files, findings({ counted: { records: 5, files: 1 }, budgetSeconds: 30 }));

    expect(judged).toMatchObject({ verdict: 'NOT_COUNTED', records: null, uncountedFiles: 1 });
    expect(judged.note).toBe(
      '2 files, 20.0 KB; records not counted: 1 not reached in the 30 s counting budget of their batch; 5 records counted in the other 1 file; Customer Profiles reported no record count',
    );
  });

  it('names the formats it does not count, once each, and says every file is present when the source recorded them', () => {
    const files = [
      file('p/a.ion.gz', { records: null, notCounted: 'format' }),
      file('p/b.ion.gz', { records: null, notCounted: 'format' }),
      file('p/c.orc', { records: null, notCounted: 'format' }),
      file('p/d.json.gz'),
    ];

    const judged = judge(
      PINPOINT,
      files,
      findings({ counted: { records: 5, files: 1 }, publishedRecords: 10 }),
    );

    expect(judged.note).toBe(
      "4 files, 40.0 KB; records not counted: 3 in a format whose records are not counted (ion, orc); 5 records counted in the other 1 file; every file is present with the ETag the source's manifest recorded; Pinpoint reported 10 (TotalProcessed - TotalFailures)",
    );
  });

  it('names each batch that failed through its retries, with its error and files, beside the budget and the formats', () => {
    const files = [
      file('p/a.json.gz', { records: null, notCounted: 'failed', batch: 0 }),
      file('p/b.json.gz', { records: null, notCounted: 'failed', batch: 0 }),
      file('p/c.json.gz', { records: null, notCounted: 'failed', batch: 2 }),
      file('p/d.json.gz', { batch: 1 }),
      file('p/e.orc', { records: null, notCounted: 'format', batch: 1 }),
      file('p/f.json.gz', { records: null, notCounted: 'budget', batch: 1 }),
    ];

    const judged = judge(
      PINPOINT,
      files,
      findings({
        counted: { records: 5, files: 1 },
        failedBatches: [
          { index: 0, error: 'Lambda.Unknown' },
          { index: 2, error: 'S3UnavailableError' },
        ],
        budgetSeconds: 100,
      }),
    );

    expect(judged).toMatchObject({ verdict: 'NOT_COUNTED', records: null, uncountedFiles: 5 });
    expect(judged.note).toBe(
      '6 files, 60.0 KB; records not counted: 1 in a format whose records are not counted (orc); 1 not reached in the 100 s counting budget of their batch (p/f.json.gz); 2 files of batch 0 not counted: the batch failed through its retries (Lambda.Unknown): p/a.json.gz, p/b.json.gz; 1 file of batch 2 not counted: the batch failed through its retries (S3UnavailableError): p/c.json.gz; 5 records counted in the other 1 file; Pinpoint reported 10 (TotalProcessed - TotalFailures)',
    );
  });

  it('never gives the records when a batch failed, even if the files it counted add up', () => {
    const judged = judge(
      PINPOINT,
      two,
      findings({ counted: { records: 10, files: 2 }, failedBatches: [{ index: 1, error: 'x' }] }),
    );

    expect(judged).toMatchObject({ verdict: 'NOT_COUNTED', records: null, uncountedFiles: 0 });
  });
});

describe('judge: untrustworthy files are MISMATCH, naming them', () => {
  it('counts missing, replaced and changed files, and names each kind', () => {
    const files = [
      file('p/gone.json.gz', { size: 0, records: null, problem: 'missing', notCounted: 'missing' }),
      file('p/old.json.gz', { records: null, problem: 'replaced', notCounted: 'changed' }),
      file('p/moved.json.gz', { records: null, problem: 'changed', notCounted: 'changed' }),
      file('p/ok.json.gz'),
    ];

    const judged = judge(PINPOINT, files, findings({ counted: { records: 5, files: 1 } }));

    expect(judged).toEqual({
      verdict: 'MISMATCH',
      records: null,
      note: "1 file is not in the bucket: p/gone.json.gz; 1 file has another ETag than the source's manifest recorded (replaced after the export wrote it): p/old.json.gz; 1 file changed while it was verified: p/moved.json.gz; 4 files, 30.0 KB, 5 records counted in 1 file; Pinpoint reported 10 (TotalProcessed - TotalFailures)",
      uncountedFiles: 3,
      missingFiles: 1,
      changedFiles: 2,
    });
  });

  it('speaks of several files of a kind in the plural, naming three and how many more', () => {
    const missing = ['a', 'b', 'c', 'd', 'e'].map((k) =>
      file(`p/${k}.json.gz`, { size: 0, records: null, problem: 'missing', notCounted: 'missing' }),
    );
    const replaced = ['f', 'g'].map((k) => file(`p/${k}.json.gz`, { problem: 'replaced', records: null }));
    const changed = ['h', 'i'].map((k) => file(`p/${k}.json.gz`, { problem: 'changed', records: null }));

    const problems = integrityProblems(PINPOINT, [...missing, ...replaced, ...changed], findings());

    expect(problems).toEqual([
      '5 files are not in the bucket: p/a.json.gz, p/b.json.gz, p/c.json.gz, and 2 more',
      "2 files have another ETag than the source's manifest recorded (replaced after the export wrote it): p/f.json.gz, p/g.json.gz",
      '2 files changed while it was verified: p/h.json.gz, p/i.json.gz',
    ]);
  });

  it('names an unreadable file among the files listed', () => {
    const files = [file('p/a.json.gz', { records: null, notCounted: 'unreadable' }), file('p/b.json.gz')];

    expect(integrityProblems(PINPOINT, files, findings())).toEqual([
      '1 of 2 files, 20.0 KB could not be read (corrupt or truncated gzip), e.g. p/a.json.gz',
    ]);
  });

  it('names files that hold other than their manifest states, with what was counted, three and how many more', () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((k) => file(`p/${k}.json.gz`, { problem: 'records' }));
    const details = {
      'p/a.json.gz': '4 records, its manifest says 5',
      'p/c.json.gz': '0 records, its manifest says 2',
    };

    expect(integrityProblems(PINPOINT, files, findings({ details }))).toEqual([
      "5 files hold other than the records the source's manifest states: p/a.json.gz (4 records, its manifest says 5), p/b.json.gz (another count), p/c.json.gz (0 records, its manifest says 2), and 2 more",
    ]);
    expect(integrityProblems(PINPOINT, files.slice(0, 1), findings({ details }))).toEqual([
      "1 file holds other than the records the source's manifest states: p/a.json.gz (4 records, its manifest says 5)",
    ]);
    expect(integrityProblems(PINPOINT, files.slice(0, 3), findings({ details }))[0]).not.toContain('more');
  });

  it("compares the records the source's manifests state with what the source reported, only when both are known", () => {
    expect(
      integrityProblems(
        { ...PINPOINT, sourceName: 'DynamoDB', expected: 12, expectedFrom: 'ItemCount' },
        two,
        findings({ publishedRecords: 10 }),
      ),
    ).toEqual(["the source's manifests state 10 records, but DynamoDB reported 12 (ItemCount)"]);
    expect(integrityProblems({ ...PINPOINT, expected: 10 }, two, findings({ publishedRecords: 10 }))).toEqual(
      [],
    );
    expect(
      integrityProblems({ ...PINPOINT, expected: null }, two, findings({ publishedRecords: 10 })),
    ).toEqual([]);
    expect(
      integrityProblems({ ...PINPOINT, expected: 10 }, two, findings({ publishedRecords: null })),
    ).toEqual([]);
  });

  it("puts the source's own manifest problems first, then the ones the batches found but did not name, and batches whose files changed", () => {
    const judged = judge(
      PINPOINT,
      two,
      findings({
        problems: ['manifest-summary.json s3://b/k is not in the bucket'],
        unnamedProblems: 3,
        changedBatches: [1, 4],
      }),
    );

    expect(judged).toMatchObject({ verdict: 'MISMATCH', records: 10 });
    expect(judged.note).toBe(
      'manifest-summary.json s3://b/k is not in the bucket; 3 more files with a problem of those kinds (the batches name a few each); the files of 2 counting batches (1, 4) were not the ones planned when they were counted: files were added or removed while the verification ran',
    );
    const one = judge(PINPOINT, two, findings({ unnamedProblems: 1, changedBatches: [0] }));
    expect(one.note).toBe(
      '1 more file with a problem of those kinds (the batches name a few each); the files of 1 counting batch (0) were not the ones planned when they were counted: files were added or removed while the verification ran',
    );
  });

  it('is MISMATCH, not NOT_COUNTED, when a file is wrong and others were not counted, with what was counted', () => {
    const files = [
      file('p/a.json.gz', { size: 0, records: null, problem: 'missing', notCounted: 'missing' }),
      file('p/b.json.gz', { records: null, notCounted: 'budget' }),
      file('p/c.json.gz'),
    ];

    const judged = judge(PINPOINT, files, findings({ counted: { records: 5, files: 1 } }));

    expect(judged).toMatchObject({ verdict: 'MISMATCH', records: null, uncountedFiles: 2, missingFiles: 1 });
    expect(judged.note).toBe(
      '1 file is not in the bucket: p/a.json.gz; 3 files, 20.0 KB, 5 records counted in 1 file; Pinpoint reported 10 (TotalProcessed - TotalFailures)',
    );
  });
});
