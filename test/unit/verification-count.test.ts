import { gzipSync } from 'node:zlib';
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
