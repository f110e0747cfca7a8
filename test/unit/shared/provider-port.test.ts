import type OpenAI from 'openai';
import { APIConnectionError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  ContentExpiredError,
  PermanentProviderError,
  ProviderCapabilityMissingError,
  RetryableProviderError,
} from '../../../shared/errors';
import {
  CONFIGURED_PROVIDER_KIND,
  PROVIDER_KINDS,
  providerAdapter,
  providerAdapterFromEnv,
} from '../../../shared/provider/adapters';
import { GatedVideoProvider } from '../../../shared/provider/gate/gated-provider';
import { OPENAI_CAPABILITIES, OpenAIVideoProvider } from '../../../shared/provider/openai/adapter';
import { mapProviderError } from '../../../shared/provider/openai/errors';
import { OPENAI_WEBHOOKS } from '../../../shared/provider/openai/webhooks';
import { isUnknownJobError, type ProviderJob, previewVariants, resultExpiresAt } from '../../../shared/provider/port';
import { providerModelOf } from '../../../shared/provider/provider-model';
import { aVideo } from '../fakes/fakes';

const CONFIG = {
  baseURL: 'http://127.0.0.1:9/v1',
  secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:provider-AbCdEf',
  timeoutMs: 1_000,
  secretMaxAgeSeconds: 60,
};

/** A `/v1/videos` job as the SDK returns it. */
function sdkVideo(overrides: Partial<OpenAI.Videos.Video> = {}): OpenAI.Videos.Video {
  return {
    id: 'video_1',
    object: 'video',
    status: 'in_progress',
    progress: 40,
    model: 'sora-2',
    prompt: 'A cat',
    seconds: '4',
    size: '720x1280',
    created_at: 1_763_700_000,
    completed_at: null,
    expires_at: null,
    error: null,
    remixed_from_video_id: null,
    ...overrides,
  } as OpenAI.Videos.Video;
}

/** The adapter over an SDK client whose `videos` calls answer (or throw) what each test says. */
function adapterAnswering(videos: Partial<Record<keyof OpenAI['videos'], (...args: unknown[]) => unknown>>) {
  return new OpenAIVideoProvider(CONFIG, { videos } as unknown as OpenAI);
}

async function caught(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('provider port: the openai adapter', () => {
  it('declares the capabilities of a /v1/videos host', () => {
    expect(new OpenAIVideoProvider(CONFIG).capabilities).toEqual({
      kind: 'openai',
      referenceImage: 'file',
      progress: true,
      variants: ['video', 'thumbnail', 'spritesheet'],
      cancel: false,
      delete: true,
      list: true,
      remix: true,
      edit: true,
      extend: true,
      webhooks: 'project',
      costSource: 'computed',
      resultDelivery: 'stream',
      resultExpiry: 'job',
    });
    expect(new OpenAIVideoProvider(CONFIG).webhooks).toBe(OPENAI_WEBHOOKS);
  });

  it('returns the openai adapter from the registry, the configured kind, from the provider environment', () => {
    const adapter = providerAdapterFromEnv({
      PROVIDER_BASE_URL: CONFIG.baseURL,
      PROVIDER_SECRET_ARN: CONFIG.secretArn,
      PROVIDER_TIMEOUT_MS: CONFIG.timeoutMs,
      PROVIDER_SECRET_MAX_AGE_SECONDS: CONFIG.secretMaxAgeSeconds,
    });

    expect(PROVIDER_KINDS).toEqual(['openai']);
    expect(CONFIGURED_PROVIDER_KIND).toBe('openai');
    expect(adapter).toBeInstanceOf(OpenAIVideoProvider);
    expect(providerAdapter('openai', CONFIG).capabilities).toBe(OPENAI_CAPABILITIES);
  });

  it.each(['queued', 'in_progress', 'completed', 'failed'] as const)(
    'maps a job %s to the port’s status of the same name, its handle the provider’s id',
    async (status) => {
      const adapter = adapterAnswering({ retrieve: async () => sdkVideo({ id: 'video_9', status }) });

      const job = await adapter.retrieve('video_9');

      expect(job).toMatchObject({ id: 'video_9', status });
    },
  );

  it('maps every field the port names: seconds as text, missing progress as 0, times, expiry, error, remix source', async () => {
    const adapter = adapterAnswering({
      retrieve: async () =>
        sdkVideo({
          status: 'failed',
          progress: undefined as unknown as number,
          seconds: 8 as unknown as OpenAI.Videos.VideoSeconds,
          completed_at: 1_763_700_090,
          expires_at: 1_763_703_690,
          error: { code: 'moderation_blocked', message: 'no' },
          remixed_from_video_id: 'video_0',
        }),
    });

    const job = await adapter.retrieve('video_1');

    expect(job).toEqual<ProviderJob>({
      id: 'video_1',
      status: 'failed',
      progress: 0,
      model: 'sora-2',
      prompt: 'A cat',
      seconds: '8',
      size: '720x1280',
      createdAt: 1_763_700_000,
      completedAt: 1_763_700_090,
      expiresAt: 1_763_703_690,
      error: { code: 'moderation_blocked', message: 'no' },
      remixedFromVideoId: 'video_0',
    });
  });

  it('throws ProviderCapabilityMissingError for a cancel (a delete stops a job) and for a reference image by URL', async () => {
    const created: unknown[] = [];
    const adapter = adapterAnswering({
      create: async (body: unknown) => {
        created.push(body);
        return sdkVideo();
      },
    });

    const cancel = await caught(() => adapter.cancel('video_1'));
    const byUrl = await caught(() =>
      adapter.create({
        prompt: 'A cat',
        model: 'sora-2',
        seconds: '4',
        size: '720x1280',
        inputReference: { url: 'https://example.com/cat.png', contentType: 'image/png' },
      }),
    );

    for (const error of [cancel, byUrl]) {
      expect(error).toBeInstanceOf(ProviderCapabilityMissingError);
      expect(error).toMatchObject({ name: 'ProviderCapabilityMissingError', status: 501 });
    }
    expect(created).toEqual([]);
  });

  it.each([
    [404, PermanentProviderError, { providerStatus: 404, providerCode: 'not_found' }, true],
    [400, PermanentProviderError, { providerStatus: 400, providerCode: 'not_found' }, false],
    [429, RetryableProviderError, { rateLimited: true, retryAfterSeconds: 7 }, false],
    [503, RetryableProviderError, { rateLimited: false }, false],
  ] as const)('maps the provider’s %s to the port’s errors', async (status, type, fields, unknownJob) => {
    const answer = APIError.generate(
      status,
      { error: { message: 'nope', code: 'not_found' } },
      'nope',
      new Headers({ 'retry-after': '7' }),
    );
    const adapter = adapterAnswering({
      retrieve: async () => {
        throw answer;
      },
    });

    const error = await caught(() => adapter.retrieve('video_1'));

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject(fields);
    expect(error.cause).toBe(answer);
    expect(isUnknownJobError(error)).toBe(unknownJob);
  });

  it('maps a network failure to RetryableProviderError and an expired download to ContentExpiredError', async () => {
    const adapter = adapterAnswering({
      delete: async () => {
        throw new APIConnectionError({ message: 'socket hang up' });
      },
      downloadContent: async () => {
        throw APIError.generate(410, { error: { message: 'gone' } }, 'gone', new Headers());
      },
    });

    expect(await caught(() => adapter.delete('video_1'))).toBeInstanceOf(RetryableProviderError);
    expect(await caught(() => adapter.downloadContent('video_1', { variant: 'thumbnail' }))).toBeInstanceOf(
      ContentExpiredError,
    );
    expect(mapProviderError(new Error('other'), 'list')).toMatchObject({ message: 'other' });
  });

  it('reads the /v1/videos events: completed and failed settle, any other type (even a prototype name) is ignored', () => {
    const parse = (type: string) =>
      OPENAI_WEBHOOKS.parseEvent(JSON.stringify({ id: 'evt_1', type, data: { id: 'video_7' } }), {
        'webhook-id': 'wh_1',
      });

    expect(parse('video.completed')).toEqual({
      deliveryId: 'wh_1',
      type: 'video.completed',
      outcome: 'completed',
      job: 'video_7',
    });
    expect(parse('video.failed').outcome).toBe('failed');
    expect(parse('video.created').outcome).toBeUndefined();
    expect(parse('constructor').outcome).toBeUndefined();
    expect(OPENAI_WEBHOOKS.headers).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  });
});

describe('provider port: helpers and the gate', () => {
  it('returns the previews an adapter serves, and none for a video-only one', () => {
    expect(previewVariants(OPENAI_CAPABILITIES)).toEqual(['thumbnail', 'spritesheet']);
    expect(previewVariants({ variants: ['video'] })).toEqual([]);
  });

  it('returns when a result stops being served: the job’s own expiry, or a fixed time after completion', () => {
    const job = { expiresAt: 5_000, completedAt: 1_000 };

    expect(resultExpiresAt(job, OPENAI_CAPABILITIES)).toBe(5_000);
    expect(resultExpiresAt(job, { resultExpiry: { secondsAfterCompletion: 3600 } })).toBe(4_600);
    expect(resultExpiresAt({ ...job, completedAt: null }, { resultExpiry: { secondsAfterCompletion: 60 } })).toBeNull();
  });

  it('counts a PermanentProviderError whose HTTP cause was 404 as a job unknown to the provider, nothing else', () => {
    const notFound = new APIError(404, { message: 'gone' }, 'gone', new Headers());

    expect(isUnknownJobError(new PermanentProviderError('404', { cause: notFound }))).toBe(true);
    expect(isUnknownJobError(new PermanentProviderError('400', { providerStatus: 400 }))).toBe(false);
    expect(isUnknownJobError(new RetryableProviderError('404?', { cause: notFound }))).toBe(false);
  });

  it('returns the wrapped adapter’s capabilities and webhook scheme from the gated provider', () => {
    const adapter = new OpenAIVideoProvider(CONFIG);
    const gated = new GatedVideoProvider(adapter, { takeTokens: async () => ({ granted: true }) });

    expect(gated.capabilities).toBe(adapter.capabilities);
    expect(gated.webhooks).toBe(adapter.webhooks);
  });

  it('returns the video’s model as the model asked of the provider', () => {
    expect(providerModelOf(aVideo({ model: 'sora-2-pro' }))).toBe('sora-2-pro');
  });
});
