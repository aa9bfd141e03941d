import { GetDomainCommand, GetSegmentDefinitionCommand } from '@aws-sdk/client-customer-profiles';
import { classifyAwsError } from '../../core/aws-errors.ts';
import { type CheckResult, couldNotCheck, type SourceDoctor } from '../doctor.ts';
import { PROFILES_ERRORS } from './runtime.ts';
import type { CustomerProfilesTarget } from './types.ts';

/*
 * The doctor's Customer Profiles checks: the domain and the segment definition exist. What a
 * refusal means comes from the source's own error rows (the one classifier), so the doctor and a
 * run's summary say the same about a missing domain.
 */

/** A refusal as a FAIL in the classifier's words; anything else (denied, no answer) could not be checked. */
function refused(
  check: string,
  what: string,
  error: unknown,
  operation: string,
  target: string,
): CheckResult {
  const c = classifyAwsError(error, PROFILES_ERRORS, { operation, caller: 'doctor' });
  if (c.kind === 'rejected' && /not found/.test(c.reason))
    return { check, target, status: 'FAIL', detail: `${what}: ${c.reason}`, fix: c.advice };
  return couldNotCheck(check, what, error, `profile:${operation}`, target);
}

export const customerProfilesDoctor: SourceDoctor<CustomerProfilesTarget> = {
  async checks(target, ctx) {
    const results: CheckResult[] = [];
    try {
      await ctx.clients.profiles.send(new GetDomainCommand({ DomainName: target.domain }));
      results.push({
        check: 'domain',
        target: target.name,
        status: 'OK',
        detail: `domain ${target.domain} exists`,
      });
    } catch (error) {
      return [refused('domain', `domain ${target.domain}`, error, 'GetDomain', target.name)];
    }
    try {
      await ctx.clients.profiles.send(
        new GetSegmentDefinitionCommand({
          DomainName: target.domain,
          SegmentDefinitionName: target.segmentDefinition,
        }),
      );
      results.push({
        check: 'segment',
        target: target.name,
        status: 'OK',
        detail: `segment definition ${target.segmentDefinition} exists`,
      });
    } catch (error) {
      results.push(
        refused(
          'segment',
          `segment definition ${target.segmentDefinition}`,
          error,
          'GetSegmentDefinition',
          target.name,
        ),
      );
    }
    return results;
  },

  needs(target, ctx) {
    const account = ctx.stack?.account;
    if (!account) return [];
    const domain = `arn:aws:profile:${ctx.region}:${account}:domains/${target.domain}`;
    return [
      {
        role: 'createExportJob',
        actions: ['profile:CreateSegmentSnapshot', 'profile:GetSegmentSnapshot'],
        resource: `${domain}/segment-definitions/${target.segmentDefinition}`,
      },
      { role: 'getExportJobStatus', actions: ['profile:GetSegmentSnapshot'], resource: domain },
    ];
  },
};
