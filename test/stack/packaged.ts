import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { type BundleLoads, bundleLoadsOf } from '../../dev/bench/bundle-loads.ts';

export type { BundleLoads };

/**
 * Packages the stack offline with osls (serverless-esbuild bundles the
 * functions) into a temporary directory, and reads what came out. No AWS call
 * is made: dummy credentials are enough for `package`.
 */

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is free-form JSON.
export type Json = any;

export interface Resource {
  Type: string;
  Properties: Json;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json; Description?: string; Export?: { Name: string } }>;
}

export interface Packaged {
  stage: string;
  dir: string;
  templateFile: string;
  template: Template;
  /** osls's resolved service state (stack name, provider settings). */
  state: Json;
  seconds: number;
}

export const ROOT = resolve(import.meta.dirname, '../..');
const OSLS = join(ROOT, 'node_modules/osls/bin/serverless.js');
const run = promisify(execFile);

const oslsPackage = (stage: string, dir: string) =>
  run(process.execPath, [OSLS, 'package', '--stage', stage, '--package', dir], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      CI: 'true',
    },
    maxBuffer: 16 * 1024 * 1024,
  });

export async function packageStage(stage: string): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), `stack-${stage}-`));
  const started = performance.now();
  await oslsPackage(stage, dir);
  const seconds = (performance.now() - started) / 1000;
  const templateFile = join(dir, 'cloudformation-template-update-stack.json');
  return {
    stage,
    dir,
    templateFile,
    template: JSON.parse(readFileSync(templateFile, 'utf8')),
    state: JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')),
    seconds,
  };
}

/** Runs `osls package` for a stage expected to fail; returns what it printed (stdout and stderr). */
export async function failedPackageOutput(stage: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `stack-${stage}-`));
  try {
    await oslsPackage(stage, dir);
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stdout}${stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`osls package --stage ${stage} succeeded`);
}

export function cleanUp(packaged: Packaged | undefined): void {
  if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
}

/** Names and uncompressed sizes of a zip's entries, from its central directory. */
export function zipEntries(file: string): { name: string; size: number }[] {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: { name: string; size: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The text of one zip entry (stored or deflated). */
export function zipText(file: string, entryName: string): string {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === entryName) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${file}: no entry ${entryName}`);
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function resource(template: Template, logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId} in the template`);
  return found;
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action: string | string[];
  Resource?: Json;
  Condition?: Json;
}

export interface LocatedStatement {
  /** Where: `<logicalId> <document>`. */
  where: string;
  kind: 'identity' | 'trust' | 'resource' | 'key';
  statement: Statement;
}

/** Every policy statement in the template: identity policies, trust policies, resource policies and key policies. */
export function policyStatements(template: Template): LocatedStatement[] {
  const out: LocatedStatement[] = [];
  const add = (where: string, kind: LocatedStatement['kind'], document: Json) => {
    for (const statement of [document?.Statement ?? []].flat()) out.push({ where, kind, statement });
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    switch (r.Type) {
      case 'AWS::IAM::Role':
        add(`${id} trust`, 'trust', r.Properties.AssumeRolePolicyDocument);
        for (const p of r.Properties.Policies ?? [])
          add(`${id} ${p.PolicyName}`, 'identity', p.PolicyDocument);
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add(id, 'identity', r.Properties.PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add(id, 'key', r.Properties.KeyPolicy);
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        add(id, 'resource', r.Properties.PolicyDocument);
        break;
    }
  }
  return out;
}

export const actionsOf = (s: Statement): string[] => [s.Action].flat();
export const resourcesOf = (s: Statement): Json[] => (s.Resource === undefined ? [] : [s.Resource].flat());

/**
 * What a function's zip loads (serverless.yml bundles with esbuild `splitting`): the
 * closure is dev/bench/bundle-loads.ts's, shared with the bench so both count alike.
 */
export function bundleLoads(zipFile: string, handler: string): BundleLoads {
  const files = new Map(
    zipEntries(zipFile)
      .filter((e) => e.name.endsWith('.mjs'))
      .map((e) => [e.name, zipText(zipFile, e.name)] as const),
  );
  return bundleLoadsOf(files, handler);
}
