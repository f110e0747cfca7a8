import { Webhook } from 'standardwebhooks';
import { RemoteFetchError, UrlNotAllowedError } from '../../shared/net/ssrf-guard';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { unixSeconds } from '../../shared/video/video';
import type { WebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import type { DeliveryInput } from '../../shared/webhooks/delivery-starter';
import { signingSecrets, type WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import type { WebhookEventBodies } from '../../shared/webhooks/event-bodies';
import { redeliveryDelaySeconds, WEBHOOK_RETRY_POLICY } from '../../shared/webhooks/retry-policy';

/** What the state machine gives the task: the delivery, and what the previous attempt answered (absent at first). */
export interface DeliverWebhookInput extends DeliveryInput {
  delivery?: DeliverWebhookResult;
  /** Only in executions started before bodies moved to their event items: the body itself. */
  body?: string;
}

/** The task's answer, which the state machine's Choice reads (`$.delivery`). */
export interface DeliverWebhookResult {
  /** delivered / skipped / gave_up end the execution; retry waits `waitSeconds` and comes back. */
  status: 'delivered' | 'retry' | 'gave_up' | 'skipped';
  /** Failed attempts so far. */
  attempts: number;
  waitSeconds: number;
}

/** Sends one signed request; resolves with the receiver's status, rejects as the SSRF guard does. */
export type WebhookSender = (
  url: string,
  request: { body: string; headers: Record<string, string> },
) => Promise<{ status: number }>;

export interface DeliverWebhookDeps {
  endpoints: Pick<WebhookEndpointStore, 'get' | 'recordSuccess' | 'recordFailure'>;
  deliveries: Pick<WebhookDeliveryLog, 'recordAttempt' | 'skip'>;
  eventBodies: Pick<WebhookEventBodies, 'get'>;
  send: WebhookSender;
  clock: () => Date;
  random?: () => number;
  logger: Pick<AppLogger, 'info' | 'warn' | 'appendKeys'>;
  metrics: Pick<AppMetrics, 'addMetric'>;
}

/**
 * Task DeliverWebhook: one attempt, signed with every secret valid now and sent through the SSRF guard. `delivered`
 * on a 2xx; `skipped` when the endpoint is gone or disabled, or the event's body erased; otherwise the attempt is
 * recorded and counted against the endpoint, and the answer is `retry` with the next wait, or `gave_up` once that
 * would fall outside the retry window or the endpoint is no longer enabled. docs/WEBHOOKS.md, "Outgoing: how an event
 * travels".
 */
export async function deliverWebhook(
  input: DeliverWebhookInput,
  deps: DeliverWebhookDeps,
): Promise<DeliverWebhookResult> {
  const key = { endpointId: input.endpointId, eventCreatedAt: input.eventCreatedAt, eventId: input.eventId };
  const failedBefore = input.delivery?.attempts ?? 0;
  deps.logger.appendKeys({ endpointId: input.endpointId, eventId: input.eventId, videoId: input.videoId });
  const startedAt = deps.clock();
  const now = unixSeconds(startedAt);

  const endpoint = await deps.endpoints.get(input.userId, input.endpointId);
  if (endpoint === undefined || endpoint.status !== 'enabled') {
    const reason = endpoint === undefined ? 'endpoint_deleted' : 'endpoint_disabled';
    await deps.deliveries.skip(key, reason, now);
    deps.logger.info('Webhook delivery skipped', { reason });
    return { status: 'skipped', attempts: failedBefore, waitSeconds: 0 };
  }
  const body = input.body ?? (await deps.eventBodies.get(input.userId, input.eventId));
  if (body === undefined) {
    await deps.deliveries.skip(key, 'event_erased', now);
    deps.logger.info('Webhook delivery skipped', { reason: 'event_erased' });
    return { status: 'skipped', attempts: failedBefore, waitSeconds: 0 };
  }

  const signature = signingSecrets(endpoint, now)
    .map((secret) => new Webhook(secret).sign(input.eventId, startedAt, body))
    .join(' ');
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'reelflow-webhooks/1',
    'webhook-id': input.eventId,
    'webhook-timestamp': String(now),
    'webhook-signature': signature,
  };
  let responseCode: number | null = null;
  let failure: string | null = null;
  try {
    responseCode = (await deps.send(endpoint.url, { body, headers })).status;
  } catch (error) {
    failure = failureReason(error);
  }
  const durationMs = Math.max(0, deps.clock().getTime() - startedAt.getTime());

  if (responseCode !== null && responseCode >= 200 && responseCode < 300) {
    await deps.deliveries.recordAttempt(key, {
      status: 'succeeded',
      lastResponseCode: responseCode,
      lastError: null,
      lastAttemptAt: now,
      lastDurationMs: durationMs,
      nextAttemptAt: null,
    });
    await deps.endpoints.recordSuccess(input.userId, input.endpointId);
    deps.metrics.addMetric('WebhookDeliveriesSucceeded', 'Count', 1);
    deps.logger.info('Webhook delivered', { responseCode, durationMs, attempt: failedBefore + 1 });
    return { status: 'delivered', attempts: failedBefore, waitSeconds: 0 };
  }

  const attempts = failedBefore + 1;
  const waitSeconds = redeliveryDelaySeconds(attempts, deps.random);
  const after = await deps.endpoints.recordFailure(
    input.userId,
    input.endpointId,
    now,
    WEBHOOK_RETRY_POLICY.disableAfterSeconds,
  );
  const outOfWindow = now + waitSeconds > input.eventCreatedAt + WEBHOOK_RETRY_POLICY.windowSeconds;
  const giveUp = outOfWindow || after === undefined || after.status !== 'enabled';
  await deps.deliveries.recordAttempt(key, {
    status: giveUp ? 'failed' : 'retrying',
    lastResponseCode: responseCode,
    lastError: failure,
    lastAttemptAt: now,
    lastDurationMs: durationMs,
    nextAttemptAt: giveUp ? null : now + waitSeconds,
  });
  deps.metrics.addMetric('WebhookDeliveryAttemptsFailed', 'Count', 1);
  deps.logger.warn('Webhook delivery attempt failed', {
    responseCode,
    failure,
    durationMs,
    attempt: attempts,
    ...(giveUp ? { gaveUp: outOfWindow ? 'retry window over' : 'endpoint disabled or deleted' } : { waitSeconds }),
  });
  if (after !== undefined && after.status === 'disabled' && endpoint.status === 'enabled') {
    deps.metrics.addMetric('WebhookEndpointsDisabled', 'Count', 1);
  }
  return { status: giveUp ? 'gave_up' : 'retry', attempts, waitSeconds };
}

function failureReason(error: unknown): string {
  if (error instanceof UrlNotAllowedError) return 'url_not_allowed';
  if (error instanceof RemoteFetchError) return error.reason;
  throw error;
}
