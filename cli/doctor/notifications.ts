import { ListSubscriptionsByTopicCommand, type Subscription } from '@aws-sdk/client-sns';
import { type CheckResult, couldNotCheck, type DoctorContext, failureOf } from '../../sources/doctor.ts';

/*
 * Who hears of a run: the summary topic's subscriptions against the stage file's. An email
 * subscription still waiting for its confirmation click is the most common silent failure: SNS
 * lists it as PendingConfirmation and delivers nothing to it.
 */

/** SNS's SubscriptionArn for a subscription not confirmed yet (ListSubscriptionsByTopic). */
const PENDING = 'PendingConfirmation';

export async function checkSubscriptions(ctx: DoctorContext): Promise<CheckResult[]> {
  const topic = ctx.stack?.outputs.SummaryTopicArn ?? ctx.config.notifications.topicArn;
  if (!topic) return [];
  const listed: Subscription[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await ctx.clients.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topic, ...(token ? { NextToken: token } : {}) }),
      );
      listed.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (failureOf(error).name === 'NotFoundException')
      return [
        {
          check: 'topic',
          status: 'FAIL',
          detail: `summary topic ${topic} does not exist: no summary can be published`,
          fix: `check notifications.topicArn in config/stages/${ctx.config.stage}.yml, or redeploy`,
        },
      ];
    return [couldNotCheck('topic', `the subscriptions of ${topic}`, error, 'sns:ListSubscriptionsByTopic')];
  }
  const confirmed = listed.filter((s) => s.SubscriptionArn && s.SubscriptionArn !== PENDING);
  const results: CheckResult[] = [
    confirmed.length > 0
      ? {
          check: 'topic',
          status: 'OK',
          detail: `summary topic has ${confirmed.length} confirmed subscription(s)`,
        }
      : {
          check: 'topic',
          status: 'FAIL',
          detail: 'no confirmed subscription on the summary topic: nobody hears of a run, failed or not',
          fix: 'confirm the subscriptions below, or add one under notifications.subscriptions and redeploy',
        },
  ];
  for (const wanted of ctx.config.notifications.subscriptions) {
    const found = listed.find((s) => s.Protocol === wanted.protocol && s.Endpoint === wanted.endpoint);
    const who = `${wanted.protocol} ${wanted.endpoint}`;
    if (!found) {
      results.push({
        check: 'subscription',
        status: 'FAIL',
        detail: `${who} is not subscribed to the summary topic`,
        fix: `redeploy (npm run deploy -- --stage ${ctx.config.stage}): the stack subscribes every notifications.subscriptions entry`,
      });
    } else if (found.SubscriptionArn === PENDING) {
      // One subscriber unconfirmed is a WARN; nobody confirmed at all is the FAIL above.
      results.push({
        check: 'subscription',
        status: 'WARN',
        detail: `${who} is pending confirmation: SNS delivers nothing to it until it is confirmed`,
        fix: wanted.protocol.startsWith('email')
          ? `ask ${wanted.endpoint} to click "Confirm subscription" in the email from AWS Notifications (or resubscribe: aws sns subscribe --topic-arn ${topic} --protocol ${wanted.protocol} --notification-endpoint ${wanted.endpoint})`
          : `confirm it from the endpoint (SNS sent it a SubscriptionConfirmation with a token for ConfirmSubscription)`,
      });
    } else {
      results.push({ check: 'subscription', status: 'OK', detail: `${who} confirmed` });
    }
  }
  return results;
}
