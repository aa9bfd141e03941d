import type { CommonRequest } from '../../core/types.ts';
import type { TargetBase } from '../stack/target.ts';

/* This source's request and target types; the declaration below adds its request to core's SourceRequests. */

/**
 * The validated, completed Pinpoint request: stage defaults filled, S3 prefix template
 * resolved. It has no `Source` field (inputs and states written before sources existed
 * look exactly like this).
 */
export interface PinpointRequest extends CommonRequest {
  Source?: undefined;
  ApplicationId: string;
  ExportJobRequest: {
    RoleArn: string;
    S3UrlPrefix: string;
    SegmentId?: string;
    SegmentVersion?: number;
  };
}

declare module '../../core/types.ts' {
  interface SourceRequests {
    pinpoint: PinpointRequest;
  }
}

/** A target of this source in the stage file (its settings: sources/pinpoint/stack.ts reads them). */
export interface PinpointTarget extends TargetBase {
  source: 'pinpoint';
  /** Pinpoint application (project) id; spelled as in the Pinpoint API. */
  ApplicationId: string;
  SegmentId?: string;
  SegmentVersion?: number;
  /**
   * S3 key template relative to `exportDestination.keyPrefix`; the stage's
   * `prefixTemplate` when absent. Placeholders as in `names.ts`.
   */
  prefix?: string;
}
