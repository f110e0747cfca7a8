import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors';
import { encodeCursor } from '../../../shared/http/cursor';
import { newVideoId } from '../../../shared/ids';
import { toItem } from '../../../shared/video/item';
import { DynamoVideoRepository } from '../../../shared/video/repository';
import { promptHash, type VideoRecord } from '../../../shared/video/video';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';
import { aVideo } from '../fakes/fakes';

/*
 * The repository's expressions against AWS's own DynamoDB Local (in memory, ephemeral port): what a mocked
 * client cannot check (condition syntax, reserved words, if_not_exists, index queries, filters with Limit).
 */

let local: LocalTable;
let documents: DynamoDBDocumentClient;
let repository: DynamoVideoRepository;

/** Writes a video as it stands (creating and settling videos is the money module's, tested in test/unit/money). */
async function putVideo(video: VideoRecord): Promise<void> {
  await documents.send(new PutCommand({ TableName: 'videos', Item: toItem(video) }));
}

beforeAll(async () => {
  local = await startLocalTable();
  await local.createTable('videos');
  documents = local.documents;
  repository = new DynamoVideoRepository(documents, 'videos');
});

afterAll(async () => {
  await local?.stop();
});

describe('video-repository (DynamoDB Local)', () => {
  it('returns true for each resolved create attempt, never more than were recorded, terminal or not', async () => {
    // Prepare
    const videoId = newVideoId();
    const fresh = newVideoId();
    await putVideo(aVideo({ videoId }));
    await putVideo(aVideo({ videoId: fresh }));
    await repository.recordCreateAttempt(videoId, 100);
    await repository.recordCreateAttempt(videoId, 200);

    // Act
    const noAttempt = await repository.recordCreateResolved(fresh);
    const first = await repository.recordCreateResolved(videoId);
    await putVideo({ ...(await repository.get(videoId))!, status: 'cancelled' });
    const second = await repository.recordCreateResolved(videoId);
    const third = await repository.recordCreateResolved(videoId);

    // Assess
    expect([noAttempt, first, second, third]).toEqual([false, true, true, false]);
    expect(await repository.get(videoId)).toMatchObject({
      providerCreateAttempts: 2,
      providerCreateResolvedAttempts: 2,
    });
    expect((await repository.get(fresh))?.providerCreateResolvedAttempts).toBeUndefined();
  });

  it('returns the video moved through the pipeline and never changes it once terminal', async () => {
    // Prepare
    const videoId = newVideoId();
    await putVideo(aVideo({ videoId, estimatedMicros: 800_000 }));

    // Act
    const first = await repository.recordCreateAttempt(videoId, 100);
    const second = await repository.recordCreateAttempt(videoId, 200);
    const claimed = await repository.claimProviderJob(`video_${videoId}`, videoId, 201);
    const claimedAgain = await repository.claimProviderJob(`video_${videoId}`, videoId, 202);
    const stolen = await repository.claimProviderJob(`video_${videoId}`, 'vid_OTHER', 203);
    const saved = await repository.saveProviderJob(videoId, {
      providerVideoId: `video_${videoId}`,
      status: 'queued',
      progress: 0,
      now: 204,
    });
    const otherJob = await repository.saveProviderJob(videoId, {
      providerVideoId: 'video_other',
      status: 'queued',
      progress: 0,
      now: 205,
    });
    const progressed = await repository.updateStatus(videoId, { status: 'in_progress', progress: 55, now: 206 });
    const storing = await repository.updateStatus(videoId, { status: 'storing', now: 207 });
    // A settlement (money module) makes it terminal; the repository must not move it afterwards.
    await putVideo({ ...(await repository.get(videoId))!, status: 'completed', progress: 100, completedAt: 300 });
    const movedAfter = await repository.updateStatus(videoId, { status: 'in_progress', now: 600 });
    const attemptAfter = await repository.recordCreateAttempt(videoId, 601);
    const savedAfter = await repository.saveProviderJob(videoId, {
      providerVideoId: `video_${videoId}`,
      status: 'in_progress',
      progress: 1,
      now: 602,
    });

    // Assess
    expect([first.video?.providerCreateAttempts, second.video?.providerCreateAttempts]).toEqual([1, 2]);
    expect(second.video?.providerFirstAttemptAt).toBe(100);
    expect([claimed, claimedAgain, stolen]).toEqual([true, true, false]);
    expect([saved, otherJob, progressed, storing]).toEqual([true, false, true, true]);
    expect([movedAfter, attemptAfter.applied, savedAfter]).toEqual([false, false, false]);
    expect(await repository.get(videoId)).toMatchObject({
      status: 'completed',
      progress: 100,
      completedAt: 300,
      providerCreateAttempts: 2,
      providerVideoId: `video_${videoId}`,
    });
  });

  it('returns the videos that asked for a job of a fingerprint since a time, each once with its last attempt', async () => {
    // Prepare
    const fingerprint = promptHash(`fingerprint-${newVideoId()}`);
    await repository.recordJobFingerprint(fingerprint, 'vid_A', 100);
    await repository.recordJobFingerprint(fingerprint, 'vid_B', 50);
    await repository.recordJobFingerprint(fingerprint, 'vid_B', 300);
    await repository.recordJobFingerprint(fingerprint, 'vid_C', 90);
    await repository.recordJobFingerprint(promptHash('another fingerprint'), 'vid_D', 500);

    // Act
    const since100 = await repository.videosAskingForJob(fingerprint, 100);
    const since200 = await repository.videosAskingForJob(fingerprint, 200);

    // Assess
    expect(since100.sort()).toEqual(['vid_A', 'vid_B']);
    expect(since200).toEqual(['vid_B']);
  });

  it('lists a user’s videos newest first in pages, with a status filter and cursors', async () => {
    // Prepare
    const userId = `lister-${Date.now()}`;
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const videoId = newVideoId();
      ids.push(videoId);
      await putVideo(aVideo({ videoId, userId, status: index % 2 === 0 ? 'completed' : 'failed' }));
    }
    await putVideo(aVideo({ videoId: newVideoId(), userId: `${userId}-other` }));
    const newestFirst = [...ids].reverse();

    // Act
    const first = await repository.listByUser(userId, { limit: 3 });
    const second = await repository.listByUser(userId, { limit: 3, after: first.nextCursor! });
    const third = await repository.listByUser(userId, { limit: 3, after: second.nextCursor! });
    const completedOnly = await repository.listByUser(userId, { limit: 3, status: 'completed' });
    const completedRest = await repository.listByUser(userId, {
      limit: 3,
      status: 'completed',
      after: completedOnly.nextCursor!,
    });

    // Assess
    expect(first.items.map((video) => video.videoId)).toEqual(newestFirst.slice(0, 3));
    expect(second.items.map((video) => video.videoId)).toEqual(newestFirst.slice(3, 6));
    expect(third.items.map((video) => video.videoId)).toEqual(newestFirst.slice(6));
    expect(third.nextCursor).toBeNull();
    const completedIds = newestFirst.filter((_, index) => (6 - index) % 2 === 0);
    expect(completedOnly.items.map((video) => video.videoId)).toEqual(completedIds.slice(0, 3));
    expect(completedOnly.nextCursor).not.toBeNull();
    expect(completedRest.items.map((video) => video.videoId)).toEqual(completedIds.slice(3));
    expect(completedRest.nextCursor).toBeNull();
  });

  it('lists every user’s videos in one status newest first in pages, leaving out deleted ones (gsi3)', async () => {
    // Prepare: a table of its own, so other tests' videos are not in the status partitions.
    await local.createTable('status-videos');
    const byStatus = new DynamoVideoRepository(documents, 'status-videos');
    const put = (video: VideoRecord) =>
      documents.send(new PutCommand({ TableName: 'status-videos', Item: toItem(video) }));
    const running: string[] = [];
    for (let index = 0; index < 4; index++) {
      const videoId = newVideoId();
      running.push(videoId);
      await put(aVideo({ videoId, userId: `owner-${index % 2}`, status: 'in_progress' }));
    }
    await put(aVideo({ videoId: newVideoId(), userId: 'owner-0', status: 'queued' }));
    await put(aVideo({ videoId: newVideoId(), userId: 'owner-1', status: 'in_progress', deletedAt: 1 }));

    // Act
    const first = await byStatus.listByStatus('in_progress', { limit: 3 });
    const second = await byStatus.listByStatus('in_progress', { limit: 3, after: first.nextCursor! });
    const queued = await byStatus.listByStatus('queued', { limit: 3 });

    // Assess
    const newestFirst = [...running].reverse();
    expect(first.items.map((video) => video.videoId)).toEqual(newestFirst.slice(0, 3));
    expect(first.items.map((video) => video.userId)).toEqual(['owner-1', 'owner-0', 'owner-1']);
    expect(second.items.map((video) => video.videoId)).toEqual(newestFirst.slice(3));
    expect(second.nextCursor).toBeNull();
    expect(queued.items).toHaveLength(1);
    await expect(byStatus.listByStatus('queued', { limit: 3, after: first.nextCursor! })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('lists a failed video once when another item of the table has a status and its videoId (a webhook delivery)', async () => {
    // Prepare: a delivery log item given up on ('failed') for a failed video: both carry `status` and `videoId`, so
    // both are in gsi3's `failed` partition.
    await local.createTable('status-others');
    const byStatus = new DynamoVideoRepository(documents, 'status-others');
    const videoId = newVideoId();
    await documents.send(
      new PutCommand({ TableName: 'status-others', Item: toItem(aVideo({ videoId, status: 'failed' })) }),
    );
    await documents.send(
      new PutCommand({
        TableName: 'status-others',
        Item: { pk: 'WEBHOOK#we_1', sk: `DELIVERY#1#evt_1`, entity: 'webhook_delivery', status: 'failed', videoId },
      }),
    );

    // Act
    const failed = await byStatus.listByStatus('failed', { limit: 10 });

    // Assess
    expect(failed.items.map((video) => video.videoId)).toEqual([videoId]);
  });

  it('lists page after page from the last video id seen, also once that video is deleted, never another user’s', async () => {
    // Prepare
    const userId = `id-pager-${Date.now()}`;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const videoId = newVideoId();
      ids.push(videoId);
      await putVideo(aVideo({ videoId, userId, status: 'completed' }));
    }
    const foreign = newVideoId();
    await putVideo(aVideo({ videoId: foreign, userId: `${userId}-other` }));
    const newestFirst = [...ids].reverse();

    // Act
    const first = await repository.listByUser(userId, { limit: 2 });
    const lastSeen = first.items.at(-1)!.videoId;
    await repository.markDeleted(lastSeen, 500, promptHash('A cat playing piano'));
    const second = await repository.listByUser(userId, { limit: 2, after: lastSeen });
    const third = await repository.listByUser(userId, { limit: 2, after: second.items.at(-1)!.videoId });
    // An id from another user's list positions only inside this user's own list (the caller checks ownership).
    const afterForeign = await repository.listByUser(userId, { limit: 10, after: foreign });

    // Assess
    expect(first.items.map((video) => video.videoId)).toEqual(newestFirst.slice(0, 2));
    expect(second.items.map((video) => video.videoId)).toEqual(newestFirst.slice(2, 4));
    expect(third.items.map((video) => video.videoId)).toEqual(newestFirst.slice(4));
    expect(third.nextCursor).toBeNull();
    expect(afterForeign.items.every((video) => video.userId === userId)).toBe(true);
  });

  it('throws a 400 on after when the cursor belongs to another user', async () => {
    // Prepare
    const cursor = encodeCursor({ pk: 'VIDEO#v', sk: 'VIDEO', gsi1pk: 'USER#mallory', gsi1sk: 'VIDEO#v' });

    // Act / Assess
    await expect(repository.listByUser('alice', { limit: 2, after: cursor })).rejects.toBeInstanceOf(ValidationError);
  });

  it('tombstones only a terminal video once: out of the list, content, prompt and metadata gone, cost, remix source and prompt hash kept', async () => {
    // Prepare
    const userId = `user-${newVideoId()}`;
    const running = aVideo({ videoId: newVideoId(), userId, status: 'in_progress' });
    const done = aVideo({
      videoId: newVideoId(),
      userId,
      status: 'completed',
      chargedMicros: 400_000,
      prompt: 'A secret kite',
      metadata: { topic: 'private' },
      remixSourceProviderVideoId: 'video_source',
      content: {
        contentType: 'video/mp4',
        bytes: 10,
        sha256: 'ab',
        variants: ['video'],
        bucket: 'b',
        key: 'videos/x/video.mp4',
      },
    });
    await putVideo(running);
    await putVideo(done);

    // Act
    const notTerminal = await repository.markDeleted(running.videoId, 300, promptHash(running.prompt));
    const deleted = await repository.markDeleted(done.videoId, 301, promptHash(done.prompt));
    const again = await repository.markDeleted(done.videoId, 302, 'another hash');

    // Assess
    expect(notTerminal.applied).toBe(false);
    expect(deleted.applied).toBe(true);
    expect(deleted.video).toMatchObject({
      deletedAt: 301,
      content: null,
      prompt: '',
      metadata: {},
      promptSha256: promptHash('A secret kite'),
      chargedMicros: 400_000,
      remixSourceProviderVideoId: 'video_source',
    });
    expect(JSON.stringify(await repository.get(done.videoId))).not.toMatch(/secret kite|private/);
    expect(again).toMatchObject({ applied: false, video: { deletedAt: 301 } });
    const page = await repository.listByUser(userId, { limit: 10 });
    expect(page.items.map((video) => video.videoId)).toEqual([running.videoId]);
  });
});
