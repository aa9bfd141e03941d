import { pinpointApplicationsOf } from '../sources/pinpoint/stack.ts';
import { MAX_STAGE_LENGTH, namesTooLong } from './names.ts';
import {
  DST_CHECK_YEARS,
  isObject,
  logicalIdOf,
  Reader,
  STAGE_NAME,
  SUMMARY_STATUSES,
} from './stage-fields.ts';
import { readAlarms } from './stage-sections/alarms.ts';
import { checkPrefixTemplate, readExportDestination } from './stage-sections/export-destination.ts';
import { readGeneral } from './stage-sections/general.ts';
import { readLedger } from './stage-sections/ledger.ts';
import { readMetrics } from './stage-sections/metrics.ts';
import { readNotifications } from './stage-sections/notifications.ts';
import { readPoll } from './stage-sections/poll.ts';
import { readScheduler } from './stage-sections/scheduler.ts';
import { readAdditionalApplicationIds, readTargets } from './stage-sections/targets.ts';
import { readVerificationSettings } from './stage-sections/verification.ts';

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
export { LOG_RETENTION_DAYS } from './stage-sections/general.ts';
export { DST_CHECK_YEARS, logicalIdOf, SUMMARY_STATUSES };

import type { StageConfig } from '../sources/stack/stage-types.ts';

/** Raised for an invalid stage file; lists every problem found, one per line. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/**
 * Why a stage name cannot be used, or undefined. The length limit is not typed in: it is the longest
 * stage for which every name the stack derives from it (`deploy/names.ts`) stays within AWS's limit.
 */
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

/** The stage file's top-level keys: its settings and sections. */
const TOP_LEVEL = [
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
];

/**
 * Validates the raw content of `config/stages/<stage>.yml` and fills defaults: each section by
 * its reader (deploy/stage-sections/), every problem collected in the order the sections come.
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
  r.unknownKeys(raw, TOP_LEVEL, '');

  const { maxFailurePercent, ...general } = readGeneral(r, raw);
  const poll = readPoll(r, raw);
  const exportDestination = readExportDestination(r, raw);
  const scheduler = readScheduler(r, raw);
  const notifications = readNotifications(r, raw);
  const alarms = readAlarms(r, raw);
  const ledger = readLedger(r, raw, stage);
  const metrics = readMetrics(r, raw);
  const verification = readVerificationSettings(r, raw);
  const targets = readTargets(r, raw, exportDestination, now);
  const additionalApplicationIds = readAdditionalApplicationIds(r, raw);
  if (targets.length === 0 && additionalApplicationIds.length === 0 && r.problems.length === 0) {
    r.problem(
      'targets',
      'name at least one target (or additionalApplicationIds): the functions are scoped to those applications',
    );
  }
  checkPrefixTemplate(r, exportDestination);

  if (r.problems.length > 0) {
    throw new StageConfigError(
      `${file} is invalid:\n  - ${namedProblems(r.problems, raw.targets).join('\n  - ')}`,
    );
  }
  return {
    stage,
    ...general,
    poll,
    exportDestination,
    scheduler,
    notifications,
    alarms,
    ledger,
    metrics,
    maxFailurePercent,
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
