import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  type ReceiveProviderWebhookDeps,
  receiveProviderWebhook,
} from '../../../functions/receive-provider-webhook/receive-provider-webhook';
import {
  MAX_PROVIDER_WEBHOOK_BYTES,
  parseProviderWebhookRequest,
} from '../../../functions/receive-provider-webhook/schema';
import { signWebhook } from '../../../local/provider-emulator/webhooks';
import { RetryableProviderError } from '../../../shared/errors';
import { GatedVideoProvider } from '../../../shared/provider/gate/gated-provider';
import type { StoredTaskToken } from '../../../shared/provider/webhooks/callback-store';
import { SECRET_REFRESH_INTERVAL_SECONDS, webhookSecretResolver } from '../../../shared/provider/webhooks/signature';
import {
  aProviderJob,
  aVideo,
  FakeProvider,
  fakeHeldCancelJobs,
  fakeLogger,
  fakeMetrics,
  InMemoryVideoRepository,
} from '../fakes/fakes';
import {
  completedTaskOutput,
  InMemoryCallbackStore,
  RecordingCallbacks,
  wokenTaskOutput,
} from '../fakes/provider-callbacks';

// The provider secret's generated webhookSecret has no whsec_ prefix: its characters are the key (as the emulator signs).
const SECRET = 'n0tARealSecretButShapedLikeTheGeneratedOne48chars';
const JOB = 'video_job1';
const VIDEO = 'vid_01JD0000000000000000000001';
const NOW = () => Math.floor(Date.now() / 1000);
// Every SecretsManagerClient of this file, the one Powertools Parameters creates for webhookSecretResolver included.
const secrets = mockClient(SecretsManagerClient);

function setup(options: { secret?: string | undefined; videoStatus?: 'in_progress' | 'completed' | 'cancelled' } = {}) {
  const store = new InMemoryCallbackStore();
  store.owners.set(JOB, VIDEO);
  const videos = new InMemoryVideoRepository([
    aVideo({ videoId: VIDEO, status: options.videoStatus ?? 'in_progress', providerVideoId: JOB }),
  ]);
  const provider = new FakeProvider();
  provider.jobs = [aProviderJob({ id: JOB, status: 'completed', progress: 100, completedAt: 1_763_700_200 })];
  const callbacks = new RecordingCallbacks();
  const metrics = fakeMetrics();
  const secret = 'secret' in options ? options.secret : SECRET;
  const deps: ReceiveProviderWebhookDeps = {
    webhookSecret: async () => secret,
    store,
    videos,
    heldCancels: fakeHeldCancelJobs(videos),
    provider,
    callbacks,
    clock: () => new Date(),
    logger: fakeLogger(),
    metrics,
  };
  return { deps, store, videos, provider, callbacks, metrics };
}

/** A delivery as the emulator sends it (signWebhook), optionally signed with another secret or at another time. */
function delivery(
  options: { type?: string; job?: string; webhookId?: string; secret?: string; timestamp?: number; body?: string } = {},
) {
  const body =
    options.body ??
    JSON.stringify({
      id: 'evt_1',
      object: 'event',
      created_at: NOW(),
      type: options.type ?? 'video.completed',
      data: { id: options.job ?? JOB },
    });
  const id = options.webhookId ?? 'wh_1';
  const timestamp = options.timestamp ?? NOW();
  return parseProviderWebhookRequest({
    body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(options.secret ?? SECRET, id, timestamp, body),
    },
  });
}

async function rejection(work: Promise<unknown>): Promise<{ name: string; status?: number; code?: string }> {
  try {
    await work;
  } catch (error) {
    return error as { name: string; status?: number; code?: string };
  }
  throw new Error('expected a rejection');
}

const aToken = (taskToken = 'token-1'): StoredTaskToken => ({ taskToken, videoId: VIDEO, storedAt: NOW() });

describe('receiveProviderWebhook', () => {
  it('returns completed and sends SendTaskSuccess with the job read from the provider when a token waits', async () => {
    const { deps, store, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());

    const receipt = await receiveProviderWebhook(delivery(), deps);

    expect(receipt).toEqual({ received: true, outcome: 'completed' });
    expect(callbacks.sent).toEqual([
      {
        kind: 'success',
        token: 'token-1',
        output: completedTaskOutput(JOB, 1_763_700_200),
      },
    ]);
    expect(store.tokens.has(JOB)).toBe(false);
    expect(store.recorded.get(JOB)?.map((event) => event.webhookId)).toEqual(['wh_1']);
  });

  it('returns failed and sends SendTaskFailure as GenerationFailedError with the provider’s code when the job failed', async () => {
    const { deps, store, provider, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    provider.jobs = [aProviderJob({ id: JOB, status: 'failed', error: { code: 'moderation_blocked', message: 'no' } })];

    const receipt = await receiveProviderWebhook(delivery({ type: 'video.failed' }), deps);

    expect(receipt.outcome).toBe('failed');
    expect(callbacks.sent).toEqual([
      {
        kind: 'failure',
        token: 'token-1',
        error: 'GenerationFailedError',
        cause: JSON.stringify({ errorType: 'GenerationFailedError', errorMessage: 'moderation_blocked: no' }),
      },
    ]);
  });

  it('trusts the provider, not the body: returns not_finished and keeps the token when the job is still running', async () => {
    const { deps, store, provider, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    provider.jobs = [aProviderJob({ id: JOB, status: 'in_progress', progress: 40 })];

    const receipt = await receiveProviderWebhook(delivery(), deps);

    expect(receipt.outcome).toBe('not_finished');
    expect(callbacks.sent).toEqual([]);
    expect(store.tokens.get(JOB)?.taskToken).toBe('token-1');
  });

  it('returns recorded, sending nothing, when the event arrives before any token is stored', async () => {
    const { deps, store, callbacks } = setup();

    const receipt = await receiveProviderWebhook(delivery(), deps);

    expect(receipt.outcome).toBe('recorded');
    expect(callbacks.sent).toEqual([]);
    expect(await store.events(JOB)).toEqual([expect.objectContaining({ webhookId: 'wh_1', type: 'video.completed' })]);
  });

  it('returns duplicate and sends once when the same webhook-id is delivered twice', async () => {
    const { deps, store, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());

    const first = await receiveProviderWebhook(delivery(), deps);
    const second = await receiveProviderWebhook(delivery(), deps);

    expect([first.outcome, second.outcome]).toEqual(['completed', 'duplicate']);
    expect(callbacks.sent).toHaveLength(1);
  });

  it('returns unknown_job, settled or ignored and changes nothing for a job no video claimed, a settled video, another type', async () => {
    const unknown = setup();
    const settled = setup({ videoStatus: 'cancelled' });
    const other = setup();
    for (const { store } of [unknown, settled, other]) await store.storeTaskToken(JOB, aToken());

    const outcomes = [
      (await receiveProviderWebhook(delivery({ job: 'video_nobody' }), unknown.deps)).outcome,
      (await receiveProviderWebhook(delivery(), settled.deps)).outcome,
      (await receiveProviderWebhook(delivery({ type: 'video.in_progress' }), other.deps)).outcome,
    ];

    expect(outcomes).toEqual(['unknown_job', 'settled', 'ignored']);
    for (const { store, callbacks } of [unknown, settled, other]) {
      expect(callbacks.sent).toEqual([]);
      expect(store.recorded.size).toBe(0);
      expect(store.tokens.get(JOB)?.taskToken).toBe('token-1');
    }
  });

  it('returns correlated and records the job on a held cancel whose create’s answer never reached it', async () => {
    // Prepare: cancelled while its create was in flight (charged null); the create claimed the job, then crashed.
    const { deps, videos, callbacks } = setup();
    Object.assign(videos.videos.get(VIDEO)!, { status: 'cancelled', chargedMicros: null, providerVideoId: null });
    const released = setup();
    Object.assign(released.videos.videos.get(VIDEO)!, { status: 'cancelled', chargedMicros: 0, providerVideoId: null });

    // Act
    const receipt = await receiveProviderWebhook(delivery(), deps);
    const again = await receiveProviderWebhook(delivery({ webhookId: 'wh_2' }), deps);
    const notHeld = await receiveProviderWebhook(delivery(), released.deps);

    // Assess: the reconciler settles the cancel from this job; nothing resumes (the execution was stopped).
    expect([receipt.outcome, again.outcome, notHeld.outcome]).toEqual(['correlated', 'settled', 'settled']);
    expect(videos.videos.get(VIDEO)).toMatchObject({ status: 'cancelled', providerVideoId: JOB });
    expect(released.videos.videos.get(VIDEO)?.providerVideoId).toBeNull();
    expect(callbacks.sent).toEqual([]);
  });

  it('returns late when the task no longer waits (timed out into polling): the token is used up, nothing thrown', async () => {
    const { deps, store, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    callbacks.answer = 'late';

    const receipt = await receiveProviderWebhook(delivery(), deps);

    expect(receipt.outcome).toBe('late');
    expect(store.tokens.has(JOB)).toBe(false);
  });

  it('puts the token back and throws when the send fails for now, so the provider’s retry can settle it', async () => {
    const { deps, store, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    callbacks.answer = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    const failed = await rejection(receiveProviderWebhook(delivery(), deps));
    callbacks.answer = 'sent';
    const retried = await receiveProviderWebhook(delivery(), deps);

    expect(failed.name).toBe('ThrottlingException');
    expect(retried.outcome).toBe('completed');
    expect(callbacks.sent).toHaveLength(1);
  });

  it('throws, keeping the token, when the provider cannot be read', async () => {
    const { deps, store, provider } = setup();
    await store.storeTaskToken(JOB, aToken());
    provider.retrieveResults = [new RetryableProviderError('Provider retrieve answered 503')];

    const failed = await rejection(receiveProviderWebhook(delivery(), deps));

    expect(failed.name).toBe('RetryableProviderError');
    expect(store.tokens.get(JOB)?.taskToken).toBe('token-1');
  });

  it('wakes the waiting execution to read the job in its poll, sending nothing to the provider, when the admission gate has no token for the read', async () => {
    const { deps, store, provider, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    // As the handler wires it: the provider behind the gate, here one with no token to give for 7 s.
    deps.provider = new GatedVideoProvider(provider, {
      takeTokens: async () => ({ granted: false, waitSeconds: 7, waitMs: 7000 }),
    });
    // A read that did reach the provider would fail with this instead.
    provider.retrieveResults = [new Error('the provider was read without a token')];

    const receipt = await receiveProviderWebhook(delivery(), deps);

    // Refused (503), the event would wait for a redelivery that finds a token, or the wait's timeout; woken, the
    // execution's PollGenerationJob reads the job, waiting for a token in WaitBeforePoll as every poll does.
    expect(receipt).toEqual({ received: true, outcome: 'woken' });
    expect(callbacks.sent).toEqual([
      {
        kind: 'success',
        token: 'token-1',
        output: wokenTaskOutput(JOB),
      },
    ]);
    expect(store.tokens.has(JOB)).toBe(false);
    expect(provider.retrieveResults).toHaveLength(1);
  });

  it.each([
    ['a forged signature', { secret: 'someone-elses-secret' }],
    ['a 10-minute-old timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
    ['a timestamp 10 minutes ahead', { timestamp: Math.floor(Date.now() / 1000) + 600 }],
  ])('throws 401 unauthenticated and changes nothing for %s', async (_, options) => {
    const { deps, store, callbacks, metrics } = setup();
    await store.storeTaskToken(JOB, aToken());

    const failed = await rejection(receiveProviderWebhook(delivery(options), deps));

    expect(failed).toMatchObject({ name: 'UnauthenticatedError', status: 401, code: 'unauthenticated' });
    expect(callbacks.sent).toEqual([]);
    expect(store.recorded.size).toBe(0);
    expect(metrics.total('ProviderWebhooksRejected')).toBe(1);
  });

  it('throws 401 when the signature headers are missing', async () => {
    const { deps } = setup();
    const request = parseProviderWebhookRequest({ body: '{}', headers: {} });

    const failed = await rejection(receiveProviderWebhook(request, deps));

    expect(failed).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('accepts a whsec_ secret (base64 key) as Standard Webhooks issues them', async () => {
    const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
    const { deps } = setup({ secret });
    const body = JSON.stringify({ id: 'evt_2', type: 'video.completed', data: { id: 'video_nobody' } });
    const signature = new Webhook(secret).sign('wh_2', new Date(), body);

    const receipt = await receiveProviderWebhook(
      parseProviderWebhookRequest({
        body,
        headers: { 'webhook-id': 'wh_2', 'webhook-timestamp': String(NOW()), 'webhook-signature': signature },
      }),
      deps,
    );

    expect(receipt.outcome).toBe('unknown_job');
  });

  it('reads the secret again past its cache before refusing, so a rotated secret verifies', async () => {
    const { deps } = setup();
    let current = 'the-old-secret';
    let refreshed = 0;
    deps.webhookSecret = Object.assign(async () => current, {
      refresh: () => {
        refreshed += 1;
        current = SECRET;
        return true;
      },
    });

    const receipt = await receiveProviderWebhook(delivery({ job: 'video_nobody' }), deps);

    expect(receipt.outcome).toBe('unknown_job');
    expect(refreshed).toBe(1);
  });

  it('returns 401 from the cached secret, reading Secrets Manager past the cache at most once a minute and only for a timely request, when requests are wrongly signed', async () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:us-east-1:1:secret:provider-webhook-refresh';
    let webhookSecret = SECRET;
    secrets
      .on(GetSecretValueCommand, { SecretId: secretArn })
      .callsFake(async () => ({ SecretString: JSON.stringify({ apiKey: 'sk-unit', webhookSecret }) }));
    const reads = () => secrets.commandCalls(GetSecretValueCommand, { SecretId: secretArn }).length;
    let now = 1_000_000;
    const { deps } = setup();
    deps.webhookSecret = webhookSecretResolver({ secretArn, maxAgeSeconds: 300, now: () => now });
    const forged = (timestamp?: number) =>
      rejection(receiveProviderWebhook(delivery({ secret: 'not-the-secret', timestamp: timestamp ?? NOW() }), deps));

    // Act
    const timely = [];
    for (let i = 0; i < 5; i++) timely.push(await forged());
    const afterTimely = reads();
    now += (SECRET_REFRESH_INTERVAL_SECONDS + 1) * 1000;
    const stale = [await forged(NOW() - 3600), await forged(NOW() + 3600)];
    const afterStale = reads();
    const nextMinute = await forged();
    const afterNextMinute = reads();
    // A rotation is still picked up: a minute later, a request signed with the new secret verifies.
    webhookSecret = 'the-rotated-secret-of-the-provider';
    now += (SECRET_REFRESH_INTERVAL_SECONDS + 1) * 1000;
    const rotated = await receiveProviderWebhook(delivery({ secret: webhookSecret, job: 'video_nobody' }), deps);

    // Assess
    for (const failed of [...timely, ...stale, nextMinute]) {
      expect(failed).toMatchObject({ name: 'UnauthenticatedError', status: 401 });
    }
    // The first read, then one past the cache for the first timely forgery; none for the other four.
    expect(afterTimely).toBe(2);
    // A stale or future timestamp could never verify: no read past the cache for it.
    expect(afterStale).toBe(2);
    expect(afterNextMinute).toBe(3);
    expect(rotated.outcome).toBe('unknown_job');
    expect(reads()).toBe(4);
  });

  it('throws 404 not_found when the provider secret has no webhookSecret', async () => {
    const { deps } = setup({ secret: undefined });

    const failed = await rejection(receiveProviderWebhook(delivery(), deps));

    expect(failed).toMatchObject({ name: 'ProviderWebhooksNotConfiguredError', status: 404, code: 'not_found' });
  });

  it('throws 404 not_found, reading nothing, when the provider sends no webhooks (no scheme)', async () => {
    const { deps, store, callbacks } = setup();
    await store.storeTaskToken(JOB, aToken());
    deps.provider = new FakeProvider({ webhooks: 'none' });

    const failed = await rejection(receiveProviderWebhook(delivery(), deps));

    expect(failed).toMatchObject({ name: 'ProviderWebhooksNotConfiguredError', status: 404, code: 'not_found' });
    expect(store.recorded.size).toBe(0);
    expect(callbacks.sent).toEqual([]);
  });

  it.each([
    ['not JSON', 'not json', 'invalid_json'],
    [
      'an event without data.id',
      JSON.stringify({ id: 'evt_3', type: 'video.completed', data: {} }),
      'invalid_parameter',
    ],
  ])('throws 400 for a correctly signed body that is %s', async (_, body, code) => {
    const { deps, callbacks } = setup();

    const failed = await rejection(receiveProviderWebhook(delivery({ body }), deps));

    expect(failed).toMatchObject({ status: 400, code });
    expect(callbacks.sent).toEqual([]);
  });
});

describe('parseProviderWebhookRequest', () => {
  it('throws 413 payload_too_large for a body over 64 KiB and decodes a base64-encoded one', () => {
    const big = 'x'.repeat(MAX_PROVIDER_WEBHOOK_BYTES + 1);

    const tooLarge = (() => {
      try {
        parseProviderWebhookRequest({ body: big, headers: {} });
      } catch (error) {
        return error as { status: number; code: string };
      }
    })();
    const decoded = parseProviderWebhookRequest({
      body: Buffer.from('{"a":1}').toString('base64'),
      isBase64Encoded: true,
      headers: { 'webhook-id': 'wh_9' },
    });

    expect(tooLarge).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(decoded).toEqual({
      body: '{"a":1}',
      headers: { 'webhook-id': 'wh_9', 'webhook-timestamp': undefined, 'webhook-signature': undefined },
    });
  });
});
