import type { Page, WebhookDelivery, WebhookEndpoint } from '../api-types';
import { formatTime, table } from '../format';
import { type CommandContext, print } from './context';

/** Every event type, the default of `webhooks add`. */
const ALL_EVENTS = ['video.completed', 'video.failed', 'video.cancelled'];

export interface WebhooksAddOptions {
  events?: string[];
}

export interface PageOptions {
  limit?: string;
  after?: string;
}

/** `webhooks add <url> [--events a,b]`: registers an endpoint and prints its signing secret (shown this once). */
export async function webhooksAddCommand(url: string, options: WebhooksAddOptions, context: CommandContext) {
  const endpoint = await context.client.addWebhook({ url, events: options.events ?? ALL_EVENTS });
  print(
    context,
    endpoint,
    (added) =>
      `${added.id} ${added.url} (${added.events.join(', ')})\n` +
      `secret: ${added.secret}\n` +
      'keep the secret now: it is not shown again (verify deliveries with it, e.g. the standardwebhooks package)',
  );
}

/** `webhooks list`: the caller's endpoints. */
export async function webhooksListCommand(options: PageOptions, context: CommandContext) {
  print(context, await context.client.listWebhooks(options), formatEndpoints);
}

/** `webhooks remove <id>`. */
export async function webhooksRemoveCommand(id: string, context: CommandContext) {
  print(context, await context.client.removeWebhook(id), (removed) => `removed ${removed.id}`);
}

/** `webhooks deliveries <id>`: the endpoint's delivery log, newest first. */
export async function webhooksDeliveriesCommand(id: string, options: PageOptions, context: CommandContext) {
  print(context, await context.client.webhookDeliveries(id, options), formatDeliveries);
}

function withCursor(text: string, page: Page<unknown>): string {
  return page.next_cursor === null ? text : `${text}\nmore: --after ${page.next_cursor}`;
}

function formatEndpoints(page: Page<WebhookEndpoint>): string {
  if (page.data.length === 0) return 'no webhook endpoints';
  const rows = page.data.map((endpoint) => [
    endpoint.id,
    endpoint.status,
    endpoint.events.join(','),
    endpoint.url,
    endpoint.failing_since === null ? '' : `failing since ${formatTime(endpoint.failing_since)}`,
  ]);
  const disabled = page.data.filter((endpoint) => endpoint.disabled_reason !== null);
  const notes = disabled.map((endpoint) => `${endpoint.id}: ${endpoint.disabled_reason}`).join('\n');
  const text = table(['id', 'status', 'events', 'url', ''], rows, 60);
  return withCursor(notes === '' ? text : `${text}\n${notes}`, page);
}

function formatDeliveries(page: Page<WebhookDelivery>): string {
  if (page.data.length === 0) return 'no deliveries yet';
  const rows = page.data.map((delivery) => [
    delivery.id,
    delivery.event_type,
    delivery.video_id,
    delivery.status,
    String(delivery.attempts),
    delivery.last_response_code === null ? (delivery.last_error ?? '') : String(delivery.last_response_code),
    delivery.last_duration_ms === null ? '' : `${delivery.last_duration_ms} ms`,
    delivery.next_attempt_at === null ? '' : formatTime(delivery.next_attempt_at),
  ]);
  return withCursor(
    table(['event', 'type', 'video', 'status', 'attempts', 'last', 'took', 'next attempt'], rows),
    page,
  );
}
