import { S3Client } from '@aws-sdk/client-s3';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import type { CountBatchEvent } from '../../functions/shared/verification/batch.ts';

/*
 * One counting worker of `npm run bench -- --verify`: a process of its own, as each
 * count-export-batch invocation is a Lambda of its own. It counts the batches it is sent
 * (the real core, the real S3 client over HTTP to the emulator) and answers with each
 * result. Started by dev/bench/verify.ts with `fork`.
 */

interface Job {
  event: CountBatchEvent;
  streams: number;
}

const endpoint = process.env.BENCH_S3_ENDPOINT;
if (!endpoint || !process.send)
  throw new Error('dev/bench/verify-worker.ts is started by dev/bench/verify.ts');
const s3 = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
const quiet = { info: () => undefined, warn: () => undefined };

process.on('message', (job: Job | 'exit') => {
  if (job === 'exit') {
    s3.destroy();
    process.exit(0);
  }
  countExportBatch(job.event, {
    s3,
    logger: quiet,
    now: Date.now,
    deadline: Date.now() + 3_600_000,
    streams: job.streams,
  }).then(
    (result) => process.send?.({ result }),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
process.send({ ready: true });
