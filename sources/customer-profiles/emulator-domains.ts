/*
 * Customer Profiles' domains and segment definitions in the emulator: the seeded ones
 * (each seeded domain has `vip-customers` and `all-profiles`), and CreateDomain,
 * GetDomain, CreateSegmentDefinition, GetSegmentDefinition and ListSegmentDefinitions
 * with the model's members, limits and error names. A created domain has no profiles;
 * a created segment definition is stored and echoed, not evaluated.
 */

import { SEEDED_SEGMENT_DEFINITIONS } from './emulator-data.ts';
import type { ProfilesContext, ProfilesDomainRecord, SegmentDefinitionRecord } from './emulator-store.ts';
import { checkName, checkTags, epochSeconds, NAME, optionalString, profilesErrors } from './emulator-wire.ts';

/** The ARN of a segment definition (the model gives no pattern; this follows the `profile` service's ARNs). */
function segmentDefinitionArn(ctx: ProfilesContext, domainName: string, name: string): string {
  return `arn:aws:profile:${ctx.region}:${ctx.account}:domains/${domainName}/segment-definitions/${name}`;
}

/** The seeded definitions' content: what their names mean, as a real definition would say it. */
function seededDefinition(
  ctx: ProfilesContext,
  domainName: string,
  name: (typeof SEEDED_SEGMENT_DEFINITIONS)[number],
  createdAtMs: number,
): SegmentDefinitionRecord {
  const vip = name === 'vip-customers';
  const dimension = vip
    ? { ProfileAttributes: { Attributes: { tier: { DimensionType: 'INCLUSIVE', Values: ['vip'] } } } }
    : { ProfileAttributes: { ProfileType: { DimensionType: 'INCLUSIVE', Values: ['PROFILE'] } } };
  return {
    name,
    displayName: vip ? 'VIP customers' : 'All profiles',
    description: vip ? 'Profiles whose tier attribute is vip' : 'Every profile of the domain',
    segmentGroups: { Include: 'ALL', Groups: [{ Type: 'ALL', Dimensions: [dimension] }] },
    tags: {},
    arn: segmentDefinitionArn(ctx, domainName, name),
    createdAtMs,
  };
}

/** Seeds the domains of the options, each with `count` profiles and the seeded segment definitions. */
export function seedDomains(ctx: ProfilesContext): void {
  for (const name of ctx.options.domains) {
    if (!NAME.test(name) || name.length > 64) {
      throw new TypeError(`Customer Profiles domain name must match ^[a-zA-Z0-9_-]+$ (at most 64): ${name}`);
    }
    const created = ctx.now();
    const domain: ProfilesDomainRecord = {
      name,
      defaultExpirationDays: 366,
      tags: {},
      createdAtMs: created,
      lastUpdatedAtMs: created,
      profileCount: ctx.options.count,
      segmentDefinitions: new Map(),
    };
    for (const definition of SEEDED_SEGMENT_DEFINITIONS) {
      domain.segmentDefinitions.set(definition, seededDefinition(ctx, name, definition, created));
    }
    ctx.store.domains.set(name, domain);
  }
}

/** The domain a request's path names, or ResourceNotFound. */
export function domainOf(ctx: ProfilesContext, params: Record<string, string>): ProfilesDomainRecord {
  const name = checkName('DomainName', params.DomainName);
  const domain = ctx.store.domains.get(name);
  if (!domain) throw profilesErrors.notFound(`Domain ${name} not found`);
  return domain;
}

/** The segment definition a request's path names, or ResourceNotFound. */
export function definitionOf(
  domain: ProfilesDomainRecord,
  params: Record<string, string>,
): SegmentDefinitionRecord {
  const name = checkName('SegmentDefinitionName', params.SegmentDefinitionName);
  const definition = domain.segmentDefinitions.get(name);
  if (!definition)
    throw profilesErrors.notFound(`Segment definition ${name} not found in domain ${domain.name}`);
  return definition;
}

export function createDomain(
  ctx: ProfilesContext,
  params: Record<string, string>,
  body: Record<string, unknown>,
) {
  const name = checkName('DomainName', params.DomainName);
  const days = body.DefaultExpirationDays;
  if (days === undefined) throw profilesErrors.badRequest('DefaultExpirationDays is required');
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1098) {
    throw profilesErrors.badRequest('DefaultExpirationDays must be an integer between 1 and 1098');
  }
  const key = optionalString(body, 'DefaultEncryptionKey', 0, 255);
  const dlq = optionalString(body, 'DeadLetterQueueUrl', 0, 255);
  const tags = checkTags(body.Tags);
  if (ctx.store.domains.has(name)) throw profilesErrors.badRequest(`Domain ${name} already exists`);
  const created = ctx.now();
  const domain: ProfilesDomainRecord = {
    name,
    defaultExpirationDays: days,
    ...(key !== undefined ? { defaultEncryptionKey: key } : {}),
    ...(dlq !== undefined ? { deadLetterQueueUrl: dlq } : {}),
    tags,
    createdAtMs: created,
    lastUpdatedAtMs: created,
    profileCount: 0,
    segmentDefinitions: new Map(),
  };
  ctx.store.domains.set(name, domain);
  const { Stats: _stats, ...answer } = domainResponse(domain);
  return answer;
}

export function domainResponse(domain: ProfilesDomainRecord) {
  return {
    DomainName: domain.name,
    DefaultExpirationDays: domain.defaultExpirationDays,
    ...(domain.defaultEncryptionKey !== undefined
      ? { DefaultEncryptionKey: domain.defaultEncryptionKey }
      : {}),
    ...(domain.deadLetterQueueUrl !== undefined ? { DeadLetterQueueUrl: domain.deadLetterQueueUrl } : {}),
    Stats: {
      ProfileCount: domain.profileCount,
      MeteringProfileCount: domain.profileCount,
      ObjectCount: domain.profileCount,
      TotalSize: domain.profileCount * 1024,
    },
    CreatedAt: epochSeconds(domain.createdAtMs),
    LastUpdatedAt: epochSeconds(domain.lastUpdatedAtMs),
    ...(Object.keys(domain.tags).length > 0 ? { Tags: domain.tags } : {}),
  };
}

export function createSegmentDefinition(
  ctx: ProfilesContext,
  params: Record<string, string>,
  body: Record<string, unknown>,
) {
  const domain = domainOf(ctx, params);
  const name = checkName('SegmentDefinitionName', params.SegmentDefinitionName);
  const displayName = optionalString(body, 'DisplayName', 1, 255);
  if (displayName === undefined) throw profilesErrors.badRequest('DisplayName is required');
  const description = optionalString(body, 'Description', 1, 4000);
  const sql = optionalString(body, 'SegmentSqlQuery', 1, 50_000);
  const groups = body.SegmentGroups;
  if (groups !== undefined && (typeof groups !== 'object' || groups === null || Array.isArray(groups))) {
    throw profilesErrors.badRequest('SegmentGroups must be an object');
  }
  if (groups === undefined && sql === undefined) {
    throw profilesErrors.badRequest('Either SegmentGroups or SegmentSqlQuery is required');
  }
  if (groups !== undefined && sql !== undefined) {
    throw profilesErrors.badRequest('SegmentGroups and SegmentSqlQuery cannot both be set');
  }
  const tags = checkTags(body.Tags);
  if (domain.segmentDefinitions.has(name)) {
    throw profilesErrors.badRequest(`Segment definition ${name} already exists in domain ${domain.name}`);
  }
  const record: SegmentDefinitionRecord = {
    name,
    displayName,
    ...(description !== undefined ? { description } : {}),
    ...(groups !== undefined ? { segmentGroups: groups } : {}),
    ...(sql !== undefined ? { segmentSqlQuery: sql } : {}),
    ...(body.SegmentSort !== undefined ? { segmentSort: body.SegmentSort } : {}),
    tags,
    arn: segmentDefinitionArn(ctx, domain.name, name),
    createdAtMs: ctx.now(),
  };
  domain.segmentDefinitions.set(name, record);
  return {
    SegmentDefinitionName: record.name,
    DisplayName: record.displayName,
    ...(record.description !== undefined ? { Description: record.description } : {}),
    CreatedAt: epochSeconds(record.createdAtMs),
    SegmentDefinitionArn: record.arn,
    ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
  };
}

export function listSegmentDefinitions(
  ctx: ProfilesContext,
  params: Record<string, string>,
  query: URLSearchParams,
) {
  const domain = domainOf(ctx, params);
  const sizeText = query.get('max-results');
  const size = sizeText === null ? 100 : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > 500) {
    throw profilesErrors.badRequest('max-results must be an integer between 1 and 500');
  }
  const token = query.get('next-token');
  let offset = 0;
  if (token !== null) {
    offset = /^o[0-9]{1,9}$/.test(token) ? Number(token.slice(1)) : Number.NaN;
    if (!Number.isInteger(offset)) throw profilesErrors.badRequest('next-token is not valid');
  }
  const all = [...domain.segmentDefinitions.values()];
  const page = all.slice(offset, offset + size);
  return {
    Items: page.map((d) => ({
      SegmentDefinitionName: d.name,
      DisplayName: d.displayName,
      ...(d.description !== undefined ? { Description: d.description } : {}),
      SegmentDefinitionArn: d.arn,
      CreatedAt: epochSeconds(d.createdAtMs),
      ...(Object.keys(d.tags).length > 0 ? { Tags: d.tags } : {}),
      SegmentType: segmentType(d),
    })),
    ...(offset + size < all.length ? { NextToken: `o${offset + size}` } : {}),
  };
}

export function definitionResponse(d: SegmentDefinitionRecord) {
  return {
    SegmentDefinitionName: d.name,
    DisplayName: d.displayName,
    ...(d.description !== undefined ? { Description: d.description } : {}),
    ...(d.segmentGroups !== undefined ? { SegmentGroups: d.segmentGroups } : {}),
    ...(d.segmentSort !== undefined ? { SegmentSort: d.segmentSort } : {}),
    SegmentDefinitionArn: d.arn,
    CreatedAt: epochSeconds(d.createdAtMs),
    ...(Object.keys(d.tags).length > 0 ? { Tags: d.tags } : {}),
    ...(d.segmentSqlQuery !== undefined ? { SegmentSqlQuery: d.segmentSqlQuery } : {}),
    SegmentType: segmentType(d),
  };
}

/** SQL-defined segments are the ENHANCED kind; dimension-defined ones CLASSIC. */
function segmentType(d: SegmentDefinitionRecord): 'CLASSIC' | 'ENHANCED' {
  return d.segmentSqlQuery !== undefined ? 'ENHANCED' : 'CLASSIC';
}
