import { APPLICATION_ID, bucketNameProblem, keyPrefixBytesProblem, ROLE_ARN } from '../core/aws-names.ts';
import { DEFAULT_MAX_FAILURE_PERCENT } from '../core/outcome.ts';
import { CONFIG_DEFAULTS, pollCapProblem } from '../functions/shared/config.ts';
import type { CustomerProfilesTarget } from '../sources/customer-profiles/stack.ts';
import type { DynamoDbTarget } from '../sources/dynamodb/stack.ts';
import { type PinpointTarget, pinpointApplicationsOf } from '../sources/pinpoint/stack.ts';
import { destinationOf } from './destination.ts';
import { MAX_STAGE_LENGTH, namesTooLong } from './names.ts';
import {
  DST_CHECK_YEARS,
  HTTPS_URL,
  isObject,
  KMS_KEY_ARN,
  logicalIdOf,
  longestResolution,
  METRICS_NAMESPACE,
  REGION,
  Reader,
  readSubscription,
  readTarget,
  STAGE_NAME,
  SUMMARY_STATUSES,
  TOPIC_ARN,
} from './stage-fields.ts';
import { readVerificationSettings, type VerificationSettings } from './verification-settings.ts';

export { DST_CHECK_YEARS, logicalIdOf, SUMMARY_STATUSES };

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

/**
 * What every scheduled export has, whatever its source: an EventBridge Scheduler
 * schedule that starts the workflow.
 */
export interface TargetBase {
  /** Schedule name, unique in the stage: 1–64 of `0-9A-Za-z-_.`. */
  name: string;
  /** The export source (deploy/sources.ts); `pinpoint` when the stage file names none. */
  source: string;
  /** The six fields of an EventBridge Scheduler cron expression, without `cron(…)`. */
  cron: string;
  /** IANA time zone the cron expression is evaluated in. */
  timezone: string;
  enabled: boolean;
  /** Overrides `scheduler.flexibleWindowMinutes` for this target. */
  flexibleWindowMinutes?: number;
  /** Overrides the stage's `maxFailurePercent` for this target (its schedule input's MaxFailurePercent). */
  maxFailurePercent?: number;
}

/** One scheduled export: the common fields and its source's settings (sources/<id>/stack.ts). */
export type ExportTarget = PinpointTarget | CustomerProfilesTarget | DynamoDbTarget;

export type { CustomerProfilesTarget, DynamoDbTarget, PinpointTarget };

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
  /** How an export's records are counted (deploy/verification-settings.ts). */
  verification: VerificationSettings;
  targets: ExportTarget[];
  /** Applications operators may export by hand besides the targets' ones. */
  additionalApplicationIds: string[];
}

/** Raised for an invalid stage file; lists every problem found, one per line. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const STAGE_DEFAULTS = {
  logRetentionInDays: 30,
  logLevel: 'INFO',
  keyPrefix: 'exports/',
  prefixTemplate: '{ApplicationId}/{SegmentId}/{date}/',
  expirationDays: 30,
  accessLogExpirationDays: 365,
  flexibleWindowMinutes: 0,
  retryAttempts: 10,
  maxEventAgeSeconds: 3600,
  missedRunHours: 25,
  /** About 13 months: year-on-year comparisons stay possible. */
  ledgerRetentionDays: 400,
  metricsNamespace: 'ExportOrchestrator',
} as const;

export function stageNameProblem(stage: string): string | undefined {
  if (!STAGE_NAME.test(stage)) return `"${stage}" must be a-z 0-9 -, starting with a letter`;
  const tooLong = namesTooLong(stage);
  if (tooLong.length === 0) return undefined;
  const worst = [...tooLong].sort((a, b) => b.name.length - b.limit - (a.name.length - a.limit))[0]!;
  return (
    `"${stage}" is ${stage.length} characters; at most ${MAX_STAGE_LENGTH}: the ${worst.what} "${worst.name}" ` +
    `would be ${worst.name.length} characters, over its limit of ${worst.limit}` +
    (tooLong.length > 1 ? ` (and ${tooLong.length - 1} more name(s))` : '')
  );
}

/**
 * Validates the raw content of `config/stages/<stage>.yml` and fills defaults.
 * @param now schedules are checked for daylight-saving gaps from this date on (`DST_CHECK_YEARS` years).
 * @throws StageConfigError listing every problem, each prefixed with its field path.
 */
export function parseStageConfig(
  raw: unknown,
  stage: string,
  { now = new Date() }: { now?: Date } = {},
): StageConfig {
  const file = `config/stages/${stage}.yml`;
  if (raw === null || raw === undefined) {
    throw new StageConfigError(`${file} not found or empty: every stage needs its configuration file`);
  }
  if (!isObject(raw)) throw new StageConfigError(`${file}: must be a YAML mapping`);
  const r = new Reader();
  const stageProblem = stageNameProblem(stage);
  if (stageProblem) r.problem('stage', stageProblem);
  r.unknownKeys(
    raw,
    [
      'region',
      'logRetentionInDays',
      'logLevel',
      'poll',
      'exportDestination',
      'scheduler',
      'notifications',
      'alarms',
      'ledger',
      'metrics',
      'maxFailurePercent',
      'verification',
      'targets',
      'additionalApplicationIds',
    ],
    '',
  );
  const maxFailurePercent = r.percent(raw, 'maxFailurePercent', 'maxFailurePercent');

  const region = r.string(raw, 'region', 'region', REGION, 'such as eu-west-1');
  const logRetentionInDays = r.integer(raw, 'logRetentionInDays', 'logRetentionInDays', 1, 3653);
  if (
    logRetentionInDays !== undefined &&
    !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionInDays)
  ) {
    r.problem('logRetentionInDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const logLevel = r.string(
    raw,
    'logLevel',
    'logLevel',
    /^(?:DEBUG|INFO|WARN|ERROR)$/,
    'DEBUG, INFO, WARN or ERROR',
  );

  const rawPoll = r.object(raw, 'poll', 'poll');
  r.unknownKeys(
    rawPoll,
    [
      'minWaitSeconds',
      'maxWaitSeconds',
      'runDeadlineSeconds',
      'nearWaitSeconds',
      'idleGrowth',
      'aimFraction',
      'finishingShare',
    ],
    'poll',
  );
  const minWaitSeconds = r.integer(rawPoll, 'minWaitSeconds', 'poll.minWaitSeconds', 1, 3600);
  const maxWaitSeconds = r.integer(rawPoll, 'maxWaitSeconds', 'poll.maxWaitSeconds', 1, 3600);
  const runDeadlineSeconds = r.integer(
    rawPoll,
    'runDeadlineSeconds',
    'poll.runDeadlineSeconds',
    60,
    7 * 24 * 3600,
  );
  // The same ranges as functions/shared/config.ts accepts for the environment variables.
  const nearWaitSeconds = r.integer(rawPoll, 'nearWaitSeconds', 'poll.nearWaitSeconds', 1, 3600);
  const idleGrowth = r.number(rawPoll, 'idleGrowth', 'poll.idleGrowth', 0, 10);
  const aimFraction = r.number(rawPoll, 'aimFraction', 'poll.aimFraction', 0, 1);
  const finishingShare = r.number(rawPoll, 'finishingShare', 'poll.finishingShare', 0, 10);
  if (minWaitSeconds !== undefined && maxWaitSeconds !== undefined && minWaitSeconds > maxWaitSeconds) {
    r.problem(
      'poll.minWaitSeconds',
      `(${minWaitSeconds}) must not exceed poll.maxWaitSeconds (${maxWaitSeconds})`,
    );
  }
  // The workflow stops after POLL_CHECK_CAP checks: at the longest wait they must reach the deadline.
  const capProblem = pollCapProblem({
    maxWaitSeconds: maxWaitSeconds ?? CONFIG_DEFAULTS.POLL_MAX_WAIT_SECONDS,
    runDeadlineSeconds: runDeadlineSeconds ?? CONFIG_DEFAULTS.RUN_DEADLINE_SECONDS,
  });
  if (capProblem) r.problem('poll.runDeadlineSeconds', capProblem);

  const rawDest = r.object(raw, 'exportDestination', 'exportDestination');
  r.unknownKeys(
    rawDest,
    [
      'bucketName',
      'roleArn',
      'profilesRoleArn',
      'kmsKeyArn',
      'keyPrefix',
      'prefixTemplate',
      'expirationDays',
      'accessLogExpirationDays',
    ],
    'exportDestination',
  );
  const bucketName = r.string(rawDest, 'bucketName', 'exportDestination.bucketName');
  const kmsKeyArn = r.string(
    rawDest,
    'kmsKeyArn',
    'exportDestination.kmsKeyArn',
    KMS_KEY_ARN,
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  );
  if (kmsKeyArn && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.kmsKeyArn',
      "applies to an existing bucketName (the stack's own bucket uses SSE-S3)",
    );
  }
  const bucketProblem = bucketName === undefined ? undefined : bucketNameProblem(bucketName);
  if (bucketProblem)
    r.problem(
      'exportDestination.bucketName',
      `"${bucketName}" is not a valid S3 bucket name: it ${bucketProblem}`,
    );
  const roleArn = r.string(rawDest, 'roleArn', 'exportDestination.roleArn', ROLE_ARN, 'an IAM role ARN');
  if (rawDest.roleArn !== undefined && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.roleArn',
      'an existing export role needs the existing bucketName it writes to',
    );
  }
  const profilesRoleArn = r.string(
    rawDest,
    'profilesRoleArn',
    'exportDestination.profilesRoleArn',
    ROLE_ARN,
    'an IAM role ARN',
  );
  if (rawDest.profilesRoleArn !== undefined && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.profilesRoleArn',
      'an existing Customer Profiles export role needs the existing bucketName it writes to',
    );
  }
  const keyPrefix =
    r.keyTemplate(rawDest, 'keyPrefix', 'exportDestination.keyPrefix') ?? STAGE_DEFAULTS.keyPrefix;
  if (
    keyPrefix.includes('{') ||
    keyPrefix.includes('*') ||
    !keyPrefix.endsWith('/') ||
    keyPrefix.length < 2
  ) {
    r.problem(
      'exportDestination.keyPrefix',
      `"${keyPrefix}" must be a fixed prefix ending with "/", without placeholders`,
    );
  }
  const prefixTemplate =
    r.keyTemplate(rawDest, 'prefixTemplate', 'exportDestination.prefixTemplate') ??
    STAGE_DEFAULTS.prefixTemplate;
  const expirationDays = r.integer(rawDest, 'expirationDays', 'exportDestination.expirationDays', 1, 3650);
  const accessLogExpirationDays = r.integer(
    rawDest,
    'accessLogExpirationDays',
    'exportDestination.accessLogExpirationDays',
    1,
    3650,
  );

  const rawScheduler = r.object(raw, 'scheduler', 'scheduler');
  r.unknownKeys(rawScheduler, ['flexibleWindowMinutes', 'retryAttempts', 'maxEventAgeSeconds'], 'scheduler');
  const scheduler: SchedulerDefaults = {
    flexibleWindowMinutes:
      r.integer(rawScheduler, 'flexibleWindowMinutes', 'scheduler.flexibleWindowMinutes', 0, 1440) ??
      STAGE_DEFAULTS.flexibleWindowMinutes,
    retryAttempts:
      r.integer(rawScheduler, 'retryAttempts', 'scheduler.retryAttempts', 0, 185) ??
      STAGE_DEFAULTS.retryAttempts,
    maxEventAgeSeconds:
      r.integer(rawScheduler, 'maxEventAgeSeconds', 'scheduler.maxEventAgeSeconds', 60, 86400) ??
      STAGE_DEFAULTS.maxEventAgeSeconds,
  };

  const rawNotifications = r.object(raw, 'notifications', 'notifications');
  r.unknownKeys(
    rawNotifications,
    ['topicArn', 'topicKmsKeyArn', 'subscriptions', 'rawFailuresInEmail'],
    'notifications',
  );
  const rawFailuresInEmail = r.boolean(
    rawNotifications,
    'rawFailuresInEmail',
    'notifications.rawFailuresInEmail',
  );
  const topicArn = r.string(
    rawNotifications,
    'topicArn',
    'notifications.topicArn',
    TOPIC_ARN,
    'an SNS topic ARN',
  );
  const topicKmsKeyArn = r.string(
    rawNotifications,
    'topicKmsKeyArn',
    'notifications.topicKmsKeyArn',
    KMS_KEY_ARN,
    'a KMS key ARN',
  );
  if (rawNotifications.topicKmsKeyArn !== undefined && rawNotifications.topicArn === undefined) {
    r.problem(
      'notifications.topicKmsKeyArn',
      'applies to an existing topicArn only (the stack creates its own key)',
    );
  }
  const subscriptions: Subscription[] = [];
  const rawSubscriptions = rawNotifications.subscriptions ?? [];
  if (!Array.isArray(rawSubscriptions)) {
    r.problem('notifications.subscriptions', 'must be a list');
  } else {
    const seen = new Set<string>();
    rawSubscriptions.forEach((s, i) => {
      const sub = readSubscription(r, s, `notifications.subscriptions[${i}]`);
      if (!sub) return;
      const key = `${sub.protocol}:${sub.endpoint}`;
      if (seen.has(key)) r.problem(`notifications.subscriptions[${i}]`, `duplicate subscription ${key}`);
      seen.add(key);
      subscriptions.push(sub);
    });
  }

  const rawAlarms = r.object(raw, 'alarms', 'alarms');
  r.unknownKeys(rawAlarms, ['enabled', 'topicArn', 'missedRunHours'], 'alarms');
  const alarmsTopicArn = r.string(rawAlarms, 'topicArn', 'alarms.topicArn', TOPIC_ARN, 'an SNS topic ARN');
  const alarms: Alarms = {
    enabled: r.boolean(rawAlarms, 'enabled', 'alarms.enabled') ?? true,
    ...(alarmsTopicArn && { topicArn: alarmsTopicArn }),
    missedRunHours:
      r.integer(rawAlarms, 'missedRunHours', 'alarms.missedRunHours', 24, 168) ??
      STAGE_DEFAULTS.missedRunHours,
  };

  const rawLedger = r.object(raw, 'ledger', 'ledger');
  r.unknownKeys(rawLedger, ['retentionDays', 'deletionProtection', 'recordsDropWarnPercent'], 'ledger');
  const recordsDropWarnPercent = r.integer(
    rawLedger,
    'recordsDropWarnPercent',
    'ledger.recordsDropWarnPercent',
    1,
    100,
  );
  const ledger: LedgerSettings = {
    retentionDays:
      r.integer(rawLedger, 'retentionDays', 'ledger.retentionDays', 1, 3653) ??
      STAGE_DEFAULTS.ledgerRetentionDays,
    deletionProtection:
      r.boolean(rawLedger, 'deletionProtection', 'ledger.deletionProtection') ?? stage !== 'dev',
    ...(recordsDropWarnPercent !== undefined && { recordsDropWarnPercent }),
  };

  const rawMetrics = r.object(raw, 'metrics', 'metrics');
  r.unknownKeys(rawMetrics, ['namespace', 'runbookUrl'], 'metrics');
  const metricsNamespace = r.string(
    rawMetrics,
    'namespace',
    'metrics.namespace',
    METRICS_NAMESPACE,
    '1-255 of letters, digits and . - _ / # : (CloudWatch namespaces; not starting with AWS/)',
  );
  const runbookUrl = r.string(rawMetrics, 'runbookUrl', 'metrics.runbookUrl', HTTPS_URL, 'an https:// URL');
  const metrics: MetricsSettings = {
    namespace: metricsNamespace ?? STAGE_DEFAULTS.metricsNamespace,
    ...(runbookUrl && { runbookUrl }),
  };

  const verification = readVerificationSettings(r, raw);

  const targets: ExportTarget[] = [];
  const rawTargets = raw.targets ?? [];
  if (!Array.isArray(rawTargets)) {
    r.problem('targets', 'must be a list');
  } else {
    const names = new Set<string>();
    // Where the targets' files go, for the sources' length checks (the settings read above).
    const destination = destinationOf({
      exportDestination: {
        ...(bucketName && { bucketName }),
        ...(kmsKeyArn && { kmsKeyArn }),
        keyPrefix,
        prefixTemplate,
        expirationDays: 0,
        accessLogExpirationDays: 0,
      },
    });
    rawTargets.forEach((t, i) => {
      const target = readTarget(r, t, `targets[${i}]`, names, now, destination);
      if (target) targets.push(target);
    });
  }

  const additionalApplicationIds: string[] = [];
  const rawExtra = raw.additionalApplicationIds ?? [];
  if (!Array.isArray(rawExtra)) {
    r.problem('additionalApplicationIds', 'must be a list');
  } else {
    rawExtra.forEach((id, i) => {
      if (typeof id !== 'string' || !APPLICATION_ID.test(id)) {
        r.problem(`additionalApplicationIds[${i}]`, `${JSON.stringify(id)} is not a Pinpoint application id`);
      } else {
        additionalApplicationIds.push(id);
      }
    });
  }
  if (targets.length === 0 && additionalApplicationIds.length === 0 && r.problems.length === 0) {
    r.problem(
      'targets',
      'name at least one target (or additionalApplicationIds): the functions are scoped to those applications',
    );
  }

  // The longest key the stage's Pinpoint template can resolve to must leave room for Pinpoint's object
  // names (each source checks its targets' own prefixes).
  const templateProblem = keyPrefixBytesProblem(`${keyPrefix}${longestResolution(prefixTemplate)}`);
  if (templateProblem)
    r.problem(
      'exportDestination.prefixTemplate',
      `with exportDestination.keyPrefix and its placeholders at their longest, the ${templateProblem}`,
    );

  if (r.problems.length > 0) {
    throw new StageConfigError(
      `${file} is invalid:\n  - ${namedProblems(r.problems, raw.targets).join('\n  - ')}`,
    );
  }
  return {
    stage,
    ...(region && { region }),
    logRetentionInDays: logRetentionInDays ?? STAGE_DEFAULTS.logRetentionInDays,
    logLevel: (logLevel ?? STAGE_DEFAULTS.logLevel) as LogLevel,
    poll: {
      ...(minWaitSeconds !== undefined && { minWaitSeconds }),
      ...(maxWaitSeconds !== undefined && { maxWaitSeconds }),
      ...(runDeadlineSeconds !== undefined && { runDeadlineSeconds }),
      ...(nearWaitSeconds !== undefined && { nearWaitSeconds }),
      ...(idleGrowth !== undefined && { idleGrowth }),
      ...(aimFraction !== undefined && { aimFraction }),
      ...(finishingShare !== undefined && { finishingShare }),
    },
    exportDestination: {
      ...(bucketName && { bucketName }),
      ...(roleArn && { roleArn }),
      ...(profilesRoleArn && { profilesRoleArn }),
      ...(kmsKeyArn && { kmsKeyArn }),
      keyPrefix,
      prefixTemplate,
      expirationDays: expirationDays ?? STAGE_DEFAULTS.expirationDays,
      accessLogExpirationDays: accessLogExpirationDays ?? STAGE_DEFAULTS.accessLogExpirationDays,
    },
    scheduler,
    notifications: {
      ...(topicArn && { topicArn }),
      ...(topicKmsKeyArn && { topicKmsKeyArn }),
      subscriptions,
      ...(rawFailuresInEmail && { rawFailuresInEmail }),
    },
    alarms,
    ledger,
    metrics,
    maxFailurePercent: maxFailurePercent ?? DEFAULT_MAX_FAILURE_PERCENT,
    verification,
    targets,
    additionalApplicationIds,
  };
}

/**
 * Problems of a target start with its name as well as its place (`target nightly-orders:
 * targets[3].cron: …`): a stage file is read by its targets' names, not by counting entries.
 */
export function namedProblems(problems: readonly string[], rawTargets: unknown): string[] {
  const names = Array.isArray(rawTargets)
    ? rawTargets.map((t) => (isObject(t) && typeof t.name === 'string' ? t.name : undefined))
    : [];
  return problems.map((problem) => {
    const index = /^targets\[(\d+)\]/.exec(problem)?.[1];
    const name = index === undefined ? undefined : names[Number(index)];
    return name ? `target ${name}: ${problem}` : problem;
  });
}

/** Every Pinpoint application the functions may act on: the Pinpoint targets' and the additional ones, deduplicated, in order. */
export function applicationIdsOf(config: StageConfig): string[] {
  return pinpointApplicationsOf(config);
}
