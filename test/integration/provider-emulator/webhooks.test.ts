import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, signWebhook, startEmulator } from '../../../local/provider-emulator/index';
import { OpenApiValidator, type WireRecord } from './openapi-validator';
import { resetEmulator, sdkClient, setFaults, waitFor } from './support';

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])),
  );
}

describe('provider emulator webhooks', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const deliveries: Delivery[] = [];
  /** Statuses the receiver answers, in order; 200 once they run out. */
  const answers: number[] = [];
  let receiver: Server;
  let emulator: RunningEmulator;
  let client: OpenAI;
  let records: WireRecord[];
  const validator = new OpenApiValidator();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push({ headers: flatten(req.headers), body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    emulator = await startEmulator({ jobMs: 200, webhook: { url: `http://127.0.0.1:${port}/hooks`, secret } });
  });
  afterAll(async () => {
    await emulator.close();
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(async () => {
    await resetEmulator(emulator);
    deliveries.length = 0;
    answers.length = 0;
    records = [];
    client = sdkClient(emulator, records);
  });
  afterEach(() => {
    answers.length = 0;
    expect(validator.validateAll(records)).toEqual([]);
  });

  function deliveriesFor(videoId: string): Delivery[] {
    return deliveries.filter((d) => (JSON.parse(d.body) as { data: { id: string } }).data.id === videoId);
  }

  it('returns a signed video.completed event that client.webhooks.unwrap accepts with the right secret', async () => {
    const video = await client.videos.create({ prompt: 'webhook on completion' });

    const [delivery] = await waitFor('a delivery', () => {
      const found = deliveriesFor(video.id);
      return found.length > 0 ? found : undefined;
    });
    const event = await client.webhooks.unwrap(delivery!.body, delivery!.headers, secret);

    expect(event).toMatchObject({ object: 'event', type: 'video.completed', data: { id: video.id } });
    expect((event as unknown as { id: string }).id).toMatch(/^evt_/);
    expect(typeof (event as unknown as { created_at: number }).created_at).toBe('number');
    expect(delivery!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('rejects the event when the secret is wrong or the timestamp is 10 minutes old', async () => {
    const video = await client.videos.create({ prompt: 'webhook to tamper with' });
    const [delivery] = await waitFor('a delivery', () => {
      const found = deliveriesFor(video.id);
      return found.length > 0 ? found : undefined;
    });
    const { body, headers } = delivery!;
    const wrongSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const old = Math.floor(Date.now() / 1000) - 600;
    const resign = (timestamp: number) => ({
      ...headers,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, headers['webhook-id'] ?? '', timestamp, body),
    });

    const withWrongSecret = await client.webhooks.unwrap(body, headers, wrongSecret).catch((e: unknown) => e);
    const tooOld = await client.webhooks.unwrap(body, resign(old), secret).catch((e: unknown) => e);
    const freshlyResigned = await client.webhooks.unwrap(body, resign(Math.floor(Date.now() / 1000)), secret);

    expect(withWrongSecret).toBeInstanceOf(OpenAI.InvalidWebhookSignatureError);
    expect(tooOld).toBeInstanceOf(OpenAI.InvalidWebhookSignatureError);
    expect(String(tooOld)).toMatch(/too old/);
    expect(freshlyResigned).toMatchObject({ type: 'video.completed' });
  });

  it('returns video.failed when generation fails', async () => {
    await setFaults(emulator, { fail_generation: { code: 'moderation_blocked', match: '[hooked-fail]' } });
    const video = await client.videos.create({ prompt: 'fails [hooked-fail]' });

    const [delivery] = await waitFor('a delivery', () => {
      const found = deliveriesFor(video.id);
      return found.length > 0 ? found : undefined;
    });
    const event = await client.webhooks.unwrap(delivery!.body, delivery!.headers, secret);

    expect(event).toMatchObject({ type: 'video.failed', data: { id: video.id } });
  });

  it('retries the same event when the receiver answers non-2xx', async () => {
    answers.push(500);
    const video = await client.videos.create({ prompt: 'webhook retried' });

    const both = await waitFor('two deliveries', () => {
      const found = deliveriesFor(video.id);
      return found.length >= 2 ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(deliveriesFor(video.id)).toHaveLength(2);
    expect(both[1]?.body).toBe(both[0]?.body);
    expect(both[1]?.headers['webhook-id']).toBe(both[0]?.headers['webhook-id']);
    await expect(client.webhooks.unwrap(both[1]!.body, both[1]!.headers, secret)).resolves.toMatchObject({
      type: 'video.completed',
    });
  });
});
