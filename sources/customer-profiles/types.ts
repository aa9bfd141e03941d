import type { CommonRequest } from '../../core/types.ts';
import type { TargetBase } from '../stack/target.ts';
import type { DataFormat } from './names.ts';

/* This source's request and target types; the declaration below adds its request to core's SourceRequests. */

/** A Customer Profiles segment snapshot request (CreateSegmentSnapshot), destination resolved. */
export interface ProfilesRequest extends CommonRequest {
  Source: 'customer-profiles';
  DomainName: string;
  SegmentDefinitionName: string;
  DataFormat: 'JSONL' | 'CSV' | 'ORC';
  RoleArn: string;
  /** Resolved `s3://bucket/prefix/`. */
  DestinationUri: string;
  EncryptionKey?: string;
}

declare module '../../core/types.ts' {
  interface SourceRequests {
    'customer-profiles': ProfilesRequest;
  }
}

/** A target of this source in the stage file (its settings: sources/customer-profiles/stack.ts reads them). */
export interface CustomerProfilesTarget extends TargetBase {
  source: 'customer-profiles';
  /** The Customer Profiles domain (DomainName). */
  domain: string;
  /** The segment definition exported (SegmentDefinitionName). */
  segmentDefinition: string;
  /** DataFormat; Customer Profiles' default for this project is JSONL (the runtime's). */
  format?: DataFormat;
  /** Destination key template under `exportDestination.keyPrefix`; the stage's default when absent. */
  prefix?: string;
}
