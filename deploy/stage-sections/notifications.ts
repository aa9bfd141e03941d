import type { Notifications, Subscription } from '../../sources/stack/stage-types.ts';
import { KMS_KEY_ARN, type Raw, type Reader, readSubscription, TOPIC_ARN } from '../stage-fields.ts';

/*
 * The stage's `notifications:`: the summary topic (the stack's or an existing one) and who
 * subscribes to it. Loaded by osls through Node's type stripping: erasable TypeScript only,
 * `.ts` imports.
 */

/** Reads `notifications:`; each subscription through stage-fields.ts `readSubscription`. */
export function readNotifications(r: Reader, raw: Raw): Notifications {
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
  return {
    ...(topicArn && { topicArn }),
    ...(topicKmsKeyArn && { topicKmsKeyArn }),
    subscriptions,
    ...(rawFailuresInEmail && { rawFailuresInEmail }),
  };
}
