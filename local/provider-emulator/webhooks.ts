import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WebhookConfig {
  url: string;
  secret: string;
}

export type VideoEventType = 'video.completed' | 'video.failed';

export interface VideoEvent {
  id: string;
  object: 'event';
  created_at: number;
  type: VideoEventType;
  data: { id: string };
}

/** Pauses between delivery attempts: short, because this is an emulator (the real service retries for hours). */
export const WEBHOOK_RETRY_DELAYS_MS = [200, 400, 800, 1600, 3200];

/**
 * Signs per Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed by the base64
 * bytes after `whsec_` (or the secret's UTF-8 bytes when it has no prefix, as the openai SDK verifies).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret);
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Sends video events to one endpoint, retrying non-2xx answers and network errors. */
export class WebhookSender {
  private readonly aborter = new AbortController();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly config: WebhookConfig) {}

  send(type: VideoEventType, videoId: string): void {
    const event: VideoEvent = {
      id: `evt_${randomBytes(16).toString('hex')}`,
      object: 'event',
      created_at: Math.floor(Date.now() / 1000),
      type,
      data: { id: videoId },
    };
    const delivery = this.deliver(event).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Stops retrying and waits for in-flight deliveries to give up. */
  async close(): Promise<void> {
    this.aborter.abort();
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(event: VideoEvent): Promise<void> {
    const body = JSON.stringify(event);
    const webhookId = `wh_${randomBytes(16).toString('hex')}`;
    const signal = this.aborter.signal;
    for (let attempt = 0; attempt <= WEBHOOK_RETRY_DELAYS_MS.length; attempt += 1) {
      if (signal.aborted) return;
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await fetch(this.config.url, {
          method: 'POST',
          body,
          signal,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'reelflow-provider-emulator',
            'webhook-id': webhookId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(this.config.secret, webhookId, timestamp, body),
          },
        });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // Network error or abort: retried below unless closing.
      }
      const delay = WEBHOOK_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return;
      }
    }
  }
}
