import { describe, expect, it } from 'vitest';
import { waitForProviderWebhook } from '../../../functions/wait-for-provider-webhook/wait-for-provider-webhook';
import { ProviderGateWaitError, RetryableProviderError } from '../../../shared/errors';
import { webhookRouter, webhookWaitSeconds } from '../../../shared/provider/webhooks/webhook-wait';
import { aProviderJob, FakeProvider, FakeProviderGate, fakeLogger, fakeMetrics, fixedClock } from '../fakes/fakes';
import {
  completedTaskOutput,
  InMemoryCallbackStore,
  RecordingCallbacks,
  wokenTaskOutput,
} from '../fakes/provider-callbacks';

const JOB = 'video_job_1';
const INPUT = { videoId: 'vid-1', userId: 'user-1', providerVideoId: JOB, taskToken: 'token-1' };

function setup() {
  const store = new InMemoryCallbackStore();
  const provider = new FakeProvider();
  const callbacks = new RecordingCallbacks();
  const gate = new FakeProviderGate();
  const marked: Array<{ videoId: string; until: number }> = [];
  const progress = { markWaiting: async (videoId: string, until: number) => void marked.push({ videoId, until }) };
  const deps = {
    store,
    progress,
    provider,
    callbacks,
    gate,
    clock: fixedClock(),
    logger: fakeLogger(),
    metrics: fakeMetrics(),
  };
  return { store, provider, callbacks, gate, marked, deps };
}

const anEvent = { webhookId: 'msg_1', type: 'video.completed', receivedAt: 1 };

describe('waitForProviderWebhook', () => {
  it('stores the task token for the receiver and renews the job slot, sending nothing when no event came yet', async () => {
    const { store, callbacks, gate, deps } = setup();
    await expect(waitForProviderWebhook(INPUT, deps)).resolves.toBe('waiting');
    expect(store.tokens.get(JOB)).toMatchObject({ taskToken: 'token-1', videoId: 'vid-1' });
    expect(gate.renewed).toEqual(['vid-1']);
    expect(callbacks.sent).toEqual([]);
  });

  it('marks the video as waiting until the wait times out, so readers read the provider’s progress meanwhile', async () => {
    const { marked, deps } = setup();
    const now = Math.floor(deps.clock().getTime() / 1000);
    await waitForProviderWebhook({ ...INPUT, webhookWaitSeconds: 270 }, deps);
    expect(marked).toEqual([{ videoId: 'vid-1', until: now + 270 }]);
  });

  it('settles its own token once when the completed event came before the wait (early event)', async () => {
    const { store, provider, callbacks, deps } = setup();
    provider.jobs = [aProviderJob({ id: JOB, status: 'completed', progress: 100, completedAt: 1_800_000_000 })];
    await store.recordEvent(JOB, anEvent);
    await expect(waitForProviderWebhook(INPUT, deps)).resolves.toBe('completed');
    expect(callbacks.sent).toEqual([
      {
        kind: 'success',
        token: 'token-1',
        output: completedTaskOutput(JOB, 1_800_000_000),
      },
    ]);
    expect(store.tokens.has(JOB)).toBe(false);
  });

  it('sends the provider’s failure code when the failed event came first', async () => {
    const { store, provider, callbacks, deps } = setup();
    provider.jobs = [
      aProviderJob({ id: JOB, status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' } }),
    ];
    await store.recordEvent(JOB, { ...anEvent, type: 'video.failed' });
    await expect(waitForProviderWebhook(INPUT, deps)).resolves.toBe('failed');
    expect(callbacks.sent).toMatchObject([{ kind: 'failure', token: 'token-1', error: 'GenerationFailedError' }]);
    expect(callbacks.sent[0]?.kind === 'failure' && callbacks.sent[0].cause).toContain('moderation_blocked: blocked');
  });

  it('wakes the execution to read the job in its poll when the gate has no token for the re-read', async () => {
    const { store, callbacks, deps } = setup();
    await store.recordEvent(JOB, anEvent);
    const gated = { retrieve: async () => Promise.reject(new ProviderGateWaitError(3)) };
    await expect(waitForProviderWebhook(INPUT, { ...deps, provider: gated })).resolves.toBe('woken');
    // The event was acknowledged before the token existed: nothing would deliver it again, so waiting would stall
    // until the wait's timeout. The token is used once.
    expect(store.tokens.has(JOB)).toBe(false);
    expect(callbacks.sent).toEqual([
      {
        kind: 'success',
        token: 'token-1',
        output: wokenTaskOutput(JOB),
      },
    ]);
  });

  it('keeps waiting, its token stored, when the provider cannot answer the re-read now (5xx)', async () => {
    const { store, callbacks, deps } = setup();
    await store.recordEvent(JOB, anEvent);
    const failing = { retrieve: async () => Promise.reject(new RetryableProviderError('Provider answered 502')) };
    await expect(waitForProviderWebhook(INPUT, { ...deps, provider: failing })).resolves.toBe('deferred');
    expect(store.tokens.get(JOB)?.taskToken).toBe('token-1');
    expect(callbacks.sent).toEqual([]);
  });
});

describe('webhookRouter', () => {
  it('returns webhooks with a wait under the slot lease when the secret has a webhookSecret and PROVIDER_WEBHOOKS is on', async () => {
    const route = webhookRouter({ setting: 'on', secret: async () => 'whsec', slotLeaseSeconds: 900 });
    await expect(route()).resolves.toEqual({ webhooks: true, webhookWaitSeconds: 270 });
    expect(webhookWaitSeconds(200)).toBe(140);
    expect(webhookWaitSeconds(900, 5)).toBe(5);
  });

  it('returns polling when PROVIDER_WEBHOOKS is off or the secret has no webhookSecret', async () => {
    await expect(
      webhookRouter({ setting: 'off', secret: async () => 'whsec', slotLeaseSeconds: 900 })(),
    ).resolves.toEqual({
      webhooks: false,
    });
    await expect(
      webhookRouter({ setting: 'on', secret: async () => undefined, slotLeaseSeconds: 900 })(),
    ).resolves.toEqual({
      webhooks: false,
    });
  });
});
