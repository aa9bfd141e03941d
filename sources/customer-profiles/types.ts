import type { CommonRequest } from '../../core/types.ts';

/* This source's request types; the declaration below adds its request to core's SourceRequests. */

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
