import { GetExportJobCommand, PinpointClient } from '@aws-sdk/client-pinpoint';
import type { FinalRead } from '../types.ts';
import type { PinpointRequest } from './types.ts';

/** The finished job with its Failures (GetExportJob), for the summary; the caller bounds it with `signal`. */
const finalRead: FinalRead<PinpointRequest> = async (request, jobId, ctx, signal) => {
  ctx.clients.pinpoint ??= new PinpointClient({ ...ctx.sdk });
  const pinpoint = ctx.clients.pinpoint as PinpointClient;
  const response = await pinpoint.send(
    new GetExportJobCommand({ ApplicationId: request.ApplicationId, JobId: jobId }),
    { abortSignal: signal },
  );
  return response.ExportJobResponse;
};

export default finalRead;
