/**
 * The synthetic endpoint dataset an emulated export job walks over. Endpoint `i`
 * of an application is generated from a PRNG seeded with (application, i) alone,
 * so any endpoint can be produced on its own, in any order, and the same
 * configuration always yields byte-identical export files.
 */

import { createHash } from 'node:crypto';
import { hash32, mulberry32 } from '../emulator/random.ts';

/** A segment seeded into every emulated application. */
export interface SegmentDefinition {
  /** 32 lowercase hex, derived from the application id and the name (see {@link segmentIdFor}). */
  id: string;
  name: string;
  /** Versions 1..latestVersion exist. */
  latestVersion: number;
}

/** The segments every application starts with, by name and number of versions. */
export const SEEDED_SEGMENTS: readonly { name: string; versions: number }[] = [
  { name: 'active-users', versions: 3 },
  { name: 'dormant-users', versions: 1 },
];

/**
 * Segment ids look like Pinpoint's (32 lowercase hex) but are derived from the
 * application id and segment name, so a test or a user can compute them
 * without asking the emulator.
 */
export function segmentIdFor(applicationId: string, segmentName: string): string {
  return createHash('sha256').update(`${applicationId}:segment:${segmentName}`).digest('hex').slice(0, 32);
}

/** The seeded segments of one application. */
export function seededSegments(applicationId: string): SegmentDefinition[] {
  return SEEDED_SEGMENTS.map(({ name, versions }) => ({
    id: segmentIdFor(applicationId, name),
    name,
    latestVersion: versions,
  }));
}

/**
 * Whether endpoint `index` belongs to a segment version. `active-users` grows with
 * each version (v1 ≈ 40%, v2 ≈ 50%, v3 ≈ 60% of endpoints); `dormant-users` is the
 * last 20%. No segment = every endpoint, as in Pinpoint.
 */
export function inSegment(segmentName: string | undefined, version: number, index: number): boolean {
  if (segmentName === undefined) return true;
  const bucket = hash32(`bucket:${index}`) % 10;
  if (segmentName === 'active-users') return bucket < 3 + version;
  if (segmentName === 'dormant-users') return bucket >= 8;
  return false;
}

/** Whether endpoint `index` (0-based) is one of the deliberately malformed ones. */
export function isMalformed(index: number, malformedEvery: number): boolean {
  return malformedEvery > 0 && (index + 1) % malformedEvery === 0;
}

const CHANNELS = ['EMAIL', 'SMS', 'APNS', 'GCM', 'EMAIL', 'EMAIL', 'SMS'] as const;
const FIRST = ['ana', 'ben', 'chen', 'dara', 'eli', 'fatima', 'goro', 'hana', 'ivan', 'jo', 'kemal', 'lena'];
const CITIES = [
  { City: 'Seattle', Country: 'US', Region: 'WA', PostalCode: '98101', Latitude: 47.61, Longitude: -122.33 },
  { City: 'Berlin', Country: 'DE', Region: 'BE', PostalCode: '10115', Latitude: 52.52, Longitude: 13.4 },
  {
    City: 'São Paulo',
    Country: 'BR',
    Region: 'SP',
    PostalCode: '01000-000',
    Latitude: -23.55,
    Longitude: -46.63,
  },
  { City: 'Tokyo', Country: 'JP', Region: '13', PostalCode: '100-0001', Latitude: 35.68, Longitude: 139.69 },
  { City: 'Nairobi', Country: 'KE', Region: '30', PostalCode: '00100', Latitude: -1.29, Longitude: 36.82 },
];
const PLATFORMS = [
  { Platform: 'ios', PlatformVersion: '18.2', Make: 'Apple', Model: 'iPhone' },
  { Platform: 'android', PlatformVersion: '15', Make: 'Google', Model: 'Pixel 9' },
  { Platform: 'web', PlatformVersion: '131', Make: 'Mozilla', Model: 'Firefox' },
];

/** One exported endpoint line (a subset of Pinpoint's EndpointResponse that export files carry). */
export interface ExportedEndpoint {
  ApplicationId: string;
  Id: string;
  ChannelType: string;
  Address: string;
  EndpointStatus: 'ACTIVE' | 'INACTIVE';
  OptOut: 'NONE' | 'ALL';
  Attributes: Record<string, string[]>;
  Demographic: Record<string, string>;
  Location: Record<string, string | number>;
  User: { UserId: string; UserAttributes: Record<string, string[]> };
  Metrics: Record<string, number>;
  EffectiveDate: string;
  CreationDate: string;
  CohortId: string;
  RequestId: string;
}

/** The endpoint with 0-based `index`, or why it cannot be exported when it is malformed. */
export type GeneratedEndpoint =
  | { ok: true; endpoint: ExportedEndpoint }
  | { ok: false; id: string; failure: string };

const BASE_DATE = Date.UTC(2024, 0, 1);

/** Generates endpoint `index` of an application; pure and deterministic. */
export function generateEndpoint(
  applicationId: string,
  index: number,
  malformedEvery: number,
): GeneratedEndpoint {
  const random = mulberry32(hash32(`${applicationId}:${index}`));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const id = `ep-${index.toString().padStart(8, '0')}`;
  const channel = pick(CHANNELS);
  const name = pick(FIRST);
  const userId = `user-${Math.floor(index / 2)
    .toString()
    .padStart(7, '0')}`;
  let address: string;
  if (channel === 'EMAIL') address = `${name}.${index}@example.com`;
  else if (channel === 'SMS') address = `+1206555${(index % 10000).toString().padStart(4, '0')}`;
  else address = createHash('sha256').update(`token:${applicationId}:${index}`).digest('hex');

  if (isMalformed(index, malformedEvery)) {
    // Three kinds of breakage, so failure lists look like something an operator would read.
    const kind = index % 3;
    const failure =
      kind === 0
        ? `Endpoint ${id}: Address '${name}.${index}@' is not a valid EMAIL address`
        : kind === 1
          ? `Endpoint ${id}: ChannelType 'FAX' is not supported`
          : `Endpoint ${id}: Attributes exceed 250 values`;
    return { ok: false, id, failure };
  }

  const effective = new Date(BASE_DATE + Math.floor(random() * 600) * 86_400_000 + index * 1000);
  const created = new Date(effective.getTime() - Math.floor(random() * 90) * 86_400_000);
  const city = pick(CITIES);
  const platform = pick(PLATFORMS);
  return {
    ok: true,
    endpoint: {
      ApplicationId: applicationId,
      Id: id,
      ChannelType: channel,
      Address: address,
      EndpointStatus: random() < 0.9 ? 'ACTIVE' : 'INACTIVE',
      OptOut: random() < 0.95 ? 'NONE' : 'ALL',
      Attributes: {
        Interests: [pick(['music', 'sports', 'travel', 'cooking', 'books'])],
        Plan: [pick(['free', 'basic', 'premium'])],
      },
      Demographic: {
        AppVersion: `2.${Math.floor(random() * 10)}.0`,
        Locale: pick(['en_US', 'de_DE', 'pt_BR', 'ja_JP', 'sw_KE']),
        Timezone: pick(['America/Los_Angeles', 'Europe/Berlin', 'America/Sao_Paulo', 'Asia/Tokyo']),
        ...platform,
      },
      Location: city,
      User: { UserId: userId, UserAttributes: { FirstName: [name] } },
      Metrics: { sessions: Math.floor(random() * 200) },
      EffectiveDate: effective.toISOString(),
      CreationDate: created.toISOString(),
      CohortId: String(Math.floor(random() * 100)),
      RequestId: createHash('sha256').update(`req:${applicationId}:${index}`).digest('hex').slice(0, 36),
    },
  };
}
