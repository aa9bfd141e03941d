import { resolveTemplate } from '../../core/input-rules.ts';
import { arnOf, type Cfn, IDS, ref, sub } from './cfn.ts';
import type { StageConfig } from './stage-types.ts';

/*
 * Where every source's exports go: the stage's export bucket (the one the stack creates, or
 * `exportDestination.bucketName`) under `exportDestination.keyPrefix`, as the names, URIs and
 * IAM resources the stack and the sources build from it. Type stripping: erasable TypeScript
 * only; only types come from stage-config.ts.
 */

export interface Destination {
  /** The bucket's name: the configured one, or a Ref to the bucket the stack creates. */
  bucket: Cfn;
  /** The only key prefix exports are written under (ends with `/`). */
  keyPrefix: string;
  /** The configured bucket's SSE-KMS key, if it has one (the created bucket uses SSE-S3). */
  kmsKeyArn?: string;
  bucketArn: Cfn;
  /** The objects `<keyPrefix><pattern>` as an IAM resource (`pattern` may end with `*`). */
  objectsArn(pattern: string): Cfn;
  /** `s3://<bucket>/<keyPrefix><template>`. */
  s3Uri(template: string): Cfn;
  /** The longest the bucket's name can be: its own length, or 63 for the name CloudFormation generates. */
  bucketNameLength: number;
}

/** S3 bucket names are at most 63 characters; the created bucket's is generated within that. */
const LONGEST_BUCKET_NAME = 63;

export function destinationOf(config: Pick<StageConfig, 'exportDestination'>): Destination {
  const dest = config.exportDestination;
  const name = dest.bucketName;
  const bucket = name ?? ref(IDS.exportBucket);
  return {
    bucket,
    keyPrefix: dest.keyPrefix,
    ...(dest.kmsKeyArn && { kmsKeyArn: dest.kmsKeyArn }),
    bucketArn: name ? bucketArnOf(name) : arnOf(IDS.exportBucket),
    objectsArn: (pattern) =>
      name
        ? objectsArnOf(name, `${dest.keyPrefix}${pattern}`)
        : sub(`\${${IDS.exportBucket}.Arn}/${dest.keyPrefix}${pattern}`),
    s3Uri: (template) =>
      name
        ? `s3://${name}/${dest.keyPrefix}${template}`
        : sub(`s3://\${Bucket}/${dest.keyPrefix}${template}`, { Bucket: bucket }),
    bucketNameLength: name?.length ?? LONGEST_BUCKET_NAME,
  };
}

/** A bucket given by name, as an IAM resource. */
export const bucketArnOf = (bucket: string): Cfn => sub(`arn:\${AWS::Partition}:s3:::${bucket}`);

/** Objects `<key>` of a bucket given by name, as an IAM resource. */
export const objectsArnOf = (bucket: string, key: string): Cfn =>
  sub(`arn:\${AWS::Partition}:s3:::${bucket}/${key}`);

/**
 * The keys a key template can resolve to, as an IAM pattern: the placeholders known when the stack
 * is built (a target's domain or table) filled in, everything from the first one known only at run
 * time (the date) replaced by `*`. `{TableName}/{date}/` for table orders → `orders/*`.
 */
export function keyPattern(template: string, known: Record<string, string>): string {
  const resolved = resolveTemplate(template, known);
  const open = resolved.indexOf('{');
  return `${open < 0 ? resolved : resolved.slice(0, open)}*`;
}
