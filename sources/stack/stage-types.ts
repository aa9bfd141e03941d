import type { CustomerProfilesTarget } from '../customer-profiles/types.ts';
import type { DynamoDbTarget } from '../dynamodb/types.ts';
import type { PinpointTarget } from '../pinpoint/types.ts';
import type { TargetBase } from './target.ts';

/*
 * The stage file's shape once read (config/stages/<stage>.yml; docs/DEPLOY.md): what the
 * sources' stack parts and deploy/ build the template from. The reader is deploy/stage-config.ts.
 * Types only: erasable TypeScript.
 */

/**
 * The stage configuration file, `config/stages/<stage>.yml`: everything that
 * differs between one team's deployments. `parseStageConfig` validates the raw
 * YAML once, at package time, and names every field it rejects, so a typo fails
 * `osls package` instead of a nightly run.
 *
 * This module runs inside osls (through `deploy/serverless.cjs`, with Node's type
 * stripping), so it uses erasable TypeScript only and imports nothing heavy.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** One scheduled export: the common fields and its source's settings (sources/<id>/stack.ts). */
export type ExportTarget = PinpointTarget | CustomerProfilesTarget | DynamoDbTarget;

export type { CustomerProfilesTarget, DynamoDbTarget, PinpointTarget, TargetBase };

export interface ExportDestination {
  /** An existing bucket; the stack creates one (with an access-log bucket) when absent. */
  bucketName?: string;
  /** An existing export role trusted by Pinpoint; the stack creates one when absent. */
  roleArn?: string;
  /** An existing role trusted by Customer Profiles (profile.amazonaws.com); the stack creates one when a target needs it. */
  profilesRoleArn?: string;
  /** The existing bucket's KMS key (SSE-KMS): verify-export may then decrypt and encrypt with it. */
  kmsKeyArn?: string;
  /** The only key prefix the export role may write under (ends with `/`). */
  keyPrefix: string;
  /** Default key template under `keyPrefix` (the stage's DEFAULT_S3_URL_PREFIX). */
  prefixTemplate: string;
  /** Days until an exported object expires (created bucket only). */
  expirationDays: number;
  /** Days until an S3 server access log object expires (created bucket only). */
  accessLogExpirationDays: number;
}

export type SubscriptionProtocol = 'email' | 'email-json' | 'sqs' | 'https';

export interface Subscription {
  protocol: SubscriptionProtocol;
  endpoint: string;
  /** Shorthand for a filter policy on the `status` message attribute. */
  statuses?: string[];
  /** A full SNS filter policy on message attributes (exclusive with `statuses`). */
  filterPolicy?: Record<string, unknown>;
  /** sqs/https only: deliver the summary JSON without the SNS envelope. */
  rawMessageDelivery?: boolean;
}

export interface Notifications {
  /** An existing topic; the stack creates a KMS-encrypted one when absent. */
  topicArn?: string;
  /** The existing topic's customer managed KMS key, if it has one. */
  topicKmsKeyArn?: string;
  subscriptions: Subscription[];
  /** Email text lists Pinpoint's Failures entries unmasked (they can hold endpoint addresses); default false. */
  rawFailuresInEmail?: boolean;
}

/** The per-run metrics and the dashboard. */
export interface MetricsSettings {
  /** CloudWatch namespace of the per-run metrics (METRICS_NAMESPACE). */
  namespace: string;
  /** Where the dashboard's text widget points for what to do about each failure. */
  runbookUrl?: string;
}

/** The run ledger (DynamoDB): retention, protection, and the summary's drop warning. */
export interface LedgerSettings {
  /** Runs are deleted (TTL) this many days after their scheduled time. */
  retentionDays: number;
  /** The table cannot be deleted (nor with the stack); default true except on the dev stage. */
  deletionProtection: boolean;
  /** The summary's headline warns (and `recordsDrop` is true) when a target exports this many percent fewer records than its previous COMPLETED run. */
  recordsDropWarnPercent?: number;
}

export interface Alarms {
  enabled: boolean;
  /** Ops topic for alarms; the summary topic when absent. */
  topicArn?: string;
  /** Alarm when no execution started for this many hours (24–168). */
  missedRunHours: number;
}

export interface SchedulerDefaults {
  flexibleWindowMinutes: number;
  retryAttempts: number;
  maxEventAgeSeconds: number;
}

export interface PollSettings {
  minWaitSeconds?: number;
  maxWaitSeconds?: number;
  runDeadlineSeconds?: number;
  /** POLL_NEAR_WAIT_SECONDS: the wait while the job's end is near or overdue (bounds the summary's delay). */
  nearWaitSeconds?: number;
  /** POLL_IDLE_GROWTH: while nothing can be estimated, wait this fraction of the time elapsed so far. */
  idleGrowth?: number;
  /** POLL_AIM_FRACTION: while estimating, wait this fraction of the estimated time left. */
  aimFraction?: number;
  /** POLL_FINISHING_SHARE: COMPLETING's length as a multiple of the setup time. */
  finishingShare?: number;
}

export interface StageConfig {
  stage: string;
  region?: string;
  logRetentionInDays: number;
  logLevel: LogLevel;
  poll: PollSettings;
  exportDestination: ExportDestination;
  scheduler: SchedulerDefaults;
  notifications: Notifications;
  alarms: Alarms;
  ledger: LedgerSettings;
  metrics: MetricsSettings;
  /**
   * The failure limit of a target that sets none (percent of the records processed); above it a
   * run is TOO_MANY_FAILURES (core/outcome.ts, where the default's reason is).
   */
  maxFailurePercent: number;
  /** How an export's records are counted (deploy/stage-sections/verification.ts). */
  verification: VerificationSettings;
  targets: ExportTarget[];
  /** Applications operators may export by hand besides the targets' ones. */
  additionalApplicationIds: string[];
}

export interface VerificationSettings {
  /** Stored (compressed) megabytes per counting batch (VERIFY_BATCH_BYTES); larger past 400 batches. */
  batchMegabytes: number;
  /** Batches counted at once (VERIFY_CONCURRENCY): the Map's MaxConcurrency, at most 40 (an inline Map's most). */
  concurrency: number;
  /** count-export-batch's memory, MB: its CPU (one vCPU per 1,769 MB) and so its streams (COUNT_STREAMS). */
  countMemoryMb: number;
}
