import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type DeliverWebhookDeps,
  type DeliverWebhookInput,
  deliverWebhook,
} from '../../../functions/deliver-webhook/deliver-webhook';
import { RemoteFetchError } from '../../../shared/net/ssrf-guard';
import type { DeliveryAttemptUpdate } from '../../../shared/webhooks/deliveries';
import type { WebhookEndpointRecord } from '../../../shared/webhooks/endpoints';
import { WEBHOOK_RETRY_POLICY } from '../../../shared/webhooks/retry-policy';

// Now: standardwebhooks verifies the timestamp against the clock (5 minutes either way).
const T0 = Math.floor(Date.now() / 1000);
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

function anEndpoint(overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    endpointId: 'we_1',
    userId: 'alice',
    url: 'https://hooks.example.com/in',
    events: ['video.completed'],
    status: 'enabled',
    secrets: [{ secret: SECRET, createdAt: T0 }],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const INPUT: DeliverWebhookInput = {
  endpointId: 'we_1',
  userId: 'alice',
  eventId: 'evt_1',
  eventType: 'video.completed',
  videoId: 'vid_1',
  eventCreatedAt: T0,
};

/** The event's body, as its event item keeps it (the execution's input carries ids only). */
const BODY = '{"id":"evt_1","object":"event"}';

/** Fakes that record what the task wrote; `answer` is what the receiver does. */
function harness(options: {
  endpoint?: WebhookEndpointRecord;
  answer: () => Promise<{ status: number }>;
  now?: number;
  /** The stored body; undefined: erased or expired. */
  body?: string | null;
}) {
  let endpoint = options.endpoint;
  const attempts: DeliveryAttemptUpdate[] = [];
  const skipped: string[] = [];
  const sent: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const deps: DeliverWebhookDeps = {
    endpoints: {
      get: async () => endpoint,
      recordSuccess: async () => {
        if (endpoint) endpoint = { ...endpoint, failingSince: undefined };
      },
      recordFailure: async (_user, _id, now, disableAfter) => {
        if (endpoint === undefined) return undefined;
        const since = endpoint.failingSince ?? now;
        endpoint = { ...endpoint, failingSince: since, ...(now - since >= disableAfter ? { status: 'disabled' } : {}) };
        return endpoint;
      },
    },
    deliveries: {
      recordAttempt: async (_key, update) => {
        attempts.push(update);
        return {} as never;
      },
      skip: async (_key, reason) => {
        skipped.push(reason);
      },
    },
    eventBodies: { get: async () => (options.body === null ? undefined : (options.body ?? BODY)) },
    send: async (url, request) => {
      sent.push({ url, ...request });
      return options.answer();
    },
    clock: () => new Date((options.now ?? T0 + 5) * 1000),
    random: () => 0.5,
    logger: { info: () => {}, warn: () => {}, appendKeys: () => {} },
    metrics: { addMetric: () => {} },
  };
  return { deps, attempts, skipped, sent, endpoint: () => endpoint };
}

describe('deliverWebhook', () => {
  it('returns delivered after one POST signed with every valid secret, which standardwebhooks verifies', async () => {
    const endpoint = anEndpoint({
      secrets: [
        { secret: SECRET, createdAt: T0 },
        { secret: OLD_SECRET, createdAt: T0 - 100, expiresAt: T0 + 3600 },
        { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, createdAt: T0 - 200, expiresAt: T0 - 1 },
      ],
    });
    const { deps, attempts, sent } = harness({ endpoint, answer: async () => ({ status: 204 }) });

    const result = await deliverWebhook(INPUT, deps);

    expect(result).toEqual({ status: 'delivered', attempts: 0, waitSeconds: 0 });
    expect(sent).toHaveLength(1);
    const headers = sent[0]!.headers;
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [SECRET, OLD_SECRET]) {
      expect(new Webhook(secret).verify(sent[0]!.body, headers)).toEqual({ id: 'evt_1', object: 'event' });
    }
    expect(attempts).toEqual([
      expect.objectContaining({ status: 'succeeded', lastResponseCode: 204, nextAttemptAt: null }),
    ]);
  });

  it('returns retry with a growing wait, logging the status code or the reason there was none', async () => {
    const { deps, attempts } = harness({
      endpoint: anEndpoint(),
      answer: async () => {
        throw new RemoteFetchError('slow', 'timeout');
      },
    });

    const first = await deliverWebhook(INPUT, deps);
    const third = await deliverWebhook({ ...INPUT, delivery: { status: 'retry', attempts: 2, waitSeconds: 1 } }, deps);

    expect(first).toMatchObject({ status: 'retry', attempts: 1 });
    expect(third).toMatchObject({ status: 'retry', attempts: 3 });
    expect(third.waitSeconds).toBeGreaterThan(first.waitSeconds);
    expect(attempts[0]).toMatchObject({ status: 'retrying', lastResponseCode: null, lastError: 'timeout' });
    expect(attempts[0]?.nextAttemptAt).toBe(T0 + 5 + first.waitSeconds);
  });

  it('returns gave_up when the next attempt would fall outside the 24-hour window', async () => {
    const now = T0 + WEBHOOK_RETRY_POLICY.windowSeconds - 10;
    const { deps, attempts } = harness({ endpoint: anEndpoint(), answer: async () => ({ status: 500 }), now });

    const result = await deliverWebhook(
      { ...INPUT, delivery: { status: 'retry', attempts: 20, waitSeconds: 1 } },
      deps,
    );

    expect(result.status).toBe('gave_up');
    expect(attempts).toEqual([
      expect.objectContaining({ status: 'failed', lastResponseCode: 500, nextAttemptAt: null }),
    ]);
  });

  it('disables an endpoint failing for 3 days and gives the delivery up', async () => {
    const now = T0 + 10;
    const endpoint = anEndpoint({ failingSince: now - WEBHOOK_RETRY_POLICY.disableAfterSeconds });
    const h = harness({ endpoint, answer: async () => ({ status: 503 }), now });

    const result = await deliverWebhook(INPUT, h.deps);

    expect(result.status).toBe('gave_up');
    expect(h.endpoint()?.status).toBe('disabled');
  });

  it('returns skipped without sending when the endpoint was deleted or is disabled', async () => {
    const deleted = harness({ answer: async () => ({ status: 200 }) });
    const disabled = harness({ endpoint: anEndpoint({ status: 'disabled' }), answer: async () => ({ status: 200 }) });

    expect(await deliverWebhook(INPUT, deleted.deps)).toMatchObject({ status: 'skipped' });
    expect(await deliverWebhook(INPUT, disabled.deps)).toMatchObject({ status: 'skipped' });
    expect([...deleted.sent, ...disabled.sent]).toEqual([]);
    expect([...deleted.skipped, ...disabled.skipped]).toEqual(['endpoint_deleted', 'endpoint_disabled']);
  });

  it('returns skipped without sending when the event body is gone (its user erased), and sends a legacy input body', async () => {
    // Prepare: the execution's input carries ids only; an erasure deleted the body it would read.
    const erased = harness({ endpoint: anEndpoint(), answer: async () => ({ status: 200 }), body: null });
    const legacy = harness({ endpoint: anEndpoint(), answer: async () => ({ status: 200 }), body: null });

    // Act
    const skipped = await deliverWebhook(INPUT, erased.deps);
    const sentFromInput = await deliverWebhook({ ...INPUT, body: BODY }, legacy.deps);

    // Assess
    expect(skipped).toMatchObject({ status: 'skipped' });
    expect(erased.sent).toEqual([]);
    expect(erased.skipped).toEqual(['event_erased']);
    expect(sentFromInput).toMatchObject({ status: 'delivered' });
    expect(legacy.sent[0]?.body).toBe(BODY);
  });
});

describe('deliver-webhook handler', () => {
  type Patchable = { request: unknown; get: unknown; __request?: unknown; __get?: unknown };
  /** Undoes aws-xray-sdk-core's captureHTTPsGlobal (it keeps the originals as __request and __get). */
  const unpatch = () => {
    for (const module of [http, https] as unknown as Patchable[]) {
      if (module.__request === undefined) continue;
      module.request = module.__request;
      module.get = module.__get;
      delete module.__request;
      delete module.__get;
    }
  };
  afterEach(() => {
    unpatch();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('returns a module that leaves node:http and node:https unpatched (no X-Ray record of a customer URL, no X-Amzn-Trace-Id sent to it) when it loads in a traced Lambda', async () => {
    // Prepare
    const before = [http.request, http.get, https.request, https.get];
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
    vi.stubEnv('TABLE_NAME', 'unit-table');
    vi.resetModules();

    // Act
    await import('../../../functions/deliver-webhook/handler');
    const after = [http.request, http.get, https.request, https.get];
    // The control: the tracer it loaded is enabled here, and patching is seen when it happens.
    const { tracer } = await import('../../../shared/observability/tracing');
    const enabled = tracer.isTracingEnabled();
    tracer.provider.captureHTTPsGlobal();
    const patched = https.request;

    // Assess
    expect(after).toEqual(before);
    expect(enabled).toBe(true);
    expect(patched).not.toBe(before[2]);
  });
});
