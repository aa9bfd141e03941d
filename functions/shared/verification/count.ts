import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/*
 * Counting the records of one exported object as it streams by, without keeping
 * it: gzip is recognised by its magic bytes (whatever the key says), NDJSON/JSONL
 * records are the non-empty lines, CSV records the rows after the header (a
 * newline inside a quoted field does not end a row). Other formats (ORC,
 * Parquet, Avro) are not counted: the verification reports their files and bytes.
 */

/** How a file's records are counted. */
export type RecordFormat = 'ndjson' | 'csv' | 'binary';

/** The format a key's extension names (`.gz`/`.gzip` set aside), or undefined when it names none we know. */
export function formatOfKey(key: string): RecordFormat | undefined {
  const name = key
    .slice(key.lastIndexOf('/') + 1)
    .toLowerCase()
    .replace(/\.(gz|gzip)$/, '');
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  if (['json', 'jsonl', 'ndjson'].includes(extension)) return 'ndjson';
  if (extension === 'csv') return 'csv';
  if (['orc', 'parquet', 'avro', 'ion', 'zst', 'snappy'].includes(extension)) return 'binary';
  return undefined;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;

/** Whether bytes [from, to) of a line hold anything but a lone carriage return. */
function hasContent(buffer: Uint8Array, from: number, to: number): boolean {
  return to - from > 1 || (to - from === 1 && buffer[from] !== CARRIAGE_RETURN);
}

const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);

/**
 * The non-empty lines one chunk ends, and whether it leaves a line open: `open`
 * says whether the previous chunk left one. The line counter's whole work, and the
 * CSV counter's for a chunk without quotes.
 */
function endedLines(buffer: Buffer, open: boolean): { lines: number; open: boolean } {
  let lines = 0;
  let start = 0;
  for (;;) {
    const newline = buffer.indexOf(NEWLINE, start);
    if (newline < 0) return { lines, open: open || hasContent(buffer, start, buffer.length) };
    if (open || hasContent(buffer, start, newline)) lines++;
    open = false;
    start = newline + 1;
  }
}

/** Counts non-empty lines (`\n` or `\r\n`), the last one with or without its newline. */
export class LineCounter {
  records = 0;
  private open = false;

  push(chunk: Uint8Array): void {
    const { lines, open } = endedLines(asBuffer(chunk), this.open);
    this.records += lines;
    this.open = open;
  }

  end(): number {
    if (this.open) this.records++;
    this.open = false;
    return this.records;
  }
}

/**
 * Counts CSV rows after the header (RFC 4180: a quoted field may hold newlines, `""`
 * is a quote). Chunks without quotes, outside a quoted field, take the fast line path.
 */
export class CsvRowCounter {
  private rows = 0;
  private open = false;
  private quoted = false;

  push(chunk: Uint8Array): void {
    const buffer = asBuffer(chunk);
    if (!this.quoted && buffer.indexOf(QUOTE) < 0) {
      const { lines, open } = endedLines(buffer, this.open);
      this.rows += lines;
      this.open = open;
      return;
    }
    for (let i = 0; i < buffer.length; i++) {
      const byte = buffer[i];
      if (byte === QUOTE) {
        // A doubled quote inside a quoted field toggles twice: the field stays quoted.
        this.quoted = !this.quoted;
        this.open = true;
      } else if (byte === NEWLINE && !this.quoted) {
        if (this.open) this.rows++;
        this.open = false;
      } else if (byte !== CARRIAGE_RETURN) {
        this.open = true;
      }
    }
  }

  /** Rows after the header. */
  end(): number {
    if (this.open) this.rows++;
    this.open = false;
    return Math.max(0, this.rows - 1);
  }
}

/** Why counting stopped before the end of the object. */
export const STOPPED = Symbol('stopped');

export interface CountResult {
  records: number;
  /** Whether the object was gzip-compressed. */
  gzip: boolean;
  /** Bytes after decompression. */
  decodedBytes: number;
}

async function* withFirst(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Counts the records of one object's body. `shouldStop` is asked before each
 * chunk: when it says so, the body is dropped and {@link STOPPED} returned.
 */
export async function countRecords(
  body: AsyncIterable<Uint8Array>,
  format: Exclude<RecordFormat, 'binary'>,
  shouldStop: () => boolean,
): Promise<CountResult | typeof STOPPED> {
  const counter = format === 'csv' ? new CsvRowCounter() : new LineCounter();
  const iterator = body[Symbol.asyncIterator]();
  let first = await iterator.next();
  // Skip empty chunks so the magic bytes are read from the first real one.
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) {
    return { records: counter.end(), gzip: false, decodedBytes: 0 };
  }
  const gzip = first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const source = withFirst(first.value, iterator);
  let decoded: AsyncIterable<Uint8Array> = source;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  if (gzip) {
    gunzip = createGunzip();
    // Concatenated gzip members (several appended files) are read as one stream, as gunzip does.
    const compressed = Readable.from(source);
    const target = gunzip;
    compressed.on('error', (error) => target.destroy(error));
    compressed.pipe(gunzip);
    decoded = gunzip;
  }
  let decodedBytes = 0;
  try {
    for await (const chunk of decoded) {
      if (shouldStop()) return STOPPED;
      decodedBytes += chunk.length;
      counter.push(chunk);
    }
  } finally {
    gunzip?.destroy();
    await iterator.return?.();
  }
  return { records: counter.end(), gzip, decodedBytes };
}
