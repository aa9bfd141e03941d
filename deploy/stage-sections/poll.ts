import { CONFIG_DEFAULTS, pollCapProblem } from '../../core/settings.ts';
import type { PollSettings } from '../../sources/stack/stage-types.ts';
import type { Raw, Reader } from '../stage-fields.ts';

/*
 * The stage's `poll:` settings: how create-export-job and get-export-job-status wait for a job
 * (core/settings.ts has their defaults; only what the file sets is passed on). Loaded by osls
 * through Node's type stripping: erasable TypeScript only, `.ts` imports.
 */

/** Reads `poll:`: only the settings given. */
export function readPoll(r: Reader, raw: Raw): PollSettings {
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
  return {
    ...(minWaitSeconds !== undefined && { minWaitSeconds }),
    ...(maxWaitSeconds !== undefined && { maxWaitSeconds }),
    ...(runDeadlineSeconds !== undefined && { runDeadlineSeconds }),
    ...(nearWaitSeconds !== undefined && { nearWaitSeconds }),
    ...(idleGrowth !== undefined && { idleGrowth }),
    ...(aimFraction !== undefined && { aimFraction }),
    ...(finishingShare !== undefined && { finishingShare }),
  };
}
