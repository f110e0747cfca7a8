import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchWebhookEventsEnvSchema } from '../../../functions/dispatch-webhook-events/env';
import { webhookEndpointLimitEnvSchema } from '../../../shared/config';
import { emulator, eventually } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, uniquePrompt, uniqueUser, waitForVideo } from './support';

// Signed webhooks to client apps, end to end: endpoints through the API, events written by the money transactions,
// dispatched by the scheduled dispatcher (LOCAL_SCHEDULE_MS) into the delivery state machine the local engine runs,
// POSTed to a receiver on loopback, verified with the standardwebhooks package as a client app would.
const stack = useLocalStack();
let api: ContractClient;

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiver on 127.0.0.1: records every request; its answer depends on the path's first segment. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];
  private readonly failuresLeft = new Map<string, number>();

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The requests to `path`. */
  to(path: string): Received[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      this.requests.push({
        path,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (path.startsWith('/hang/')) {
        this.hanging.push(response);
        return;
      }
      if (path.startsWith('/flaky/')) {
        const left = this.failuresLeft.get(path) ?? 3;
        this.failuresLeft.set(path, left - 1);
        if (left > 0) {
          response.writeHead(500).end('not now');
          return;
        }
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  }
}

const receiver = new Receiver();
const ALL_EVENTS = ['video.completed', 'video.failed', 'video.cancelled'];

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  await receiver.start();
});

afterAll(async () => {
  await receiver.stop();
  expectCovered(api, 'webhooks');
});

/** How many dispatcher runs the local scheduler has finished (`schedule-runs.json` in the stack's data dir). */
async function dispatcherRuns(): Promise<number> {
  const runs = JSON.parse(await readFile(join(stack.dataDir, 'schedule-runs.json'), 'utf8')) as Record<string, number>;
  const rules = Object.keys(runs).filter((rule) => /Webhook/i.test(rule));
  expect(rules, `dispatcher rules among ${Object.keys(runs).join(', ')}`).toHaveLength(1);
  return runs[rules[0]!]!;
}

/** Registers an endpoint for `path` on the receiver; returns it with its secret. */
// biome-ignore lint/suspicious/noExplicitAny: the endpoint resource as JSON
async function addEndpoint(token: string, path: string, events = ALL_EVENTS): Promise<any> {
  const reply = await api.call('POST', '/v1/webhook_endpoints', { token, json: { url: receiver.url(path), events } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

function waitForRequests(path: string, count: number, timeoutMs = 60_000): Promise<Received[]> {
  return eventually(
    `${count} webhook requests to ${path}`,
    async () => (receiver.to(path).length >= count ? receiver.to(path) : undefined),
    { timeoutMs, intervalMs: 100 },
  );
}

/** A video of `token`'s user that stays in progress (the provider job never finishes on its own). */
// biome-ignore lint/suspicious/noExplicitAny: the video resource as JSON
async function videoInProgress(token: string, label: string): Promise<{ video: any; prompt: string }> {
  const prompt = uniquePrompt(label);
  await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });
  const video = await createVideo(api, token, { prompt });
  await waitForVideo(api, token, video.id, (status) => status === 'in_progress');
  return { video, prompt };
}

// biome-ignore lint/suspicious/noExplicitAny: the event as JSON
const verify = (secret: string, request: Received): any =>
  new Webhook(secret).verify(request.body, {
    'webhook-id': request.headers['webhook-id'] ?? '',
    'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
    'webhook-signature': request.headers['webhook-signature'] ?? '',
  });

describe('webhook endpoints and signed events', () => {
  it('sends one signed event per completed, failed and cancelled video that standardwebhooks verifies, and no other secret does', async () => {
    const token = await stack.token(uniqueUser('webhooks-events'));
    const path = `/ok/${randomBytes(6).toString('hex')}`;
    const endpoint = await addEndpoint(token, path);

    const completed = await createVideo(api, token, { prompt: uniquePrompt('A webhook kite') });
    const toFail = await videoInProgress(token, 'A webhook failure');
    await emulator.finish(stack, { match: toFail.prompt, status: 'failed', code: 'moderation_blocked' });
    const toCancel = await videoInProgress(token, 'A webhook cancel');
    const cancel = await api.call('POST', `/v1/videos/${toCancel.video.id}/cancel`, { token });
    await waitForVideo(api, token, completed.id, isTerminal);
    const requests = await waitForRequests(path, 3);

    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(cancel.status).toBe(200);
    const events = requests.map((request) => verify(endpoint.secret, request));
    const byVideo = Object.fromEntries(events.map((event) => [event.data.id, event]));
    expect(byVideo[completed.id]).toMatchObject({
      object: 'event',
      type: 'video.completed',
      data: { id: completed.id, status: 'completed' },
    });
    expect(byVideo[toFail.video.id]).toMatchObject({
      type: 'video.failed',
      data: { status: 'failed', error: { code: 'moderation_blocked' }, cost: { charged_micros: 0 } },
    });
    // Cancelled after the provider accepted the job: the charge is not known yet.
    expect(byVideo[toCancel.video.id]).toMatchObject({
      type: 'video.cancelled',
      data: { status: 'cancelled', cost: { charged_micros: null } },
    });
    for (const [index, request] of requests.entries()) {
      expect(request.headers['webhook-id']).toBe(events[index].id);
      expect(request.headers['content-type']).toBe('application/json');
    }
    const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => verify(otherSecret, requests[0]!)).toThrow();
    const deliveries = await eventually(
      'three succeeded deliveries in the log',
      async () => {
        const reply = await api.call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`, { token });
        // biome-ignore lint/suspicious/noExplicitAny: deliveries as JSON
        return reply.body.data.filter((d: any) => d.status === 'succeeded').length === 3 ? reply : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data).toHaveLength(3);
    for (const delivery of deliveries.body.data) {
      expect(delivery).toMatchObject({ attempts: 1, last_response_code: 200, next_attempt_at: null });
      expect(JSON.stringify(delivery)).not.toContain('prompt');
    }
  });

  it('delivers one event id four times to a receiver answering 500 three times then 200, and then stops', async () => {
    const token = await stack.token(uniqueUser('webhooks-retry'));
    const path = `/flaky/${randomBytes(6).toString('hex')}`;
    const endpoint = await addEndpoint(token, path, ['video.completed']);

    const first = await createVideo(api, token, { prompt: uniquePrompt('A webhook retried') });
    const requests = await waitForRequests(path, 4);
    const log = await eventually(
      'the delivery recorded as succeeded',
      async () => {
        const reply = await api.call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`, { token });
        return reply.body.data[0]?.status === 'succeeded' ? reply.body.data[0] : undefined;
      },
      { timeoutMs: 15_000 },
    );
    // A second event to the same endpoint: once it has arrived, the first delivery has had every chance to repeat.
    const second = await createVideo(api, token, { prompt: uniquePrompt('A webhook after the retries') });
    await waitForRequests(path, 5);

    expect(new Set(requests.slice(0, 4).map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(verify(endpoint.secret, requests[0]!).data.id).toBe(first.id);
    expect(log).toMatchObject({ attempts: 4, last_response_code: 200, status: 'succeeded' });
    const firstEventId = requests[0]!.headers['webhook-id'];
    const all = receiver.to(path);
    expect(all.filter((request) => request.headers['webhook-id'] === firstEventId)).toHaveLength(4);
    expect(verify(endpoint.secret, all[4]!).data.id).toBe(second.id);
    const endpointNow = await api.call('GET', `/v1/webhook_endpoints/${endpoint.id}`, { token });
    expect(endpointNow.body).toMatchObject({ status: 'enabled', failing_since: null });
  });

  it('completes a video while its receiver hangs: the delivery runs beside the pipeline, never inside it', async () => {
    const token = await stack.token(uniqueUser('webhooks-hang'));
    const path = `/hang/${randomBytes(6).toString('hex')}`;
    await addEndpoint(token, path, ['video.completed']);

    const video = await createVideo(api, token, { prompt: uniquePrompt('A webhook that hangs') });
    const done = await waitForVideo(api, token, video.id, isTerminal);
    const [request] = await waitForRequests(path, 1);

    expect(done.status).toBe('completed');
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'video.completed', data: { id: video.id } });
  });

  it('signs with the old and the new secret after a rotation, so either verifies during the overlap', async () => {
    const token = await stack.token(uniqueUser('webhooks-rotate'));
    const path = `/ok/${randomBytes(6).toString('hex')}`;
    const endpoint = await addEndpoint(token, path, ['video.completed']);

    const rotated = await api.call('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { token });
    await createVideo(api, token, { prompt: uniquePrompt('A webhook after rotation') });
    const [request] = await waitForRequests(path, 1);

    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(request!.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verify(endpoint.secret, request!).type).toBe('video.completed');
    expect(verify(rotated.body.secret, request!).type).toBe('video.completed');
  });

  it('manages endpoints: list pages, get without the secret, delete; 400 on URLs and events the API refuses', async () => {
    const token = await stack.token(uniqueUser('webhooks-crud'));
    const a = await addEndpoint(token, '/ok/crud-a');
    const b = await addEndpoint(token, '/ok/crud-b', ['video.failed']);

    const page1 = await api.call('GET', '/v1/webhook_endpoints?limit=1', { token });
    const page2 = await api.call('GET', `/v1/webhook_endpoints?limit=1&after=${page1.body.next_cursor}`, { token });
    const got = await api.call('GET', `/v1/webhook_endpoints/${b.id}`, { token });
    const deleted = await api.call('DELETE', `/v1/webhook_endpoints/${a.id}`, { token });
    const gone = await api.call('GET', `/v1/webhook_endpoints/${a.id}`, { token });
    const badRequests = await Promise.all(
      [
        { url: 'https://10.0.0.1/hook', events: ALL_EVENTS },
        { url: 'https://169.254.169.254/latest/meta-data', events: ALL_EVENTS },
        { url: 'http://example.com/hook', events: ALL_EVENTS },
        { url: 'not a url', events: ALL_EVENTS },
      ].map((json) => api.call('POST', '/v1/webhook_endpoints', { token, json })),
    );
    const badEvents = await api.call('POST', '/v1/webhook_endpoints', {
      token,
      json: { url: receiver.url('/ok/x'), events: ['video.exploded'] },
    });
    const noUrl = await api.call('POST', '/v1/webhook_endpoints', { token, json: { events: ALL_EVENTS } });
    const badLimit = await api.call('GET', '/v1/webhook_endpoints?limit=0', { token });

    expect(page1.body).toMatchObject({ object: 'list', has_more: true, data: [{ id: a.id }] });
    expect(page2.body.data.map((endpoint: { id: string }) => endpoint.id)).toEqual([b.id]);
    expect(got.body).toMatchObject({ id: b.id, events: ['video.failed'], status: 'enabled' });
    expect(got.body.secret).toBeUndefined();
    expect(page1.body.data[0].secret).toBeUndefined();
    expect(deleted.body).toEqual({ id: a.id, object: 'webhook_endpoint.deleted', deleted: true });
    expect(gone.status).toBe(404);
    for (const reply of badRequests) {
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'invalid_parameter', param: 'url' });
    }
    expect(badEvents.status).toBe(400);
    expect(badEvents.body.error).toMatchObject({ code: 'invalid_parameter', param: 'events.0' });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error).toMatchObject({ code: 'missing_parameter', param: 'url' });
    expect(badLimit.status).toBe(400);
  });

  it('answers 404 on another user’s endpoint id exactly as on a missing one, and 401 without a token', async () => {
    const tokenA = await stack.token(uniqueUser('webhooks-owner'));
    const tokenB = await stack.token(uniqueUser('webhooks-other'));
    const endpoint = await addEndpoint(tokenA, '/ok/isolated');
    const missing = 'we_01JD0000000000000000000000';

    for (const [method, path] of [
      ['GET', '/v1/webhook_endpoints/{id}'],
      ['DELETE', '/v1/webhook_endpoints/{id}'],
      ['POST', '/v1/webhook_endpoints/{id}/rotate_secret'],
      ['GET', '/v1/webhook_endpoints/{id}/deliveries'],
    ] as const) {
      const ofA = await api.call(method, path.replace('{id}', endpoint.id), { token: tokenB });
      const ofNobody = await api.call(method, path.replace('{id}', missing), { token: tokenB });
      const anonymous = await api.call(method, path.replace('{id}', endpoint.id));

      expect(ofA.status, `${method} ${path}`).toBe(404);
      expect({ ...ofA.body.error, request_id: null }).toEqual({ ...ofNobody.body.error, request_id: null });
      expect(anonymous.status).toBe(401);
    }
    const listB = await api.call('GET', '/v1/webhook_endpoints', { token: tokenB });
    const stillThere = await api.call('GET', `/v1/webhook_endpoints/${endpoint.id}`, { token: tokenA });
    const anonymousList = await api.call('GET', '/v1/webhook_endpoints');
    const anonymousCreate = await api.call('POST', '/v1/webhook_endpoints', {
      json: { url: receiver.url('/ok/x'), events: ALL_EVENTS },
    });

    expect(listB.body.data).toEqual([]);
    expect(stillThere.status).toBe(200);
    expect(anonymousList.status).toBe(401);
    expect(anonymousCreate.status).toBe(401);
  });
  it('answers 409 limit_exceeded on url for the endpoint over the cap, and creates nothing', async () => {
    const token = await stack.token(uniqueUser('webhooks-cap'));
    const cap = webhookEndpointLimitEnvSchema().parse({}).WEBHOOK_MAX_ENDPOINTS;
    for (let index = 0; index < cap; index++) await addEndpoint(token, `/ok/cap-${index}`);

    const over = await api.call('POST', '/v1/webhook_endpoints', {
      token,
      json: { url: receiver.url('/ok/cap-over'), events: ALL_EVENTS },
    });
    const listed = await api.call('GET', '/v1/webhook_endpoints', { token });

    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'limit_exceeded', param: 'url' });
    expect(over.body.error.message).toContain(String(cap));
    expect(listed.body.data).toHaveLength(cap);
  });

  it("dispatches another user's event within a run of a burst to the most endpoints, and delays the burst past its rate without dropping any", async () => {
    // A user with the most endpoints cancels enough videos that their deliveries are over the per-minute rate in
    // whichever minute they land; then another user's one event. Cancelled while queued: the events are free.
    const cap = webhookEndpointLimitEnvSchema().parse({}).WEBHOOK_MAX_ENDPOINTS;
    const perMinute = dispatchWebhookEventsEnvSchema.parse({
      TABLE_NAME: 't',
      DELIVERY_STATE_MACHINE_ARN: 'a',
    }).WEBHOOK_DELIVERIES_PER_MINUTE;
    const events = Math.ceil((2 * perMinute) / cap) + 1;
    const busyToken = await stack.token(uniqueUser('webhooks-burst'));
    const tag = randomBytes(4).toString('hex');
    const busyEndpoints: Array<{ id: string }> = [];
    for (let index = 0; index < cap; index++)
      busyEndpoints.push(await addEndpoint(busyToken, `/ok/burst-${tag}-${index}`));
    for (let index = 0; index < events; index++) {
      const video = await createVideo(api, busyToken, { prompt: uniquePrompt('A webhook burst') });
      await api.call('POST', `/v1/videos/${video.id}/cancel`, { token: busyToken });
    }
    const quietToken = await stack.token(uniqueUser('webhooks-quiet'));
    const quietEndpoint = await addEndpoint(quietToken, `/ok/quiet-${tag}`);
    const quietVideo = await createVideo(api, quietToken, { prompt: uniquePrompt('A quiet webhook') });
    await api.call('POST', `/v1/videos/${quietVideo.id}/cancel`, { token: quietToken });
    await waitForVideo(api, quietToken, quietVideo.id, isTerminal);
    const runsAtEvent = await dispatcherRuns();

    // The quiet user's delivery is in its log once the dispatcher started it.
    await eventually(
      'the quiet user’s delivery started',
      async () => {
        const reply = await api.call('GET', `/v1/webhook_endpoints/${quietEndpoint.id}/deliveries`, {
          token: quietToken,
        });
        return reply.body.data.length === 1 ? reply : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const runsAtDelivery = await dispatcherRuns();
    // The busy user's deliveries over the rate show as pending with the time they will go.
    const delayed = await eventually(
      'a delayed delivery of the burst',
      async () => {
        for (const endpoint of busyEndpoints) {
          const reply = await api.call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`, { token: busyToken });
          const waiting = reply.body.data.find(
            // biome-ignore lint/suspicious/noExplicitAny: deliveries as JSON
            (d: any) => d.status === 'pending' && d.next_attempt_at > Date.now() / 1000,
          );
          if (waiting !== undefined) return waiting;
        }
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const all = await eventually(
      `all ${events * cap} deliveries of the burst`,
      async () => {
        const received = receiver.requests.filter((request) => request.path.startsWith(`/ok/burst-${tag}-`));
        return received.length >= events * cap ? received : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );

    // The run going at the event's write may have read the outbox before it: the next one starts it.
    expect(runsAtDelivery - runsAtEvent).toBeLessThanOrEqual(2);
    expect(delayed.next_attempt_at % 60).toBe(0);
    expect(new Set(all.map((request) => `${request.path} ${request.headers['webhook-id']}`)).size).toBe(events * cap);
  }, 240_000);
});
