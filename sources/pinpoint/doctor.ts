import { GetAppCommand, GetSegmentCommand } from '@aws-sdk/client-pinpoint';
import { classifyAwsError } from '../../core/aws-errors.ts';
import { type CheckResult, couldNotCheck, type SourceDoctor } from '../doctor.ts';
import { PINPOINT_SOURCE } from './errors.ts';
import type { PinpointTarget } from './types.ts';

/*
 * The doctor's Pinpoint checks: the application exists and Pinpoint still answers for it
 * (engagement features reached end of support on 2026-10-30; an application AWS turned off
 * refuses in words the classifier knows), and a target's segment exists.
 */

function refused(
  check: string,
  what: string,
  error: unknown,
  operation: string,
  target: string,
): CheckResult {
  const c = classifyAwsError(error, PINPOINT_SOURCE, { operation, caller: 'doctor' });
  if (c.kind === 'rejected' && (c.reason === 'end of support' || /not found/.test(c.reason)))
    return { check, target, status: 'FAIL', detail: `${what}: ${c.reason}`, fix: c.advice };
  return couldNotCheck(check, what, error, `mobiletargeting:${operation}`, target);
}

export const pinpointDoctor: SourceDoctor<PinpointTarget> = {
  async checks(target, ctx) {
    const app = target.ApplicationId;
    let name: string | undefined;
    try {
      const answer = await ctx.clients.pinpoint.send(new GetAppCommand({ ApplicationId: app }));
      name = answer.ApplicationResponse?.Name;
    } catch (error) {
      return [refused('application', `application ${app}`, error, 'GetApp', target.name)];
    }
    const results: CheckResult[] = [
      {
        check: 'application',
        target: target.name,
        status: 'OK',
        detail: `application ${app}${name ? ` (${name})` : ''} exists and Pinpoint answers for it`,
      },
    ];
    if (target.SegmentId) {
      try {
        await ctx.clients.pinpoint.send(
          new GetSegmentCommand({ ApplicationId: app, SegmentId: target.SegmentId }),
        );
        results.push({
          check: 'segment',
          target: target.name,
          status: 'OK',
          detail: `segment ${target.SegmentId} exists`,
        });
      } catch (error) {
        results.push(refused('segment', `segment ${target.SegmentId}`, error, 'GetSegment', target.name));
      }
    }
    return results;
  },

  needs(target, ctx) {
    const account = ctx.stack?.account;
    if (!account) return [];
    const jobs = `arn:aws:mobiletargeting:${ctx.region}:${account}:apps/${target.ApplicationId}/jobs/export`;
    return [
      {
        role: 'createExportJob',
        actions: ['mobiletargeting:CreateExportJob', 'mobiletargeting:GetExportJobs'],
        resource: jobs,
      },
      { role: 'getExportJobStatus', actions: ['mobiletargeting:GetExportJob'], resource: jobs },
    ];
  },
};
