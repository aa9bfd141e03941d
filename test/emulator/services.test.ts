import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../dev/emulator/index.ts';
import { recognise } from '../../dev/emulator/router.ts';
import { FAULT_NAMES, faultProblem, faultRules } from '../../dev/local/scenarios.ts';
import { SERVICE_NAMES } from '../../sources/emulator/faults.ts';
import type { EmulatedService, RequestHead } from '../../sources/emulator/service.ts';
import { SOURCE_EMULATORS } from '../../sources/emulators.ts';
import { SOURCE_IDS } from '../../sources/ids.ts';
import { importsOf, ROOT, sourceFiles, upwardImports } from '../architecture/imports.ts';
import { type Harness, startHarness } from './helpers.ts';

/*
 * The one interface every service plugs into the emulator with (sources/emulator/service.ts):
 * every source registers an EmulatedService named after it, the router sends each kind of
 * request to the service it is for (X-Amz-Target, then the control API, then the SigV4
 * signing name, then the path and protocol shape, S3 taking the rest), the fault scenarios
 * of the local run name operations the services declare, and the emulator's files stay in
 * their layers and within their sizes.
 */

let h: Harness;
let emu: Emulator;
let services: EmulatedService[];

beforeAll(async () => {
  h = await startHarness();
  emu = h.emu;
  services = Object.values(emu.services) as EmulatedService[];
});

afterAll(() => h.stop());

const head = (overrides: Partial<RequestHead> & Pick<RequestHead, 'method' | 'path'>): RequestHead => ({
  query: new URLSearchParams(),
  headers: {},
  ...overrides,
});
const routed = (request: RequestHead) => {
  const found = recognise(request, services, true);
  return found === 'control' ? found : found?.name;
};
const tablesOrExports = (request: RequestHead) => {
  const found = recognise(request, services, true);
  return found === emu.services.tables ? 'tables' : found === emu.services.dynamodb ? 'exports' : found;
};

describe('the registered services', () => {
  it('give every source a service named after it, in the registry of sources/emulators.ts', () => {
    expect(Object.keys(SOURCE_EMULATORS).sort()).toEqual([...SOURCE_IDS].sort());
    for (const id of SOURCE_IDS) expect(emu.services[id].name).toBe(id);
  });

  it('name every service the fault rules accept, and declare the operations they answer', () => {
    expect([...new Set(services.map((s) => s.name))].sort()).toEqual([...SERVICE_NAMES].sort());
    for (const service of services) expect(service.operations.length).toBeGreaterThan(0);
  });

  it('declare the operations the fault scenarios of a local run name, for every source', () => {
    for (const source of SOURCE_IDS) {
      for (const name of FAULT_NAMES.filter((n) => faultProblem(n, source) === undefined)) {
        for (const rule of faultRules([name], source) ?? []) {
          if (rule.operation === undefined) continue;
          const declared = services
            .filter((s) => s.name === (rule.service ?? 'pinpoint'))
            .flatMap((s) => s.operations);
          expect(declared, `${name} for ${source}`).toContain(rule.operation);
        }
      }
    }
  });

  it("give tests each service's state", () => {
    expect(emu.services.pinpoint.state.applications.size).toBe(1);
    expect(emu.services['customer-profiles'].state.domains.has('local-domain')).toBe(true);
    expect(emu.services.dynamodb.state.exports()).toEqual([]);
    expect(emu.services.sns.state.topics.size).toBe(1);
    expect(emu.state.jobs).toBe(emu.services.pinpoint.state.jobs);
  });
});

describe('the router', () => {
  const signed = (service: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it("sends DynamoDB's export operations to the dynamodb source's service, every other DynamoDB call to the tables", () => {
    const target = (operation: string) =>
      head({ method: 'POST', path: '/', target: `DynamoDB_20120810.${operation}` });
    for (const operation of [
      'ExportTableToPointInTime',
      'DescribeExport',
      'ListExports',
      'UpdateContinuousBackups',
    ])
      expect(tablesOrExports(target(operation))).toBe('exports');
    for (const operation of ['PutItem', 'Query', 'CreateTable', 'Nope'])
      expect(tablesOrExports(target(operation))).toBe('tables');
    // awsJson requests are POSTs: a GET with the header is S3's.
    expect(routed(head({ method: 'GET', path: '/x', target: 'DynamoDB_20120810.Scan' }))).toBe('s3');
  });

  it('tells the control API, Pinpoint, SNS and S3 apart by their paths and protocol', () => {
    expect(routed(head({ method: 'GET', path: '/_emulator/state' }))).toBe('control');
    expect(routed(head({ method: 'GET', path: '/v1/apps' }))).toBe('pinpoint');
    expect(routed(head({ method: 'POST', path: '/', headers: form }))).toBe('sns');
    expect(routed(head({ method: 'POST', path: '/', headers: form, signingName: 'sns' }))).toBe('sns');
    expect(routed(head({ method: 'GET', path: '/' }))).toBe('s3');
    expect(routed(head({ method: 'GET', path: '/local-exports/a/b' }))).toBe('s3');
  });

  it("sends Customer Profiles' /domains paths to it when signed for profile or unsigned, to S3 when signed for s3", () => {
    const path = '/domains/local-domain';
    expect(routed(head({ method: 'GET', path, signingName: 'profile', headers: signed('profile') }))).toBe(
      'customer-profiles',
    );
    expect(routed(head({ method: 'GET', path }))).toBe('customer-profiles');
    expect(routed(head({ method: 'GET', path, signingName: 's3', headers: signed('s3') }))).toBe('s3');
    // A signature wins over a path: a request signed for profile is Customer Profiles' wherever it goes.
    expect(routed(head({ method: 'GET', path: '/v1/apps', signingName: 'profile' }))).toBe(
      'customer-profiles',
    );
  });

  it('sends CloudFormation by its signature only, and Scheduler by its signature or its unsigned paths', () => {
    expect(routed(head({ method: 'POST', path: '/', headers: form, signingName: 'cloudformation' }))).toBe(
      'cloudformation',
    );
    expect(routed(head({ method: 'GET', path: '/schedules/nightly', signingName: 'scheduler' }))).toBe(
      'scheduler',
    );
    expect(routed(head({ method: 'GET', path: '/schedules/nightly' }))).toBe('scheduler');
    expect(routed(head({ method: 'GET', path: '/schedules/nightly', signingName: 's3' }))).toBe('s3');
  });
});

describe("the emulator's files", () => {
  const emulatorFiles = sourceFiles().filter(
    (file) =>
      file.startsWith('dev/emulator/') ||
      file.startsWith('sources/emulator') ||
      /^sources\/[^/]+\/emulator/.test(file),
  );
  const lines = (file: string) => readFileSync(join(ROOT, file), 'utf8').split('\n').length;

  it('import nothing from a higher layer (a source reaches the emulator only through sources/emulator/)', () => {
    expect(
      upwardImports().filter((line) => emulatorFiles.some((file) => line.startsWith(`${file} `))),
    ).toEqual([]);
  });

  it('import one another without a cycle', () => {
    const inside = new Set(emulatorFiles);
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (file: string, path: string[]) => {
      if (path.includes(file)) {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      if (done.has(file)) return;
      for (const next of importsOf(file).files) if (inside.has(next)) visit(next, [...path, file]);
      done.add(file);
    };
    for (const file of emulatorFiles) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("keep each source's emulator modules to about 300 lines, and every emulator file under 600", () => {
    const sourceModules = emulatorFiles.filter((file) => /^sources\/[^/]+\/emulator/.test(file));
    expect(sourceModules.filter((file) => lines(file) > 330)).toEqual([]);
    expect(emulatorFiles.filter((file) => lines(file) > 600)).toEqual([]);
  });
});
