import { GetBucketEncryptionCommand, GetBucketLocationCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { targetsOf } from '../../deploy/source-stacks.ts';
import { type CheckResult, couldNotCheck, type DoctorContext, failureOf } from '../../sources/doctor.ts';

/*
 * The buckets exports go to: the stage's (the stack's ExportBucket, or exportDestination.bucketName)
 * and any other bucket a DynamoDB target names. Each exists and is the expected account's
 * (HeadBucket with ExpectedBucketOwner), in the stage's Region (GetBucketLocation), and the
 * stage's bucket is encrypted as the stage says (GetBucketEncryption against
 * exportDestination.kmsKeyArn: verify-export may use only that key).
 */

interface BucketToCheck {
  bucket: string;
  /** The account that must own it, when known. */
  owner?: string;
  /** The stage's own bucket: its encryption is compared with the stage's settings. */
  stage: boolean;
  /** Who writes there, for the lines. */
  usedBy: string;
}

function bucketsOf(ctx: DoctorContext): BucketToCheck[] {
  const stageBucket = ctx.stack?.outputs.ExportBucketName ?? ctx.config.exportDestination.bucketName;
  const account = ctx.stack?.account;
  const buckets: BucketToCheck[] = stageBucket
    ? [{ bucket: stageBucket, ...(account ? { owner: account } : {}), stage: true, usedBy: 'the stage' }]
    : [];
  for (const target of targetsOf(ctx.config, 'dynamodb')) {
    if (!target.bucket || buckets.some((b) => b.bucket === target.bucket)) continue;
    const owner = target.bucketOwner ?? account;
    buckets.push({
      bucket: target.bucket,
      ...(owner ? { owner } : {}),
      stage: false,
      usedBy: `target ${target.name}`,
    });
  }
  return buckets;
}

/** GetBucketLocation's answer as a Region: empty is us-east-1, EU is eu-west-1 (S3 API reference). */
const regionOf = (constraint: string | undefined) =>
  !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;

async function checkOne(b: BucketToCheck, ctx: DoctorContext): Promise<CheckResult[]> {
  const s3 = ctx.clients.s3;
  try {
    await s3.send(
      new HeadBucketCommand({ Bucket: b.bucket, ...(b.owner ? { ExpectedBucketOwner: b.owner } : {}) }),
    );
  } catch (error) {
    const f = failureOf(error);
    if (f.status === 404 || f.name === 'NotFound' || f.name === 'NoSuchBucket')
      return [
        {
          check: 'bucket',
          status: 'FAIL',
          detail: `bucket ${b.bucket} (${b.usedBy}) does not exist`,
          fix: b.stage
            ? `create it, or correct exportDestination.bucketName in config/stages/${ctx.config.stage}.yml (or let the stack create one: leave bucketName out) and redeploy`
            : `create it, or correct bucket: of ${b.usedBy} in config/stages/${ctx.config.stage}.yml`,
        },
      ];
    if (f.status === 403)
      return [
        {
          check: 'bucket',
          status: 'FAIL',
          detail: `bucket ${b.bucket} (${b.usedBy}) refused HeadBucket (403)${b.owner ? `: not owned by ${b.owner}, or no access` : ''}`,
          fix: b.owner
            ? `check that account ${b.owner} owns it (bucketOwner: for another account's bucket) and that its policy lets this account in`
            : 'check the bucket policy and your permissions',
        },
      ];
    return [couldNotCheck('bucket', `bucket ${b.bucket}`, error, 's3:ListBucket')];
  }
  const facts: string[] = [b.owner ? `owned by ${b.owner}` : 'owner not compared (account unknown)'];
  const results: CheckResult[] = [];
  try {
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: b.bucket }));
    const region = regionOf(location.LocationConstraint);
    if (region === ctx.region) facts.push(`in ${region}`);
    else
      results.push({
        check: 'bucket',
        status: 'WARN',
        detail: `bucket ${b.bucket} is in ${region}, not the stage's ${ctx.region}: every export crosses Regions`,
        fix: `use a bucket in ${ctx.region} unless the other Region is on purpose`,
      });
  } catch (error) {
    results.push(couldNotCheck('bucket', `the Region of bucket ${b.bucket}`, error, 's3:GetBucketLocation'));
  }
  if (b.stage) {
    try {
      const answer = await s3.send(new GetBucketEncryptionCommand({ Bucket: b.bucket }));
      const rule = answer.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      const algorithm = rule?.SSEAlgorithm ?? 'none';
      const key = rule?.KMSMasterKeyID;
      const wantKey = ctx.config.exportDestination.kmsKeyArn;
      if (wantKey && (algorithm !== 'aws:kms' || (key && key !== wantKey && !wantKey.endsWith(key))))
        results.push({
          check: 'bucket',
          status: 'WARN',
          detail: `bucket ${b.bucket} encrypts with ${algorithm}${key ? ` (${key})` : ''}, not the stage's kmsKeyArn ${wantKey}`,
          fix: "make exportDestination.kmsKeyArn the bucket's default key, or correct it",
        });
      else if (!wantKey && algorithm.startsWith('aws:kms'))
        results.push({
          check: 'bucket',
          status: 'FAIL',
          detail: `bucket ${b.bucket} encrypts with KMS (${key ?? 'a key'}) but the stage names no exportDestination.kmsKeyArn: verify-export may not decrypt the files`,
          fix: `set exportDestination.kmsKeyArn to that key in config/stages/${ctx.config.stage}.yml and redeploy`,
        });
      else facts.push(`encrypted with ${algorithm}${key ? ` (${key})` : ''} as the stage says`);
    } catch (error) {
      // A bucket without a default encryption configuration (S3 API reference, GetBucketEncryption).
      // S3 has encrypted every new object with SSE-S3 since January 2023 anyway; only a stage that
      // names a KMS key expects more.
      if (failureOf(error).name === 'ServerSideEncryptionConfigurationNotFoundError') {
        if (ctx.config.exportDestination.kmsKeyArn)
          results.push({
            check: 'bucket',
            status: 'WARN',
            detail: `bucket ${b.bucket} has no default encryption, not the stage's kmsKeyArn`,
            fix: "make exportDestination.kmsKeyArn the bucket's default key, or correct it",
          });
        else facts.push('no default encryption configuration (S3 encrypts new objects with SSE-S3)');
      } else
        results.push(
          couldNotCheck(
            'bucket',
            `the encryption of bucket ${b.bucket}`,
            error,
            's3:GetEncryptionConfiguration',
          ),
        );
    }
  }
  return [
    { check: 'bucket', status: 'OK', detail: `bucket ${b.bucket} (${b.usedBy}) exists, ${facts.join(', ')}` },
    ...results,
  ];
}

export async function checkBuckets(ctx: DoctorContext): Promise<CheckResult[]> {
  const buckets = bucketsOf(ctx);
  if (buckets.length === 0)
    return [
      {
        check: 'bucket',
        status: 'WARN',
        detail: 'no export bucket known: the stack is not deployed and the stage names no bucketName',
        fix: `deploy the stage (npm run deploy -- --stage ${ctx.config.stage}), then run the doctor again`,
      },
    ];
  return (await Promise.all(buckets.map((b) => checkOne(b, ctx)))).flat();
}
