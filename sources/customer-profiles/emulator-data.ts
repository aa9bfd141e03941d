/**
 * The synthetic profiles behind the emulated Customer Profiles domains, which of
 * them a segment definition selects, and how a segment snapshot's files look.
 * Profile `i` of a domain is generated from a PRNG seeded with (domain, i) alone,
 * so any profile can be produced on its own and the same configuration always
 * writes byte-identical files.
 */

import { createHash } from 'node:crypto';
import { hash32, mulberry32 } from '../emulator/random.ts';

/** The segment definitions every seeded domain starts with. */
export const SEEDED_SEGMENT_DEFINITIONS = ['vip-customers', 'all-profiles'] as const;

/** Every Nth profile (index 0, N, 2N, …) is a VIP: `Attributes.tier` = `vip`, member of `vip-customers`. */
export const VIP_EVERY = 4;

/** A Customer Profiles address (the API's `Address` shape, the members the emulator fills). */
export interface ProfileAddress {
  Address1: string;
  City: string;
  State?: string;
  PostalCode: string;
  Country: string;
}

/** One exported profile: members of the API's `Profile` shape, as a snapshot's JSONL line carries them. */
export interface EmulatedProfile {
  ProfileId: string;
  AccountNumber: string;
  FirstName: string;
  LastName: string;
  EmailAddress: string;
  PhoneNumber: string;
  BirthDate: string;
  GenderString: string;
  PartyTypeString: 'INDIVIDUAL' | 'BUSINESS';
  BusinessName?: string;
  AdditionalInformation?: string;
  Address: ProfileAddress;
  Attributes: Record<string, string>;
}

const FIRST = ['Ana', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Goro', 'Hana', 'Ivan', 'Jo', 'Kemal', 'Lena'];
const LAST = ['Okafor', 'Müller', 'Silva', 'Tanaka', 'Kamau', "O'Brien", 'Novak', 'García', 'Lee', 'Haddad'];
const GENDERS = ['female', 'male', 'unspecified'];
const PLACES: readonly (Omit<ProfileAddress, 'Address1'> & { street: string })[] = [
  { street: 'Pine St', City: 'Seattle', State: 'WA', PostalCode: '98101', Country: 'US' },
  { street: 'Unter den Linden', City: 'Berlin', PostalCode: '10115', Country: 'DE' },
  { street: 'Rua Augusta', City: 'São Paulo', State: 'SP', PostalCode: '01000-000', Country: 'BR' },
  { street: 'Chuo-dori', City: 'Tokyo', PostalCode: '100-0001', Country: 'JP' },
  { street: 'Moi Avenue', City: 'Nairobi', PostalCode: '00100', Country: 'KE' },
];
/** Free text as CRM notes hold it: commas, quotes and line breaks, so a CSV writer must quote. */
const NOTES = [
  'Prefers email, not phone',
  'Asked for the "gold" newsletter',
  'Moved house in 2025;\nnew address confirmed',
  'Left a review: "great, fast service"',
];
const BUSINESSES = ['Acme, Inc.', 'Northwind Traders', 'Blue Harbor "Coastal" Supply', 'Tailspin Toys'];

const BASE_DATE = Date.UTC(1950, 0, 1);

/** Profile ids look like Customer Profiles' (32 lowercase hex) and are derived from domain and index. */
export function profileIdFor(domainName: string, index: number): string {
  return createHash('sha256').update(`${domainName}:profile:${index}`).digest('hex').slice(0, 32);
}

/** Profile `index` (0-based) of a domain; pure and deterministic. */
export function generateProfile(domainName: string, index: number): EmulatedProfile {
  const random = mulberry32(hash32(`${domainName}:profile:${index}`));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const first = pick(FIRST);
  const last = pick(LAST);
  const business = random() < 0.2;
  const { street, ...place } = pick(PLACES);
  const birth = new Date(BASE_DATE + Math.floor(random() * 18_000) * 86_400_000);
  const note = random() < 0.3 ? pick(NOTES) : undefined;
  const profile: EmulatedProfile = {
    ProfileId: profileIdFor(domainName, index),
    AccountNumber: `ACC-${index.toString().padStart(7, '0')}`,
    FirstName: first,
    LastName: last,
    EmailAddress: `${first.toLowerCase()}.${index}@example.com`,
    PhoneNumber: `+1206555${(index % 10_000).toString().padStart(4, '0')}`,
    BirthDate: birth.toISOString().slice(0, 10),
    GenderString: pick(GENDERS),
    PartyTypeString: business ? 'BUSINESS' : 'INDIVIDUAL',
    Address: { Address1: `${1 + Math.floor(random() * 400)} ${street}`, ...place },
    Attributes: {
      tier: index % VIP_EVERY === 0 ? 'vip' : 'standard',
      lifetimeValue: (random() * 5000).toFixed(2),
    },
  };
  if (business) profile.BusinessName = pick(BUSINESSES);
  if (note) profile.AdditionalInformation = note;
  return profile;
}

/**
 * Whether profile `index` belongs to a segment definition. The seeded definitions
 * mean what their names say (`vip-customers`: every {@link VIP_EVERY}th profile,
 * `all-profiles`: every profile); the emulator does not evaluate a created
 * definition's SegmentGroups or SQL: it selects a stable third of the profiles,
 * chosen by a hash of the definition's name.
 */
export function inSegmentDefinition(segmentDefinitionName: string, index: number): boolean {
  if (segmentDefinitionName === 'vip-customers') return index % VIP_EVERY === 0;
  if (segmentDefinitionName === 'all-profiles') return true;
  return hash32(`${segmentDefinitionName}:member:${index}`) % 3 === 0;
}

/** Indexes of the profiles (of `profileCount`) a segment definition selects, in order. */
export function segmentMembers(segmentDefinitionName: string, profileCount: number): number[] {
  const members: number[] = [];
  for (let i = 0; i < profileCount; i++) if (inSegmentDefinition(segmentDefinitionName, i)) members.push(i);
  return members;
}

/** The snapshot formats (the API's `DataFormat` enum). */
export type DataFormat = 'JSONL' | 'CSV' | 'ORC';

/** File extension per format. */
export const EXTENSIONS: Record<DataFormat, string> = { JSONL: 'jsonl', CSV: 'csv', ORC: 'orc' };

/** Most part files one snapshot writes; bigger segments get bigger parts. */
export const MAX_PARTS = 50;

/** Splits `members` into parts of about `perPart` profiles (at least one part, at most {@link MAX_PARTS}). */
export function planParts(members: number[], perPart: number): number[][] {
  const count = Math.min(MAX_PARTS, Math.max(1, Math.ceil(members.length / Math.max(1, perPart))));
  return Array.from({ length: count }, (_, p) =>
    members.slice(Math.floor((p * members.length) / count), Math.floor(((p + 1) * members.length) / count)),
  );
}

/** The CSV columns, in order: nested members flattened with a dot. */
export const CSV_COLUMNS = [
  'ProfileId',
  'AccountNumber',
  'FirstName',
  'LastName',
  'EmailAddress',
  'PhoneNumber',
  'BirthDate',
  'GenderString',
  'PartyTypeString',
  'BusinessName',
  'AdditionalInformation',
  'Address.Address1',
  'Address.City',
  'Address.State',
  'Address.PostalCode',
  'Address.Country',
  'Attributes.tier',
  'Attributes.lifetimeValue',
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvRow(profile: EmulatedProfile): string {
  const flat = profile as unknown as Record<string, unknown>;
  return CSV_COLUMNS.map((column) => {
    const [head, tail] = column.split('.') as [string, string | undefined];
    const value = tail === undefined ? flat[head] : (flat[head] as Record<string, unknown>)[tail];
    return csvField(value === undefined ? '' : String(value));
  }).join(',');
}

/**
 * The content of one part file. JSONL: one profile a line. CSV: a header, then one
 * row a profile. ORC: a placeholder, not a real ORC file: it starts with ORC's
 * magic bytes so tools see a binary ORC-named object, and its records cannot be counted.
 */
export function renderPart(domainName: string, indexes: readonly number[], format: DataFormat): Buffer {
  if (format === 'ORC') {
    return Buffer.from(
      `ORC\0emulator placeholder: ${indexes.length} profiles of domain ${domainName}, not a readable ORC file\n`,
    );
  }
  const lines: string[] = format === 'CSV' ? [CSV_COLUMNS.join(',')] : [];
  for (const index of indexes) {
    const profile = generateProfile(domainName, index);
    lines.push(format === 'CSV' ? csvRow(profile) : JSON.stringify(profile));
  }
  return Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '');
}
