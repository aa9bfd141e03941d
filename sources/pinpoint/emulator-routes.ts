/*
 * Amazon Pinpoint's REST routes the emulator answers: the export job operations the
 * workflow uses, plus enough application and segment operations to explore them with
 * the AWS CLI. Every path is under `/v1/` (which cannot be an S3 bucket: names have 3
 * characters or more).
 */

/** A routed Pinpoint request. */
export interface PinpointRoute {
  operation: string;
  applicationId?: string;
  jobId?: string;
  segmentId?: string;
  version?: string;
}

type RouteResult = { route: PinpointRoute } | { methodNotAllowed: true; applicationId?: string } | undefined;

const ROUTES: { pattern: RegExp; keys: (keyof PinpointRoute)[]; methods: Record<string, string> }[] = [
  { pattern: /^\/v1\/apps$/, keys: [], methods: { GET: 'GetApps', POST: 'CreateApp' } },
  {
    pattern: /^\/v1\/apps\/([^/]+)$/,
    keys: ['applicationId'],
    methods: { GET: 'GetApp', DELETE: 'DeleteApp' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/jobs\/export$/,
    keys: ['applicationId'],
    methods: { GET: 'GetExportJobs', POST: 'CreateExportJob' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/jobs\/export\/([^/]+)$/,
    keys: ['applicationId', 'jobId'],
    methods: { GET: 'GetExportJob' },
  },
  { pattern: /^\/v1\/apps\/([^/]+)\/segments$/, keys: ['applicationId'], methods: { GET: 'GetSegments' } },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegment' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/versions$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegmentVersions' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/versions\/([^/]+)$/,
    keys: ['applicationId', 'segmentId', 'version'],
    methods: { GET: 'GetSegmentVersion' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/jobs\/export$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegmentExportJobs' },
  },
];

/** Every operation the routes name. */
export const PINPOINT_OPERATIONS: readonly string[] = ROUTES.flatMap((r) => Object.values(r.methods));

/** Whether a path is Pinpoint's (`/v1/…`). */
export const isPinpointPath = (path: string): boolean => path.startsWith('/v1/');

/** Finds the operation for a method and path; tells a known path with the wrong method apart. */
export function routePinpoint(method: string, path: string): RouteResult {
  for (const { pattern, keys, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1]!);
    });
    const operation = methods[method];
    if (!operation)
      return {
        methodNotAllowed: true,
        ...(params.applicationId ? { applicationId: params.applicationId } : {}),
      };
    return { route: { operation, ...params } };
  }
  return undefined;
}
