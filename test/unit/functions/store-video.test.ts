import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreVideoDeps, storeVideo } from '../../../functions/store-video/store-video';
import {
  ContentExpiredError,
  DownloadInterruptedError,
  ProviderGateWaitError,
  RetryableProviderError,
} from '../../../shared/errors';
import type { TokenDecision } from '../../../shared/provider/gate/provider-gate';
import {
  aDownload,
  aVideo,
  FakeProvider,
  FakeProviderGate,
  fakeLogger,
  fakeMetrics,
  fixedClock,
  InMemoryVideoRepository,
} from '../fakes/fakes';

const MiB = 1024 * 1024;
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(s3);
const videoId = 'vid_01JD0000000000000000000000';
const input = { videoId, userId: 'alice', job: { providerVideoId: 'video_abc' } };

function setup() {
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"etag"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
  const videos = new InMemoryVideoRepository([aVideo({ status: 'in_progress', providerVideoId: 'video_abc' })]);
  const provider = new FakeProvider();
  const metrics = fakeMetrics();
  const deps: StoreVideoDeps = {
    videos,
    provider,
    s3,
    bucket: 'reelflow-videos',
    clock: fixedClock(),
    logger: fakeLogger(),
    metrics,
    partSize: 5 * MiB,
    queueSize: 1,
    gate: new FakeProviderGate(),
  };
  return { videos, provider, metrics, deps };
}

function sha256Of(bytes: number): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < bytes; sent += MiB) hash.update(Buffer.alloc(Math.min(MiB, bytes - sent), sent % 251));
  return hash.digest('hex');
}

afterEach(() => {
  s3Mock.reset();
});

describe('store-video', () => {
  it('streams the video in parts and stores the previews, returning bytes, sha256 and variants', async () => {
    // Prepare
    const { videos, provider, metrics, deps } = setup();
    const size = 12 * MiB + 123;
    provider.downloads.set('video', () => aDownload(size));
    provider.downloads.set('thumbnail', () => aDownload(2048));
    provider.downloads.set('spritesheet', () => aDownload(4096));

    // Act
    const stored = await storeVideo(input, deps);

    // Assess
    expect(stored).toEqual({
      bucket: 'reelflow-videos',
      key: `videos/alice/${videoId}/video.mp4`,
      contentType: 'video/mp4',
      bytes: size,
      sha256: sha256Of(size),
      variants: ['video', 'thumbnail', 'spritesheet'],
    });
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(3);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    const previewKeys = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(previewKeys).toEqual([`videos/alice/${videoId}/thumbnail.webp`, `videos/alice/${videoId}/spritesheet.jpg`]);
    // Every object is created tagged pending (no moment without the tag): the bucket expires it unless completed.
    const created = [
      ...s3Mock.commandCalls(CreateMultipartUploadCommand).map((call) => call.args[0].input.Tagging),
      ...s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Tagging),
    ];
    expect(created).toEqual(['reelflow-state=pending', 'reelflow-state=pending', 'reelflow-state=pending']);
    expect(videos.videos.get(videoId)?.status).toBe('storing');
    expect(metrics.total('BytesStored')).toBe(size + 2048 + 4096);
  });

  it('stores only the video, asking for no preview, when the provider makes none (variants: video)', async () => {
    // Prepare: an adapter whose jobs offer no thumbnail or spritesheet (a download of one would throw).
    const { deps } = setup();
    const provider = new FakeProvider({ variants: ['video'] });
    const asked: string[] = [];
    for (const variant of ['video', 'thumbnail', 'spritesheet'] as const) {
      provider.downloads.set(variant, () => {
        asked.push(variant);
        return aDownload(variant === 'video' ? 2 * MiB : 2048);
      });
    }
    const tokens = new FakeProviderGate(Number.POSITIVE_INFINITY, 5);

    // Act
    const stored = await storeVideo(input, { ...deps, provider, gate: tokens });

    // Assess
    expect(stored.variants).toEqual(['video']);
    expect(asked).toEqual(['video']);
    // A video under one part is a single PutObject: nothing else is written.
    const keys = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toEqual([`videos/alice/${videoId}/video.mp4`]);
    // One download, one gate token.
    expect(tokens.tokens).toBe(4);
  });

  it('logs how long the MP4 took to store (the task has no X-Ray subsegments)', async () => {
    // Prepare: the clock moves 4.2 s while the MP4 downloads, and not while the previews do.
    const { deps } = setup();
    let now = Date.parse('2026-11-21T12:00:00Z');
    const logger = fakeLogger();
    const moving: StoreVideoDeps = { ...deps, logger, clock: () => new Date(now) };
    const provider = deps.provider as FakeProvider;
    provider.downloads.set('video', () => {
      now += 4200;
      return aDownload(MiB);
    });
    provider.downloads.set('thumbnail', () => aDownload(2048));
    provider.downloads.set('spritesheet', () => aDownload(4096));

    // Act
    await storeVideo(input, moving);

    // Assess
    expect(logger.info).toHaveBeenCalledWith('Video stored', {
      key: `videos/alice/${videoId}/video.mp4`,
      bytes: MiB,
      providerVideoId: 'video_abc',
      durationMs: 4200,
    });
  });

  it('takes a gate token just before each download request, waiting for one inside the visit', async () => {
    // Prepare: the gate has no token for the first ask (due in 1.5 s), then one for every ask; every step is logged.
    const { provider, deps } = setup();
    const log: string[] = [];
    const answers: TokenDecision[] = [{ granted: false, waitSeconds: 2, waitMs: 1500 }];
    deps.gate = {
      takeTokens: async (count = 1) => {
        log.push(`token ${count}`);
        return answers.shift() ?? { granted: true };
      },
    };
    for (const [variant, bytes] of [
      ['video', MiB],
      ['thumbnail', 2048],
      ['spritesheet', 4096],
    ] as const) {
      provider.downloads.set(variant, () => {
        log.push(`download ${variant}`);
        return aDownload(bytes);
      });
    }
    deps.sleep = async (ms) => {
      log.push(`sleep ${ms}`);
    };

    // Act
    const stored = await storeVideo(input, deps);

    // Assess: a token (or the wait for one) right before each request, never one taken ahead for a later request.
    expect(stored).toMatchObject({ bytes: MiB, variants: ['video', 'thumbnail', 'spritesheet'] });
    expect(log).toEqual([
      'token 1',
      'sleep 1500',
      'token 1',
      'download video',
      'token 1',
      'download thumbnail',
      'token 1',
      'download spritesheet',
    ]);
  });

  it('waits out a rate-limited download inside the visit (retry-after, then a fresh gate token) and stores the video', async () => {
    // Prepare: the provider answers the first video download with a 429; the gate has four tokens.
    const { provider, deps } = setup();
    let calls = 0;
    provider.downloads.set('video', () =>
      ++calls === 1 ? new RetryableProviderError('429', { rateLimited: true, retryAfterSeconds: 7 }) : aDownload(MiB),
    );
    provider.downloads.set('thumbnail', () => aDownload(2048));
    provider.downloads.set('spritesheet', () => aDownload(4096));
    const gate = new FakeProviderGate(0, 4);
    const slept: number[] = [];
    deps.gate = gate;
    deps.sleep = async (ms) => {
      slept.push(ms);
    };

    // Act
    const stored = await storeVideo(input, deps);

    // Assess: four requests, four tokens (the resent video download took its own).
    expect(stored).toMatchObject({ bytes: MiB, variants: ['video', 'thumbnail', 'spritesheet'] });
    expect(calls).toBe(2);
    expect(slept).toEqual([7000]);
    expect(gate.tokens).toBe(0);
  });

  it('throws ProviderGateWaitError, having sent nothing, when no gate token comes within the visit’s patience', async () => {
    // Prepare: the gate never has a token (FakeProviderGate answers "3 s" each time).
    const { provider, deps } = setup();
    let calls = 0;
    provider.downloads.set('video', () => {
      calls += 1;
      return aDownload(MiB);
    });
    deps.gate = new FakeProviderGate(0, 0);
    let sleptMs = 0;
    deps.sleep = async (ms) => {
      sleptMs += ms;
    };

    // Act
    const error = await storeVideo(input, deps).catch((caught: unknown) => caught);

    // Assess: 300 s of patience is 100 waits of 3 s; the state machine's retry takes over (a rate limit).
    expect(error).toBeInstanceOf(ProviderGateWaitError);
    expect(error).toMatchObject({ rateLimited: true });
    expect(sleptMs).toBe(300_000);
    expect(calls).toBe(0);
  });

  it('throws the 429 once the visit’s patience is used up, so the state machine’s retry takes over', async () => {
    // Prepare: every video download is rate-limited for a minute; the gate always has a token.
    const { provider, deps } = setup();
    let calls = 0;
    provider.downloads.set('video', () => {
      calls += 1;
      return new RetryableProviderError('429', { rateLimited: true, retryAfterSeconds: 60 });
    });
    deps.gate = new FakeProviderGate();
    let sleptMs = 0;
    deps.sleep = async (ms) => {
      sleptMs += ms;
    };

    // Act
    const error = await storeVideo(input, deps).catch((caught: unknown) => caught);

    // Assess: 300 s of patience is five waits of 60 s, then the sixth 429 is thrown.
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(sleptMs).toBe(300_000);
    expect(calls).toBe(6);
  });

  it('aborts the multipart upload and throws DownloadInterruptedError when the download breaks', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.downloads.set('video', () => aDownload(20 * MiB, { breakAfter: 11 * MiB }));

    // Act
    const error = await storeVideo(input, deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(DownloadInterruptedError);
    expect((error as Error).name).toBe('DownloadInterruptedError');
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    const aborts = s3Mock.commandCalls(AbortMultipartUploadCommand);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.args[0].input).toEqual({
      Bucket: 'reelflow-videos',
      Key: `videos/alice/${videoId}/video.mp4`,
      UploadId: 'upload-1',
    });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('aborts the multipart upload when fewer bytes arrive than Content-Length announced', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.downloads.set('video', () => aDownload(11 * MiB, { announced: 12 * MiB }));

    // Act
    const error = await storeVideo(input, deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(DownloadInterruptedError);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('stores nothing and throws DownloadInterruptedError when a small download breaks before a part is full', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.downloads.set('video', () => aDownload(3 * MiB, { breakAfter: 2 * MiB }));

    // Act
    const error = await storeVideo(input, deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(DownloadInterruptedError);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('throws ContentExpiredError when the provider no longer serves the video', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.downloads.set('video', () => new ContentExpiredError('gone'));

    // Act / Assess
    await expect(storeVideo(input, deps)).rejects.toBeInstanceOf(ContentExpiredError);
  });

  it('returns only the video variant when the previews have expired', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.downloads.set('video', () => aDownload(1000));
    provider.downloads.set('thumbnail', () => new ContentExpiredError('gone'));
    provider.downloads.set('spritesheet', () => new ContentExpiredError('gone'));

    // Act
    const stored = await storeVideo(input, deps);

    // Assess
    expect(stored.variants).toEqual(['video']);
    expect(stored.bytes).toBe(1000);
  });

  it('throws without downloading when the video is already terminal', async () => {
    // Prepare
    const { videos, provider, deps } = setup();
    videos.videos.get(videoId)!.status = 'cancelled';
    provider.downloads.set('video', () => {
      throw new Error('must not download');
    });

    // Act / Assess
    await expect(storeVideo(input, deps)).rejects.toMatchObject({ name: 'ConflictError' });
  });
});
