/** `s3://bucket/a/b/` → bucket and key prefix (`a/b/`, or empty); undefined when it is not an S3 URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match?.[1]) return undefined;
  const path = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1], prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}
