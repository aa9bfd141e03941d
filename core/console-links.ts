import { parseS3Url } from './s3-url.ts';

/*
 * Addresses of AWS console pages: the summary's links (publish-summary) and the CLI's report
 * use the same ones. An ARN or S3 URL that cannot be read gives no link rather than a wrong one.
 */

/** The region an ARN lives in (`arn:aws:states:eu-west-1:…` → `eu-west-1`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** The Step Functions console page of an execution. */
export function consoleUrl(executionArn: string): string {
  const region = regionOfArn(executionArn) ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The S3 console page of an `s3://bucket/prefix/` location; undefined for anything else. */
export function s3ConsoleUrl(location: string, region: string | undefined): string | undefined {
  const parsed = parseS3Url(location);
  if (!parsed) return undefined;
  const query = [
    ...(region ? [`region=${encodeURIComponent(region)}`] : []),
    ...(parsed.prefix ? [`prefix=${encodeURIComponent(parsed.prefix)}`] : []),
  ];
  return `https://s3.console.aws.amazon.com/s3/buckets/${encodeURIComponent(parsed.bucket)}${
    query.length ? `?${query.join('&')}` : ''
  }`;
}
