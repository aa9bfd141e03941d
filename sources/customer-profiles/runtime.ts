import {
  CreateSegmentSnapshotCommand,
  CustomerProfilesClient,
  GetSegmentSnapshotCommand,
} from '@aws-sdk/client-customer-profiles';
import { type AwsErrorSource, classifyAwsError, toWorkflowError } from '../../core/aws-errors.ts';
import {
  SourceRequestRejectedError,
  SourceThrottledError,
  SourceUnavailableError,
} from '../../core/errors.ts';
import type { JobSnapshot, JobStatus } from '../../core/types.ts';
import type { SourceContext, SourceRuntime } from '../types.ts';
import type { ProfilesRequest } from './types.ts';

/*
 * Customer Profiles' SDK calls. The API has no way to list a domain's snapshots, so a
 * create whose answer was lost cannot be found again: duplicate deliveries and retries
 * converge through the run ledger (the job is recorded the moment the create answers),
 * and an ambiguous create failure (5xx, no answer) is not retried (see create).
 */

const RETRY_LATER =
  'Customer Profiles stayed unavailable through every retry: check the AWS Health Dashboard, then start the run again later with `npm run export`.';

export const PROFILES_ERRORS: AwsErrorSource = {
  service: 'Customer Profiles',
  errors: {
    throttled: SourceThrottledError,
    unavailable: SourceUnavailableError,
    rejected: SourceRequestRejectedError,
  },
  permissions: {
    CreateSegmentSnapshot: [
      'profile:CreateSegmentSnapshot on the domain and its segment definition',
      'iam:PassRole on the Customer Profiles export role (condition iam:PassedToService profile.amazonaws.com)',
    ],
    GetSegmentSnapshot: ['profile:GetSegmentSnapshot on the domain and its segment definition'],
  },
  rows: [
    {
      names: ['ResourceNotFoundException'],
      message: /snapshot/i,
      kind: 'rejected',
      reason: 'snapshot not found',
      advice:
        'Customer Profiles no longer knows the snapshot (the domain or segment definition was deleted while it ran): check the domain in the Amazon Connect console.',
    },
    {
      names: ['ResourceNotFoundException'],
      message: /segment/i,
      kind: 'rejected',
      reason: 'segment definition not found',
      advice:
        'The domain has no such segment definition: check SegmentDefinitionName (segmentDefinition of the target in config/stages/<stage>.yml) against `aws customer-profiles list-segment-definitions`, redeploy, then start the run again with `npm run export`.',
    },
    {
      names: ['ResourceNotFoundException'],
      kind: 'rejected',
      reason: 'domain not found',
      advice:
        'Customer Profiles has no such domain in this account and region: check DomainName (domain of the target in config/stages/<stage>.yml) against `aws customer-profiles list-domains`; if the domain was deleted on purpose, disable the schedule.',
    },
    {
      names: ['BadRequestException'],
      kind: 'rejected',
      reason: ({ facts }) => (/role/i.test(facts.message) ? 'role cannot be used' : 'invalid request'),
      advice:
        'Customer Profiles rejected the request: check RoleArn (the role profile.amazonaws.com assumes must trust it and may write to the bucket), DestinationUri and EncryptionKey, fix the target, then start the run again with `npm run export`.',
    },
    { names: ['InternalServerException'], kind: 'unavailable', reason: 'service error', advice: RETRY_LATER },
  ],
  rejectedAdvice:
    'Customer Profiles refused the request; the message says why. Fix it, then start the run again with `npm run export`.',
};

function clientOf(ctx: SourceContext): {
  profiles: CustomerProfilesClient;
  profilesCreate: CustomerProfilesClient;
} {
  ctx.clients.profiles ??= new CustomerProfilesClient({ ...ctx.sdk });
  // Never retried by the SDK: a create whose answer is lost cannot be found again.
  ctx.clients.profilesCreate ??= new CustomerProfilesClient({
    ...ctx.sdk,
    requestHandler: { ...ctx.sdk.requestHandler, throwOnRequestTimeout: false },
    maxAttempts: 1,
  });
  return ctx.clients as { profiles: CustomerProfilesClient; profilesCreate: CustomerProfilesClient };
}

/** Customer Profiles' statuses in the workflow's vocabulary: IN_PROGRESS is PROCESSING. */
function statusOf(status: string | undefined): JobStatus {
  if (status === 'COMPLETED' || status === 'FAILED') return status;
  return 'PROCESSING';
}

export const PROFILES_RUNTIME: SourceRuntime<ProfilesRequest> = {
  errors: PROFILES_ERRORS,

  async create(request, ctx) {
    const { profilesCreate } = clientOf(ctx);
    const call = { operation: 'CreateSegmentSnapshot', caller: ctx.caller };
    const response = await profilesCreate
      .send(
        new CreateSegmentSnapshotCommand({
          DomainName: request.DomainName,
          SegmentDefinitionName: request.SegmentDefinitionName,
          DataFormat: request.DataFormat,
          RoleArn: request.RoleArn,
          DestinationUri: request.DestinationUri,
          ...(request.EncryptionKey ? { EncryptionKey: request.EncryptionKey } : {}),
        }),
      )
      .catch((error: unknown) => {
        const kind = classifyAwsError(error, PROFILES_ERRORS, call).kind;
        if (kind !== 'unavailable') throw toWorkflowError(error, PROFILES_ERRORS, call);
        // A 5xx or a lost answer may come after the snapshot started, and nothing can find it
        // again: a retry could start a second snapshot into the same destination. Say so instead.
        const cause = toWorkflowError(error, PROFILES_ERRORS, call);
        throw new SourceRequestRejectedError(
          `Customer Profiles CreateSegmentSnapshot failed without a usable answer (${cause.reason}); the snapshot may or may not have started`,
          {
            reason: 'snapshot start unconfirmed',
            advice: `Customer Profiles cannot list snapshots, so the workflow does not retry a create whose answer was lost (a retry could write a second snapshot into ${request.DestinationUri}). Look there in a few minutes: if files appeared, the snapshot ran; otherwise start the run again with \`npm run export\` and the same --scheduled-time.`,
          },
          { cause },
        );
      });
    if (!response.SnapshotId) {
      throw new SourceRequestRejectedError(
        'Customer Profiles CreateSegmentSnapshot answered without a SnapshotId',
        {
          reason: 'snapshot start unconfirmed',
          advice: `Look under ${request.DestinationUri} in a few minutes: if files appeared, the snapshot ran; otherwise start the run again with \`npm run export\`.`,
        },
      );
    }
    return {
      Id: response.SnapshotId,
      JobStatus: 'PROCESSING',
      SourceStatus: 'IN_PROGRESS',
      // GetSegmentSnapshot reports no dates: the create's answer is the start.
      CreationDate: ctx.now().toISOString(),
      Reused: false,
      Details: { DataFormat: request.DataFormat },
    };
  },

  async read(request, job, ctx) {
    const { profiles } = clientOf(ctx);
    const response = await profiles
      .send(
        new GetSegmentSnapshotCommand({
          DomainName: request.DomainName,
          SegmentDefinitionName: request.SegmentDefinitionName,
          SnapshotId: job.Id,
        }),
      )
      .catch((error: unknown) => {
        if (
          ctx.caller === 'create-export-job' &&
          (error as { name?: string }).name === 'ResourceNotFoundException'
        )
          return undefined;
        throw toWorkflowError(error, PROFILES_ERRORS, {
          operation: 'GetSegmentSnapshot',
          caller: ctx.caller,
        });
      });
    if (!response) return undefined;
    const status = statusOf(response.Status);
    const now = ctx.now().toISOString();
    const snapshot: JobSnapshot = {
      Id: job.Id,
      JobStatus: status,
      SourceStatus: response.Status ?? 'IN_PROGRESS',
      CreationDate: job.CreationDate ?? now,
      Reused: job.Reused,
      Details: { DataFormat: response.DataFormat ?? request.DataFormat },
    };
    // No completion date either: the check that first saw the end stands for it.
    if (status === 'COMPLETED' || status === 'FAILED') snapshot.CompletionDate = job.CompletionDate ?? now;
    if (status === 'COMPLETED') snapshot.TotalFailures = 0;
    if (status === 'FAILED')
      snapshot.Failures = [response.StatusMessage ?? 'Customer Profiles gave no StatusMessage'];
    return snapshot;
  },
};

export default PROFILES_RUNTIME;
