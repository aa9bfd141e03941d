/*
 * AWS naming rules shared by the execution-input validation (functions) and the
 * stage configuration (deploy/stage-config.ts, loaded by osls through Node's type
 * stripping): so this module imports nothing and uses erasable TypeScript only.
 */

/** An IAM role ARN in any partition, with an optional path. */
export const ROLE_ARN =
  /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** S3 object keys are at most 1,024 bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;
/**
 * Longest export prefix, bytes of UTF-8: Pinpoint appends its own object names
 * (a job folder and a file name) under the prefix, and each whole key must stay
 * within S3's 1,024 bytes.
 */
export const MAX_S3_PREFIX_BYTES = MAX_S3_KEY_BYTES - 128;

/**
 * Checks an S3 bucket name against S3's general-purpose bucket naming rules.
 * Returns the problem, or undefined when the name is valid.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(bucket)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket))
    return 'must begin and end with a letter or digit';
  if (bucket.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (bucket.startsWith(prefix)) return `must not start with "${prefix}"`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (bucket.endsWith(suffix)) return `must not end with "${suffix}"`;
  }
  return undefined;
}

/** The problem with an S3 key prefix's length, or undefined when it leaves room for Pinpoint's object names. */
export function keyPrefixBytesProblem(keyPrefix: string): string | undefined {
  const bytes = new TextEncoder().encode(keyPrefix).length;
  return bytes > MAX_S3_PREFIX_BYTES
    ? `key prefix is ${bytes} bytes of UTF-8; at most ${MAX_S3_PREFIX_BYTES}, so that the export's own object names still fit S3's ${MAX_S3_KEY_BYTES}-byte keys`
    : undefined;
}
