import type { AwsErrorSource } from '../../core/aws-errors.ts';
import {
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
} from '../../core/errors.ts';

/*
 * Pinpoint's rows for the one error classifier (core/aws-errors.ts), as every source has its
 * own (Customer Profiles' and DynamoDB's are in their runtime.ts), and its end of support.
 */

/** Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on this date. */
export const PINPOINT_END_OF_SUPPORT_DATE = '2026-10-30';

/**
 * Pinpoint's end-of-support wording. AWS documents the end of support ("On October 30,
 * 2026, AWS will end support for Amazon Pinpoint") but not the API's answer after it,
 * so only a refusal (4xx) that speaks of the end of support counts; a "deprecated"
 * or "no longer available" alone does not.
 */
export const PINPOINT_END_OF_SUPPORT = /\bend(?:ed)? (?:of )?support\b/i;

export const PINPOINT_END_OF_SUPPORT_ADVICE = `Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on ${PINPOINT_END_OF_SUPPORT_DATE}; this application can no longer export endpoints, and re-running cannot help. Disable this schedule (enabled: false on its target in config/stages/<stage>.yml, then redeploy) and move the audience to AWS End User Messaging or Amazon Connect.`;

const SCHEDULE_INPUT_FIELDS = ['RoleArn', 'S3UrlPrefix', 'SegmentId', 'SegmentVersion'];

export const PINPOINT_SOURCE: AwsErrorSource = {
  service: 'Pinpoint',
  errors: {
    throttled: PinpointThrottledError,
    unavailable: PinpointUnavailableError,
    rejected: PinpointRequestRejectedError,
  },
  permissions: {
    CreateExportJob: [
      'mobiletargeting:CreateExportJob on the application',
      'iam:PassRole on the export role (PinpointExportRole)',
    ],
    GetExportJobs: ['mobiletargeting:GetExportJobs on the application'],
    GetExportJob: ['mobiletargeting:GetExportJob on the application'],
  },
  rows: [
    {
      statusRange: [400, 499],
      message: PINPOINT_END_OF_SUPPORT,
      kind: 'rejected',
      reason: 'end of support',
      advice: PINPOINT_END_OF_SUPPORT_ADVICE,
    },
    {
      statusRange: [400, 499],
      message: /unable to assume|cannot assume|could not assume|assume ?role/i,
      kind: 'rejected',
      reason: 'role cannot be assumed',
      advice:
        'Pinpoint could not assume the export role: its trust policy must allow pinpoint.amazonaws.com (sts:AssumeRole), and the role must be allowed to write to the S3 prefix (s3:PutObject) and list the bucket. Fix ExportJobRequest.RoleArn or the role (PinpointExportRole), then start the run again with `npm run export`.',
    },
    {
      names: ['NotFoundException'],
      message: /segment/i,
      kind: 'rejected',
      reason: 'segment not found',
      advice:
        'Pinpoint has no such segment or segment version: fix ExportJobRequest.SegmentId/SegmentVersion in the schedule input (config/stages/<stage>.yml), redeploy, then start the run again with `npm run export`.',
    },
    {
      names: ['NotFoundException'],
      message: /\bjob\b/i,
      kind: 'rejected',
      reason: 'export job not found',
      advice:
        'Pinpoint no longer knows the export job (the application or the job was deleted while it ran): check the application in the Pinpoint console; files already written are under the S3 prefix.',
    },
    {
      names: ['NotFoundException'],
      message: /\b(?:app|application|project)\b/i,
      kind: 'rejected',
      reason: 'application not found',
      advice:
        'Pinpoint has no such application (project) in this account and region: check ApplicationId in the schedule input; if the project was deleted on purpose, disable or delete the schedule.',
    },
    {
      names: ['NotFoundException'],
      kind: 'rejected',
      reason: 'not found',
      advice:
        'Pinpoint does not know the application, segment or job (any more): check ApplicationId and SegmentId/SegmentVersion in the schedule input.',
    },
    {
      names: ['BadRequestException'],
      kind: 'rejected',
      reason: ({ facts }) => {
        const field = SCHEDULE_INPUT_FIELDS.find((f) => facts.message.includes(f));
        return field ? `invalid input: ExportJobRequest.${field}` : 'invalid request';
      },
      advice:
        'Pinpoint rejected the request as malformed: check the schedule input (RoleArn, S3UrlPrefix, SegmentId, SegmentVersion) against the stage configuration, fix it, then start the run again with `npm run export`.',
    },
    {
      names: ['PayloadTooLargeException'],
      kind: 'rejected',
      reason: 'request too large',
      advice:
        'The request is too large for Pinpoint: shorten ExportJobRequest.S3UrlPrefix or the other input fields.',
    },
    {
      names: ['MethodNotAllowedException'],
      kind: 'rejected',
      reason: 'method not allowed',
      advice:
        'Pinpoint does not allow this operation here; this is likely a bug in the orchestrator: report it with the execution name.',
    },
    {
      names: ['ForbiddenException'],
      kind: 'rejected',
      reason: 'forbidden',
      advice:
        "Pinpoint refused access: check that the export role (PinpointExportRole) trusts pinpoint.amazonaws.com and may write to the S3 prefix, and that this stack's function role may call the operation on the application.",
    },
  ],
  rejectedAdvice:
    'Pinpoint refused the request; the message says why. Fix it, then start the run again with `npm run export`.',
};
