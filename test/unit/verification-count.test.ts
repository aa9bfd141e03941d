import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvRowCounter,
  countRecords,
  formatOfKey,
  LineCounter,
  STOPPED,
} from '../../functions/shared/verification/count.ts';

/** A body that arrives in chunks of `size` bytes, as S3 streams it. */
async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

describe('record counting', () => {
  it('counts NDJSON lines in a gzipped object, across chunk boundaries', async () => {
    const lines = Array.from({ length: 2_500 }, (_, i) =>
      JSON.stringify({ Id: `e-${i}`, Address: `u${i}@example.com` }),
    );
    const body = gzipSync(`${lines.join('\n')}\n`);

    const result = await countRecords(chunks(body, 777), 'ndjson', () => false);

    expect(result).toEqual({
      records: 2_500,
      gzip: true,
      decodedBytes: Buffer.byteLength(`${lines.join('\n')}\n`),
    });
  });

  it('counts JSONL without compression, a last line without newline, CRLF and blank lines', async () => {
    const body = Buffer.from('{"a":1}\r\n\r\n{"a":2}\n\n{"a":3}');

    const result = await countRecords(chunks(body, 3), 'ndjson', () => false);

    expect(result).toEqual({ records: 3, gzip: false, decodedBytes: body.length });
  });

  it('reads concatenated gzip members as one stream', async () => {
    const body = Buffer.concat([gzipSync('{"a":1}\n{"a":2}\n'), gzipSync('{"a":3}\n')]);

    const result = await countRecords(chunks(body, 5), 'ndjson', () => false);

    expect(result !== STOPPED && result.records).toBe(3);
  });

  it('counts CSV rows after the header, a quoted newline not ending a row', async () => {
    const csv =
      'Id,Address,Note\r\n1,a@example.com,"line one\nline two"\r\n2,b@example.com,"say ""hi"""\r\n3,c@example.com,plain\r\n';

    const plain = await countRecords(chunks(Buffer.from(csv), 4), 'csv', () => false);
    const zipped = await countRecords(chunks(gzipSync(csv), 4), 'csv', () => false);

    expect(plain !== STOPPED && plain.records).toBe(3);
    expect(zipped !== STOPPED && zipped.records).toBe(3);
  });

  it('counts no records in an empty object, gzipped or not, and none in a header-only CSV', async () => {
    expect(await countRecords(chunks(Buffer.alloc(0), 10), 'ndjson', () => false)).toEqual({
      records: 0,
      gzip: false,
      decodedBytes: 0,
    });
    const emptyGzip = await countRecords(chunks(gzipSync(''), 10), 'ndjson', () => false);
    expect(emptyGzip).toEqual({ records: 0, gzip: true, decodedBytes: 0 });
    const header = await countRecords(chunks(Buffer.from('Id,Address\n'), 10), 'csv', () => false);
    expect(header !== STOPPED && header.records).toBe(0);
  });

  it('stops when told to, mid-object', async () => {
    let asked = 0;
    const body = Buffer.from('{"a":1}\n'.repeat(100));

    const result = await countRecords(chunks(body, 8), 'ndjson', () => ++asked > 10);

    expect(result).toBe(STOPPED);
    expect(asked).toBe(11);
  });

  it('throws a zlib error for a corrupt gzip object', async () => {
    const body = gzipSync('{"a":1}\n'.repeat(1000)).subarray(0, 40);
    const corrupt = Buffer.concat([body, Buffer.from('garbage that is not deflate')]);

    await expect(countRecords(chunks(corrupt, 16), 'ndjson', () => false)).rejects.toMatchObject({
      code: expect.stringMatching(/^Z_/),
    });
  });

  it('tells formats apart by extension, gzip set aside', () => {
    expect(formatOfKey('p/job/part-00001-of-00008.json.gz')).toBe('ndjson');
    expect(formatOfKey('p/x.jsonl')).toBe('ndjson');
    expect(formatOfKey('p/x.NDJSON.GZ')).toBe('ndjson');
    expect(formatOfKey('p/x.csv.gz')).toBe('csv');
    expect(formatOfKey('p/x.orc')).toBe('binary');
    expect(formatOfKey('p/x.snappy.parquet')).toBe('binary');
    expect(formatOfKey('p/part-0000')).toBeUndefined();
  });

  it('counters agree however the bytes are split', () => {
    const text = Buffer.from('a\nb\r\n\nc,"x\ny"\nd');
    for (let split = 1; split < text.length; split++) {
      const lines = new LineCounter();
      const rows = new CsvRowCounter();
      for (const part of [text.subarray(0, split), text.subarray(split)]) {
        lines.push(part);
        rows.push(part);
      }
      expect(lines.end(), `split ${split}`).toBe(5);
      // Rows: a, b, c+"x\ny", d; minus the header (a).
      expect(rows.end(), `split ${split}`).toBe(3);
    }
  });
});

/** A body of `data` in chunks of `size` that records what the counter does with it. */
function tracked(
  data: Buffer,
  size: number,
  options: { failAfter?: number; error?: Error; withoutReturn?: boolean; leading?: number } = {},
) {
  const seen = { reads: 0, returned: false };
  const parts: Uint8Array[] = [
    ...Array.from({ length: options.leading ?? 0 }, () => new Uint8Array(0)),
    ...Array.from({ length: Math.ceil(data.length / size) }, (_, i) =>
      data.subarray(i * size, (i + 1) * size),
    ),
  ];
  const iterator: AsyncIterator<Uint8Array> = {
    next: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (seen.returned) return { done: true, value: undefined };
      if (options.failAfter !== undefined && seen.reads >= options.failAfter)
        throw options.error ?? Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      const part = parts[seen.reads++];
      return part === undefined ? { done: true, value: undefined } : { done: false, value: part };
    },
    ...(options.withoutReturn
      ? {}
      : {
          return: async () => {
            seen.returned = true;
            return { done: true as const, value: undefined };
          },
        }),
  };
  return { body: { [Symbol.asyncIterator]: () => iterator }, seen };
}

const ndjsonLines = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"Id":"e-${i}","Pad":"${'x'.repeat(i % 50)}"}\n`).join('');

describe('what the counter must not get wrong', () => {
  it('recognises gzip by its first two bytes whatever chunks they arrive in: empty ones first, one byte, two bytes', async () => {
    const text = ndjsonLines(300);
    const zipped = gzipSync(text);
    const expected = { records: 300, gzip: true, decodedBytes: Buffer.byteLength(text) };

    expect(await countRecords(tracked(zipped, 4096, { leading: 2 }).body, 'ndjson', () => false)).toEqual(
      expected,
    );
    expect(await countRecords(chunks(zipped, 1), 'ndjson', () => false)).toEqual(expected);
    expect(await countRecords(chunks(zipped, 2), 'ndjson', () => false)).toEqual(expected);
    // A gzip member after an empty first chunk, in a CSV: the header is still the first row.
    const csv = gzipSync('Id,Name\n1,a\n2,b\n');
    expect(await countRecords(tracked(csv, 3, { leading: 1 }).body, 'csv', () => false)).toMatchObject({
      records: 2,
      gzip: true,
    });
  });

  it('takes only both magic bytes together for gzip: text that starts with one of them is counted as text', async () => {
    const firstOnly = Buffer.concat([Buffer.from([0x1f]), Buffer.from('A\n{"a":2}\n')]);
    const secondOnly = Buffer.concat([Buffer.from('A'), Buffer.from([0x8b]), Buffer.from('\n{"a":2}\n')]);

    expect(await countRecords(chunks(firstOnly, 64), 'ndjson', () => false)).toEqual({
      records: 2,
      gzip: false,
      decodedBytes: firstOnly.length,
    });
    expect(await countRecords(chunks(secondOnly, 64), 'ndjson', () => false)).toEqual({
      records: 2,
      gzip: false,
      decodedBytes: secondOnly.length,
    });
    // A one-byte object is text too.
    expect(await countRecords(chunks(Buffer.from([0x1f]), 1), 'ndjson', () => false)).toEqual({
      records: 1,
      gzip: false,
      decodedBytes: 1,
    });
  });

  it('rejects with the read error, not a gzip error, when the body fails mid-gzip, and does not hang', async () => {
    const zipped = gzipSync(ndjsonLines(5_000));
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

    const failing = tracked(zipped, 1024, { failAfter: 3, error: reset });
    const plain = tracked(Buffer.from(ndjsonLines(100)), 64, { failAfter: 3, error: reset });

    await expect(countRecords(failing.body, 'ndjson', () => false)).rejects.toBe(reset);
    await expect(countRecords(plain.body, 'ndjson', () => false)).rejects.toBe(reset);
  });

  it('counts a gzipped body that arrives faster than it inflates (backpressure), and stops in the middle of it', async () => {
    // About 1.4 MB of gzip in 256 KiB chunks: gunzip's input buffer fills and the body waits for it.
    const text = Array.from(
      { length: 60_000 },
      (_, i) => `{"Id":"${i}","Hash":"${(i * 2654435761) % 4294967296}"}\n`,
    ).join('');
    const zipped = gzipSync(text, { level: 1 });
    expect(zipped.length).toBeGreaterThan(512 * 1024);

    expect(await countRecords(chunks(zipped, 256 * 1024), 'ndjson', () => false)).toMatchObject({
      records: 60_000,
      gzip: true,
    });

    let asked = 0;
    const stopped = tracked(zipped, 256 * 1024);
    expect(await countRecords(stopped.body, 'ndjson', () => ++asked > 1)).toBe(STOPPED);
    expect(stopped.seen.returned).toBe(true);
  });

  it('stops a gzipped body when told to, and closes the body it stops reading, gzipped or not', async () => {
    const zipped = tracked(gzipSync(ndjsonLines(20_000)), 4096);
    const plain = tracked(Buffer.from(ndjsonLines(200)), 64);
    let asked = 0;

    expect(await countRecords(zipped.body, 'ndjson', () => ++asked > 1)).toBe(STOPPED);
    expect(asked).toBe(2);
    expect(await countRecords(plain.body, 'ndjson', () => plain.seen.reads > 3)).toBe(STOPPED);

    expect(zipped.seen.returned).toBe(true);
    expect(plain.seen.returned).toBe(true);
    // Stopped after the read that made the stop true: nothing more was read.
    expect(plain.seen.reads).toBe(4);
  });

  it('counts and stops a body whose iterator has no return(), gzipped or not', async () => {
    const text = ndjsonLines(50);

    const zipped = tracked(gzipSync(text), 100, { withoutReturn: true });
    const plain = tracked(Buffer.from(text), 100, { withoutReturn: true });

    expect(await countRecords(zipped.body, 'ndjson', () => false)).toMatchObject({ records: 50, gzip: true });
    expect(await countRecords(plain.body, 'ndjson', () => false)).toMatchObject({ records: 50, gzip: false });
    expect(
      await countRecords(tracked(gzipSync(text), 100, { withoutReturn: true }).body, 'ndjson', () => true),
    ).toBe(STOPPED);
    expect(
      await countRecords(tracked(Buffer.from(text), 100, { withoutReturn: true }).body, 'ndjson', () => true),
    ).toBe(STOPPED);
  });

  it('inflates in steps of 256 KiB: the stop is asked once a step, not once per 16 KiB', async () => {
    const text = 'x'
      .repeat(1023)
      .concat('\n')
      .repeat(4 * 1024);
    let asked = 0;

    const result = await countRecords(chunks(gzipSync(text), 64 * 1024), 'ndjson', () => {
      asked++;
      return false;
    });

    expect(result).toMatchObject({ records: 4 * 1024, decodedBytes: 4 * 1024 * 1024 });
    // 4 MiB inflated: 16 steps of 256 KiB (zlib's default of 16 KiB would be 256).
    expect(asked).toBeLessThanOrEqual(17);
  });

  it('does not count a blank line inside a CSV with quoted fields, CRLF or not, nor a leading blank line', async () => {
    const csv = '\r\nId,Note\r\n1,"a"\r\n\r\n2,"say ""hi"""\r\n\r\n\n3,plain\r\n\r\n';
    const quotedCrlf = 'Id,Note\r\n1,"line one\r\n\r\nline three"\r\n2,b\r\n';

    for (const size of [1, 3, 7, 64]) {
      expect(await countRecords(chunks(Buffer.from(csv), size), 'csv', () => false)).toMatchObject({
        records: 3,
      });
      // A CRLF blank line inside a quoted field is part of the field.
      expect(await countRecords(chunks(Buffer.from(quotedCrlf), size), 'csv', () => false)).toMatchObject({
        records: 2,
      });
    }
  });

  it('counts a line of carriage returns alone as blank, with or without quotes in its chunk', () => {
    const withQuote = new CsvRowCounter();
    withQuote.push(Buffer.from('Id\n"a"\n\r\r\nb\n'));
    const without = new CsvRowCounter();
    without.push(Buffer.from('Id\na\n\r\r\nb\n'));
    const lines = new LineCounter();
    lines.push(Buffer.from('{"a":1}\n\r\r\n\r{"a":2}\r\n'));

    expect(withQuote.end()).toBe(2);
    expect(without.end()).toBe(2);
    expect(lines.end()).toBe(2);
  });

  it('counts CSV rows the same however the text is split, whether or not a chunk holds a quote', () => {
    // Fields with and without quotes (a quoted field may hold a newline), blank lines, CRLF.
    const field = fc.constantFrom('a', 'bc', '', '"q"', '"x\ny"', '"x\r\n\r\ny"', '"say ""hi"""');
    const row = fc.oneof(
      fc.constant(''),
      fc.array(field, { minLength: 1, maxLength: 3 }).map((fields) => fields.join(',')),
    );
    const end = fc.constantFrom('\n', '\r\n', '\n\n', '\r\n\r\n', '\r\r\n');
    const text = fc.array(fc.tuple(row, end), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(text, fc.array(fc.nat(200), { maxLength: 6 }), (rows, cuts) => {
        const csv = Buffer.from(rows.map(([r, e]) => r + e).join(''));
        const expected = rows.filter(([r]) => r !== '').length - 1;
        const counter = new CsvRowCounter();
        const at = [...new Set(cuts.map((c) => c % (csv.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const cut of [...at, csv.length]) {
          counter.push(csv.subarray(from, cut));
          from = cut;
        }
        expect(counter.end()).toBe(Math.max(0, expected));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same count when asked for it again', () => {
    const lines = new LineCounter();
    lines.push(Buffer.from('a\nb'));
    const rows = new CsvRowCounter();
    rows.push(Buffer.from('h\n1\n2'));

    expect([lines.end(), lines.end()]).toEqual([2, 2]);
    expect([rows.end(), rows.end()]).toEqual([2, 2]);
  });

  it('finds the extension in the file name alone: at the bucket root, after .gzip, not in a name without a dot', () => {
    expect(formatOfKey('part-00001.json')).toBe('ndjson');
    expect(formatOfKey('x.csv.gzip')).toBe('csv');
    expect(formatOfKey('exports/x.CSV.GZIP')).toBe('csv');
    expect(formatOfKey('exports/json')).toBeUndefined();
    expect(formatOfKey('exports/csv.gz')).toBeUndefined();
    expect(formatOfKey('exports/data.csv/part-0000')).toBeUndefined();
  });
});
