import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { TransientAwsError } from '../../errors';

/** The Standard Webhooks headers a provider signs its events with. */
export interface SignedHeaders {
  'webhook-id'?: string | undefined;
  'webhook-timestamp'?: string | undefined;
  'webhook-signature'?: string | undefined;
}

/** The headers of a Standard Webhooks delivery, lower-cased. */
export const STANDARD_WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** The Standard Webhooks tolerance on `webhook-timestamp`, either way (what the `standardwebhooks` package applies). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * The least time between two reads of the webhook secret past its cache (`refresh()`): the public receiver route
 * must not let every wrongly signed request cost a Secrets Manager call, yet a rotated secret is picked up within it.
 */
export const SECRET_REFRESH_INTERVAL_SECONDS = 60;

/** Whether `webhook-timestamp` is within {@link SIGNATURE_TOLERANCE_SECONDS} of `now` (a signature could verify). */
export function timestampWithinTolerance(headers: SignedHeaders, now: Date): boolean {
  const raw = headers['webhook-timestamp'];
  if (raw === undefined || !/^\d+$/.test(raw)) return false;
  return Math.abs(now.getTime() / 1000 - Number(raw)) <= SIGNATURE_TOLERANCE_SECONDS;
}

/**
 * Whether `body` carries a valid Standard Webhooks signature under `secret`, with the standard's 5-minute tolerance
 * on `webhook-timestamp` either way (the `standardwebhooks` package; no hand-written crypto). A `whsec_` secret is
 * the base64 of the key, as Standard Webhooks and OpenAI issue them; any other secret is used as its own bytes, as
 * the `openai` SDK's `webhooks.unwrap` does (the provider secret's generated `webhookSecret` has no prefix).
 * Missing headers, a stale or future timestamp, or no matching signature: false.
 */
export function verifySignature(body: string, headers: SignedHeaders, secret: string): boolean {
  const webhook = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  try {
    webhook.verify(body, headers as Record<string, string>, { jsonParse: false });
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  }
}

/** Resolves the provider's webhook secret. */
export interface WebhookSecretResolver {
  /** The secret's `webhookSecret`; undefined when the provider secret has none (webhooks are not configured). */
  (): Promise<string | undefined>;
  /**
   * Makes the next call read the secret again, past the cache, at most once per
   * {@link SECRET_REFRESH_INTERVAL_SECONDS}: true when it will, false when a refresh was granted less than that ago.
   */
  refresh(): boolean;
}

/**
 * The `webhookSecret` of the provider secret (JSON `{"apiKey","webhookSecret"}`), read through Powertools Parameters
 * like the API key (cached for `maxAgeSeconds`). A failed read is a TransientAwsError: the receiver answers 5xx and the
 * provider delivers again. The secret never reaches a log or an error message.
 */
export function webhookSecretResolver(config: {
  secretArn: string;
  maxAgeSeconds: number;
  /** @default Date.now */
  now?: () => number;
}): WebhookSecretResolver {
  const now = config.now ?? Date.now;
  let forceFetch = false;
  let refreshedAt = Number.NEGATIVE_INFINITY;
  const resolve = async () => {
    let secret: { webhookSecret?: unknown } | undefined;
    try {
      secret = await getSecret<{ webhookSecret?: unknown }>(config.secretArn, {
        transform: 'json',
        maxAge: config.maxAgeSeconds,
        forceFetch,
      });
    } catch (error) {
      throw new TransientAwsError('The provider webhook secret could not be read', { cause: error });
    }
    forceFetch = false;
    return typeof secret?.webhookSecret === 'string' && secret.webhookSecret.length > 0
      ? secret.webhookSecret
      : undefined;
  };
  return Object.assign(resolve, {
    refresh: () => {
      if (now() - refreshedAt < SECRET_REFRESH_INTERVAL_SECONDS * 1000) return false;
      refreshedAt = now();
      forceFetch = true;
      return true;
    },
  });
}
