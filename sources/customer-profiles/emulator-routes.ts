/*
 * Customer Profiles' REST routes (`/domains/…`), the operations they name, and which of
 * them the emulator serves (the others are routed, for the request log, and refused).
 */

const ROUTES: { pattern: RegExp; keys: string[]; methods: Record<string, string> }[] = [
  { pattern: /^\/domains$/, keys: [], methods: { GET: 'ListDomains' } },
  {
    pattern: /^\/domains\/([^/]+)$/,
    keys: ['DomainName'],
    methods: { POST: 'CreateDomain', GET: 'GetDomain', PUT: 'UpdateDomain', DELETE: 'DeleteDomain' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segment-definitions$/,
    keys: ['DomainName'],
    methods: { GET: 'ListSegmentDefinitions' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segment-definitions\/([^/]+)$/,
    keys: ['DomainName', 'SegmentDefinitionName'],
    methods: {
      POST: 'CreateSegmentDefinition',
      GET: 'GetSegmentDefinition',
      DELETE: 'DeleteSegmentDefinition',
    },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segments\/([^/]+)\/snapshots$/,
    keys: ['DomainName', 'SegmentDefinitionName'],
    methods: { POST: 'CreateSegmentSnapshot' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segments\/([^/]+)\/snapshots\/([^/]+)$/,
    keys: ['DomainName', 'SegmentDefinitionName', 'SnapshotId'],
    methods: { GET: 'GetSegmentSnapshot' },
  },
];

/** The operations this emulator serves (the others are routed, for the log, and refused). */
export const SERVED_OPERATIONS = [
  'CreateDomain',
  'GetDomain',
  'CreateSegmentDefinition',
  'GetSegmentDefinition',
  'ListSegmentDefinitions',
  'CreateSegmentSnapshot',
  'GetSegmentSnapshot',
] as const;

/** The operation a method and path name (undefined: a known path, another method), and the path's members; undefined when no route matches. */
export function route(
  method: string,
  path: string,
): { operation?: string; params: Record<string, string> } | undefined {
  for (const { pattern, keys, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = safeDecode(match[i + 1]!);
    });
    return { operation: methods[method], params };
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
