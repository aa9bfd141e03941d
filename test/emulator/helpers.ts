import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CustomerProfilesClient } from '@aws-sdk/client-customer-profiles';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SNSClient } from '@aws-sdk/client-sns';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../dev/emulator/index.ts';

/** A clock tests move by hand, so jobs progress without waiting. */
export interface VirtualClock {
  now: () => number;
  advance: (ms: number) => void;
}

export function virtualClock(start = Date.UTC(2026, 10, 28, 2, 0, 0)): VirtualClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

export interface Harness {
  emu: Emulator;
  clock: VirtualClock;
  dataDir: string;
  pinpoint: PinpointClient;
  sns: SNSClient;
  profiles: CustomerProfilesClient;
  stop: () => Promise<void>;
}

/** Starts an emulator on a random port with a virtual clock and a fresh data folder, plus real SDK clients. */
export async function startHarness(
  options: EmulatorOptions = {},
  clientOptions: { maxAttempts?: number } = { maxAttempts: 1 },
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'emulator-test-'));
  const clock = virtualClock();
  const emu = await startEmulator({ dataDir, now: clock.now, ...options });
  const config = {
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...clientOptions,
  };
  const pinpoint = new PinpointClient(config);
  const sns = new SNSClient(config);
  const profiles = new CustomerProfilesClient(config);
  return {
    emu,
    clock,
    dataDir,
    pinpoint,
    sns,
    profiles,
    stop: async () => {
      pinpoint.destroy();
      sns.destroy();
      profiles.destroy();
      await emu.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs an SDK call expected to fail and returns the error (fails the test if it succeeds). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Every file under a folder, recursively, as paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Lines of a gzipped newline-delimited JSON file. */
export async function gunzipLines(file: string): Promise<string[]> {
  const text = gunzipSync(await readFile(file)).toString('utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/pinpoint-export';

/**
 * Parses CSV text (RFC 4180: quoted fields may hold commas, line breaks and doubled
 * quotes) into rows of fields; throws on a stray quote, so a badly quoted file fails.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        if (i + 1 < text.length && !',\r\n'.includes(text[i + 1]!))
          throw new Error(`text after a closing quote at ${i}`);
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
