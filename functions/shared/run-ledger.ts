import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ClaimResult, LedgerItem, RunIdentity, RunOutcome } from '../../core/ledger.ts';
import { LEDGER_DEFAULTS, LEDGER_KEYS } from '../../core/ledger-schema.ts';
import { isOutcome, isSuccess } from '../../core/outcome.ts';

/*
 * The run ledger: one DynamoDB item per run, keyed by the export target and the
 * run's ScheduledTime. create-export-job claims the run with a conditional write
 * before anything is started, so duplicate deliveries, retries and separate
 * processes converge on one export job without serializing unrelated runs;
 * publish-summary writes the outcome, which makes the ledger the run history.
 *
 * Hand-written conditional writes rather than @aws-lambda-powertools/idempotency:
 * its record layout is fixed (a hashed key, one opaque result written when the
 * function returns), while the ledger must record the job id the moment the
 * create answers (a crash after that must not lead to a second job), take over a
 * claim that expired, redo a run whose job FAILED, and be queried by target as
 * the run history. Those are four conditional writes and two queries.
 *
 * The module throws the SDK's own errors (throttling, 5xx) unchanged; callers
 * classify them like every other AWS call.
 */

export type { ClaimResult, LedgerItem, RunIdentity, RunOutcome } from '../../core/ledger.ts';
export { exportedOf } from '../../core/ledger.ts';

export interface LedgerOptions {
  tableName: string;
  /** How long a claim without a job protects the run; must exceed the create function's timeout. Default 90. */
  claimSeconds?: number;
  /** Items are deleted this many days after their scheduled time (TTL). Default 400. */
  retentionDays?: number;
  now?: () => Date;
}

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** The run ledger over one DynamoDB table. */
export class RunLedger {
  private readonly now: () => Date;
  private readonly ddb: DynamoDBClient;
  private readonly options: Required<Omit<LedgerOptions, 'now'>>;

  constructor(ddb: DynamoDBClient, options: LedgerOptions) {
    this.ddb = ddb;
    this.options = {
      tableName: options.tableName,
      claimSeconds: options.claimSeconds ?? LEDGER_DEFAULTS.claimSeconds,
      retentionDays: options.retentionDays ?? LEDGER_DEFAULTS.retentionDays,
    };
    this.now = options.now ?? (() => new Date());
  }

  private key(run: Pick<RunIdentity, 'target' | 'scheduledTime'>) {
    return marshall({ target: run.target, scheduledTime: run.scheduledTime });
  }

  /** Reads one run (strongly consistent), or undefined. */
  async get(run: Pick<RunIdentity, 'target' | 'scheduledTime'>): Promise<LedgerItem | undefined> {
    const response = await this.ddb.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: this.key(run), ConsistentRead: true }),
    );
    return response.Item ? (unmarshall(response.Item) as LedgerItem) : undefined;
  }

  /**
   * Claims the run for `executionName`, or says what holds it. A first claim is
   * one conditional put; a claim whose holder died (expired, no job) is taken
   * over with a conditional update, so exactly one execution wins either way.
   */
  async claim(run: RunIdentity, executionName: string): Promise<ClaimResult> {
    const now = this.now();
    const item: LedgerItem = {
      ...run,
      kind: 'run',
      claimedBy: executionName,
      firstClaimedAt: now.toISOString(),
      claimedAt: now.toISOString(),
      claimExpiresAt: now.getTime() + this.options.claimSeconds * 1000,
      attempt: 1,
      startedAt: now.toISOString(),
      expiresAt: Math.floor(Date.parse(run.scheduledTime) / 1000) + this.options.retentionDays * 86_400,
    };
    try {
      await this.ddb.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#t)',
          ExpressionAttributeNames: { '#t': LEDGER_KEYS.partition },
        }),
      );
      return { kind: 'claimed', item, recover: false };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }

    const existing = await this.get(run);
    // Deleted between the two calls (TTL, an operator): claim again from the start.
    if (!existing) return this.claim(run, executionName);
    if (existing.jobId) return { kind: 'job', item: existing, jobId: existing.jobId };
    if (existing.claimedBy === executionName) {
      // This execution's own earlier attempt (a retry after a timeout or a lost answer).
      return { kind: 'claimed', item: existing, recover: true };
    }
    if (existing.claimExpiresAt > now.getTime()) return { kind: 'in-progress', item: existing };
    const taken = await this.takeOver(existing, executionName, 'attribute_not_exists(jobId)', {});
    return taken ? { kind: 'claimed', item: taken, recover: true } : this.claim(run, executionName);
  }

  /**
   * Starts the run over after its export job FAILED: a failed job is redone, not
   * reused. Conditional on the job still being `failedJobId`, so of two
   * executions redoing the same run only one creates the new job.
   */
  async redo(item: LedgerItem, failedJobId: string, executionName: string): Promise<ClaimResult> {
    const taken = await this.takeOver(item, executionName, 'jobId = :failed', { ':failed': failedJobId });
    if (taken) return { kind: 'claimed', item: taken, recover: false };
    return this.claim(item, executionName);
  }

  private async takeOver(
    item: LedgerItem,
    executionName: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<LedgerItem | undefined> {
    const now = this.now();
    const claimExpiresAt = now.getTime() + this.options.claimSeconds * 1000;
    const previous = item.jobId ? [...(item.previousJobIds ?? []), item.jobId] : item.previousJobIds;
    const attributes = await this.updateIf(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(item),
        UpdateExpression: `SET claimedBy = :me, claimedAt = :at, claimExpiresAt = :exp, attempt = attempt + :one${
          previous ? ', previousJobIds = :prev' : ''
        } REMOVE jobId, jobCreatedAt, outcome, ${LEDGER_KEYS.goodPartition}`,
        ConditionExpression: `attempt = :attempt AND ${condition}`,
        ExpressionAttributeValues: marshall(
          {
            ':me': executionName,
            ':at': now.toISOString(),
            ':exp': claimExpiresAt,
            ':one': 1,
            ':attempt': item.attempt,
            ...(previous ? { ':prev': previous } : {}),
            ...values,
          },
          { removeUndefinedValues: true },
        ),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return attributes ? (unmarshall(attributes) as LedgerItem) : undefined;
  }

  /**
   * Sends a conditional update: its new attributes (with ReturnValues ALL_NEW;
   * `{}` otherwise) when the condition held, undefined when it did not.
   */
  private async updateIf(command: UpdateItemCommand): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const response = await this.ddb.send(command);
      return response.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Marks that this execution is about to start a job (see {@link LedgerItem.startingAt}).
   * Conditional on it holding the claim without a job; false when it does not.
   */
  async markStarting(
    run: Pick<RunIdentity, 'target' | 'scheduledTime'>,
    executionName: string,
  ): Promise<boolean> {
    const updated = await this.updateIf(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(run),
        UpdateExpression: 'SET startingAt = :now',
        ConditionExpression: 'claimedBy = :me AND attribute_not_exists(jobId)',
        ExpressionAttributeValues: marshall({ ':now': this.now().toISOString(), ':me': executionName }),
      }),
    );
    return updated !== undefined;
  }

  /** Clears this execution's start mark: the source refused the start, so no job began. */
  async clearStarting(
    run: Pick<RunIdentity, 'target' | 'scheduledTime'>,
    executionName: string,
  ): Promise<void> {
    await this.updateIf(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(run),
        UpdateExpression: 'REMOVE startingAt',
        ConditionExpression: 'claimedBy = :me',
        ExpressionAttributeValues: marshall({ ':me': executionName }),
      }),
    );
  }

  /**
   * Records the export job as soon as the create answered. Conditional on this
   * execution still holding the claim without a job; false when it does not
   * (its claim expired and was taken over), which the caller logs.
   */
  async recordJob(
    run: Pick<RunIdentity, 'target' | 'scheduledTime'>,
    executionName: string,
    jobId: string,
    jobCreatedAt: string,
  ): Promise<boolean> {
    const updated = await this.updateIf(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(run),
        // The start is confirmed: a later redo of a FAILED job may start a new one.
        UpdateExpression: 'SET jobId = :job, jobCreatedAt = :created REMOVE startingAt',
        ConditionExpression: 'claimedBy = :me AND (attribute_not_exists(jobId) OR jobId = :job)',
        ExpressionAttributeValues: marshall({
          ':job': jobId,
          ':created': jobCreatedAt,
          ':me': executionName,
        }),
      }),
    );
    return updated !== undefined;
  }

  /**
   * Writes the run's outcome. A run that ended without a job releases its claim,
   * so a re-run does not wait for the claim to expire. A successful outcome puts the run
   * in the `good` index (any other takes it out: a re-run of the same night may end
   * worse). Missing item: false (the run failed before it could be claimed,
   * for example on bad input).
   */
  async recordOutcome(
    run: Pick<RunIdentity, 'target' | 'scheduledTime'>,
    outcome: RunOutcome,
  ): Promise<boolean> {
    const good = isOutcome(outcome.status) && isSuccess(outcome.status);
    const released = outcome.jobId === null;
    const set = [
      'outcome = :outcome',
      ...(released ? ['claimExpiresAt = :zero'] : []),
      ...(good ? ['#g = :t'] : []),
    ];
    const remove = [...(released ? ['startingAt'] : []), ...(good ? [] : ['#g'])];
    const updated = await this.updateIf(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(run),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(#t)',
        ExpressionAttributeNames: { '#t': LEDGER_KEYS.partition, '#g': LEDGER_KEYS.goodPartition },
        ExpressionAttributeValues: marshall(
          {
            ':outcome': outcome,
            ...(released ? { ':zero': 0 } : {}),
            ...(good ? { ':t': run.target } : {}),
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
    return updated !== undefined;
  }

  /**
   * The newest good (COMPLETED) run of `target` before `scheduledTime`: "against last night",
   * the poll prior, and where an incremental target's next window starts. One Query on the
   * sparse `good` index, however many runs that were not a success came since.
   */
  async previousCompleted(
    run: Pick<RunIdentity, 'target' | 'scheduledTime'>,
  ): Promise<LedgerItem | undefined> {
    const response = await this.ddb.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: LEDGER_KEYS.goodIndex,
        KeyConditionExpression: '#g = :t AND #s < :s',
        ExpressionAttributeNames: { '#g': LEDGER_KEYS.goodPartition, '#s': LEDGER_KEYS.sort },
        ExpressionAttributeValues: marshall({ ':t': run.target, ':s': run.scheduledTime }),
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const found = response.Items?.[0];
    return found ? (unmarshall(found) as LedgerItem) : undefined;
  }

  /** The newest runs of every target (by start), at most `limit`. */
  async recent(limit: number): Promise<LedgerItem[]> {
    return this.queryIndex(LEDGER_KEYS.recentIndex, 'kind', 'run', limit);
  }

  /** The newest runs of one target, by its readable name, at most `limit`. */
  async history(targetName: string, limit: number): Promise<LedgerItem[]> {
    return this.queryIndex(LEDGER_KEYS.byNameIndex, 'targetName', targetName, limit);
  }

  private async queryIndex(index: string, attribute: string, value: string, limit: number) {
    const items: LedgerItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const response = await this.ddb.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: index,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': attribute },
          ExpressionAttributeValues: marshall({ ':v': value }),
          ScanIndexForward: false,
          Limit: Math.min(100, limit - items.length),
          ...(start ? { ExclusiveStartKey: marshall(start) } : {}),
        }),
      );
      for (const raw of response.Items ?? []) items.push(unmarshall(raw) as LedgerItem);
      start = response.LastEvaluatedKey ? unmarshall(response.LastEvaluatedKey) : undefined;
    } while (start && items.length < limit);
    return items;
  }
}
