import { bucketNameProblem, keyPrefixBytesProblem, ROLE_ARN } from '../core/aws-names.ts';
import { DEFAULT_MAX_FAILURE_PERCENT } from '../core/outcome.ts';
import { CONFIG_DEFAULTS, pollCapProblem } from '../core/settings.ts';
import { APPLICATION_ID, longestResolution, PINPOINT_PLACEHOLDERS } from '../sources/pinpoint/names.ts';
import { DEFAULT_PREFIX_TEMPLATE } from '../sources/pinpoint/settings.ts';
import { pinpointApplicationsOf } from '../sources/pinpoint/stack.ts';
import { destinationOf } from '../sources/stack/destination.ts';
import { MAX_STAGE_LENGTH, namesTooLong } from './names.ts';
import {
  DST_CHECK_YEARS,
  HTTPS_URL,
  isObject,
  KMS_KEY_ARN,
  logicalIdOf,
  METRICS_NAMESPACE,
  REGION,
  Reader,
  readSubscription,
  readTarget,
  STAGE_NAME,
  SUMMARY_STATUSES,
  TOPIC_ARN,
} from './stage-fields.ts';
import { readVerificationSettings } from './verification-settings.ts';

export type {
  Alarms,
  CustomerProfilesTarget,
  DynamoDbTarget,
  ExportDestination,
  ExportTarget,
  LedgerSettings,
  LogLevel,
  MetricsSettings,
  Notifications,
  PinpointTarget,
  PollSettings,
  SchedulerDefaults,
  StageConfig,
  Subscription,
  SubscriptionProtocol,
  TargetBase,
} from '../sources/stack/stage-types.ts';
export { DST_CHECK_YEARS, logicalIdOf, SUMMARY_STATUSES };

import type {
  Alarms,
  ExportTarget,
  LedgerSettings,
  LogLevel,
  MetricsSettings,
  SchedulerDefaults,
  StageConfig,
  Subscription,
} from '../sources/stack/stage-types.ts';

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
  prefixTemplate: DEFAULT_PREFIX_TEMPLATE,
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
    r.keyTemplate(rawDest, 'keyPrefix', 'exportDestination.keyPrefix', PINPOINT_PLACEHOLDERS, false) ??
    STAGE_DEFAULTS.keyPrefix;
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
    r.keyTemplate(
      rawDest,
      'prefixTemplate',
      'exportDestination.prefixTemplate',
      PINPOINT_PLACEHOLDERS,
      false,
    ) ?? STAGE_DEFAULTS.prefixTemplate;
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
