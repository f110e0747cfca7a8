import { PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { jobFingerprintKey, providerJobKey, videoKey } from '../table-keys';
import { jobFingerprintPurgeAt, TABLE_TTL_ATTRIBUTE } from '../table-ttl';
import { fromItem } from './item';
import { DynamoVideoReads } from './reads';
import type { TransitionResult, VideoRepository, VideoStatusIndex } from './store';

const NOT_TERMINAL = 'attribute_exists(pk) AND NOT (#status IN (:completed, :failed, :cancelled))';
const TERMINAL_VALUES = { ':completed': 'completed', ':failed': 'failed', ':cancelled': 'cancelled' };

/**
 * The DynamoDB implementation (one table: keys pk/sk, index gsi1 for a user's videos): the reads (reads.ts)
 * and the state transitions, each one conditional write.
 */
export class DynamoVideoRepository extends DynamoVideoReads implements VideoRepository, VideoStatusIndex {
  async updateStatus(
    videoId: string,
    update: { status: 'queued' | 'in_progress' | 'storing'; progress?: number; now: number },
  ): Promise<boolean> {
    const progress = update.progress === undefined ? '' : ', progress = :progress';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          UpdateExpression: `SET #status = :status, updatedAt = :now${progress}`,
          ConditionExpression: NOT_TERMINAL,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': update.status,
            ':now': update.now,
            ...(update.progress === undefined ? {} : { ':progress': update.progress }),
            ...TERMINAL_VALUES,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordCreateAttempt(videoId: string, now: number): Promise<TransitionResult> {
    return this.transition(videoId, {
      UpdateExpression:
        'SET providerCreateAttempts = if_not_exists(providerCreateAttempts, :zero) + :one, ' +
        'providerFirstAttemptAt = if_not_exists(providerFirstAttemptAt, :now), ' +
        'providerLastAttemptAt = :now, updatedAt = :now',
      ConditionExpression: NOT_TERMINAL,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': now, ...TERMINAL_VALUES },
    });
  }

  async recordCreateResolved(videoId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          UpdateExpression:
            'SET providerCreateResolvedAttempts = if_not_exists(providerCreateResolvedAttempts, :zero) + :one',
          ConditionExpression:
            'providerCreateAttempts > :zero AND (attribute_not_exists(providerCreateResolvedAttempts) ' +
            'OR providerCreateResolvedAttempts < providerCreateAttempts)',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async claimProviderJob(providerVideoId: string, videoId: string, now: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...providerJobKey(providerVideoId),
            entity: 'providerJobClaim',
            providerVideoId,
            videoId,
            claimedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR videoId = :videoId',
          ExpressionAttributeValues: { ':videoId': videoId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordJobFingerprint(fingerprint: string, videoId: string, now: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobFingerprintKey(fingerprint, videoId),
        UpdateExpression: 'SET entity = :entity, videoId = :videoId, lastAttemptAt = :now, #purgeAt = :purgeAt',
        ExpressionAttributeNames: { '#purgeAt': TABLE_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':entity': 'jobFingerprint',
          ':videoId': videoId,
          ':now': now,
          ':purgeAt': jobFingerprintPurgeAt(now),
        },
      }),
    );
  }

  async videosAskingForJob(fingerprint: string, since: number): Promise<string[]> {
    const videoIds: string[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'lastAttemptAt >= :since',
        ExpressionAttributeValues: { ':pk': jobFingerprintKey(fingerprint, '').pk, ':since': since },
        ProjectionExpression: 'videoId',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) videoIds.push(...(page.Items ?? []).map((item) => String(item.videoId)));
    return videoIds;
  }

  async saveProviderJob(
    videoId: string,
    job: { providerVideoId: string; status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean> {
    const result = await this.transition(videoId, {
      UpdateExpression:
        'SET providerVideoId = :providerVideoId, #status = :status, progress = :progress, updatedAt = :now',
      ConditionExpression: `${NOT_TERMINAL} AND (attribute_not_exists(providerVideoId) OR providerVideoId = :providerVideoId)`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':providerVideoId': job.providerVideoId,
        ':status': job.status,
        ':progress': job.progress,
        ':now': job.now,
        ...TERMINAL_VALUES,
      },
    });
    return result.applied;
  }

  async markDeleted(videoId: string, now: number, promptSha256: string): Promise<TransitionResult> {
    return this.transition(videoId, {
      UpdateExpression:
        'SET deletedAt = :now, updatedAt = :now, promptSha256 = if_not_exists(promptSha256, :promptSha256) ' +
        'REMOVE gsi1pk, gsi1sk, content, prompt, metadata',
      ConditionExpression:
        'attribute_exists(pk) AND #status IN (:completed, :failed, :cancelled) AND attribute_not_exists(deletedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':promptSha256': promptSha256, ...TERMINAL_VALUES },
    });
  }

  /** One conditional update; a failed condition returns the record as found instead of throwing. */
  private async transition(
    videoId: string,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<TransitionResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          ...expression,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: true, video: Attributes === undefined ? undefined : fromItem(Attributes) };
    } catch (error) {
      // The document client does not unmarshall the failed item, so read the record as it stands.
      if (isConditionFailure(error)) return { applied: false, video: await this.read(videoId, true) };
      throw error;
    }
  }
}
