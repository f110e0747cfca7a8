import * as z from 'zod/mini';
import { lazy } from './lazy';
import './zod-messages';

/*
 * Environment schemas, one piece per concern; each function's env.ts composes the pieces it needs and parses
 * them once at cold start. infra/ imports the exported *Env types (types only) and `satisfies` them. Each piece is
 * a getter built on its first call (shared/lazy.ts), so a function builds only the pieces its env.ts composes.
 */

const nonEmpty = (name: string) =>
  z.string({ error: `${name} is required` }).check(z.minLength(1, `${name} must not be empty`));

/** The video table (videos, provider job claims, later usage and ledger). */
export const tableEnvSchema = lazy(() => z.object({ TABLE_NAME: nonEmpty('TABLE_NAME') }));

/** The private bucket that stores the MP4s and their previews. */
export const bucketEnvSchema = lazy(() => z.object({ BUCKET_NAME: nonEmpty('BUCKET_NAME') }));

/** The video pipeline state machine. */
export const stateMachineEnvSchema = lazy(() => z.object({ STATE_MACHINE_ARN: nonEmpty('STATE_MACHINE_ARN') }));

/**
 * The webhook delivery state machine (its own name: the local stack runs every function in one process, where one
 * variable has one value).
 */
export const deliveryStateMachineEnvSchema = lazy(() =>
  z.object({
    DELIVERY_STATE_MACHINE_ARN: nonEmpty('DELIVERY_STATE_MACHINE_ARN'),
  }),
);

/** The Powertools idempotency table (Powertools keeps each Idempotency-Key's first response there). */
export const idempotencyEnvSchema = lazy(() =>
  z.object({ IDEMPOTENCY_TABLE_NAME: nonEmpty('IDEMPOTENCY_TABLE_NAME') }),
);

/**
 * The provider: base URL and the ARN of the Secrets Manager secret holding its key (locally, the local stack's
 * Secrets Manager serves that secret). PROVIDER_TIMEOUT_MS bounds one request (headers received; a download's body
 * is bounded by the Lambda timeout).
 */
export const providerEnvSchema = lazy(() =>
  z.object({
    PROVIDER_BASE_URL: z.url({ error: 'PROVIDER_BASE_URL must be a URL' }),
    PROVIDER_SECRET_ARN: nonEmpty('PROVIDER_SECRET_ARN'),
    PROVIDER_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 30_000),
    PROVIDER_SECRET_MAX_AGE_SECONDS: z._default(z.coerce.number().check(z.int(), z.positive()), 300),
    /** The admission gate (shared/provider/gate): jobs the provider account may run at once. */
    PROVIDER_MAX_CONCURRENT_JOBS: z._default(z.coerce.number().check(z.int(), z.positive()), 2),
    /** The admission gate: requests per minute reelflow sends the provider account (every kind counts). */
    PROVIDER_REQUESTS_PER_MINUTE: z._default(z.coerce.number().check(z.int(), z.positive()), 20),
    /**
     * The admission gate: how long a job's slot lasts unless a poll renews it (seconds); longer than the longest wait
     * between two polls (60 s).
     */
    PROVIDER_SLOT_LEASE_SECONDS: z._default(z.coerce.number().check(z.positive()), 900),
    /** The admission gate: how long the provider's rate-limit minute lasts (seconds); a provider's minute is 60. */
    PROVIDER_RATE_WINDOW_SECONDS: z._default(z.coerce.number().check(z.positive()), 60),
  }),
);

/**
 * Whether the pipeline waits for the provider's webhooks (PROVIDER_WEBHOOKS: `on` by default, when the provider
 * secret has a `webhookSecret`; `off` forces the polling path), and how long at most (PROVIDER_WEBHOOK_WAIT_SECONDS,
 * optional: about 1.5× the expected job time by default, shared/provider/webhooks/webhook-wait.ts).
 */
export const providerWebhooksEnvSchema = lazy(() =>
  z.object({
    PROVIDER_WEBHOOKS: z._default(z.enum(['on', 'off']), 'on'),
    PROVIDER_WEBHOOK_WAIT_SECONDS: z.optional(z.coerce.number().check(z.int(), z.positive())),
  }),
);

/**
 * The admission gate of the provider without its secret, for functions that only change the gate (they send the
 * provider nothing): its base URL names the gate, and its limits.
 */
export const providerGateEnvSchema = lazy(() =>
  z.object({
    PROVIDER_BASE_URL: providerEnvSchema().shape.PROVIDER_BASE_URL,
    PROVIDER_MAX_CONCURRENT_JOBS: providerEnvSchema().shape.PROVIDER_MAX_CONCURRENT_JOBS,
    PROVIDER_REQUESTS_PER_MINUTE: providerEnvSchema().shape.PROVIDER_REQUESTS_PER_MINUTE,
    PROVIDER_SLOT_LEASE_SECONDS: providerEnvSchema().shape.PROVIDER_SLOT_LEASE_SECONDS,
    PROVIDER_RATE_WINDOW_SECONDS: providerEnvSchema().shape.PROVIDER_RATE_WINDOW_SECONDS,
  }),
);

/**
 * Webhook endpoint URLs: host names (exactly as in the URL) that may use `http:` and a loopback or private address.
 * Only the local stack sets it (`127.0.0.1,localhost`, so a receiver on this machine works); a deployment never does,
 * and every other URL must be https to public addresses.
 */
export const webhookUrlEnvSchema = lazy(() =>
  z.object({
    WEBHOOK_URL_ALLOW_LOCAL_HOSTS: z.pipe(
      z._default(z.string(), ''),
      z.transform((value) =>
        value
          .split(',')
          .map((host) => host.trim())
          .filter((host) => host.length > 0),
      ),
    ),
  }),
);

export type TableEnv = z.input<ReturnType<typeof tableEnvSchema>>;
export type BucketEnv = z.input<ReturnType<typeof bucketEnvSchema>>;
export type StateMachineEnv = z.input<ReturnType<typeof stateMachineEnvSchema>>;
export type DeliveryStateMachineEnv = z.input<ReturnType<typeof deliveryStateMachineEnvSchema>>;
export type IdempotencyEnv = z.input<ReturnType<typeof idempotencyEnvSchema>>;
export type ProviderEnv = z.input<ReturnType<typeof providerEnvSchema>>;
/** How many webhook endpoints one user may have (WEBHOOK_MAX_ENDPOINTS, default 10): each event fans out to all of them. */
export const webhookEndpointLimitEnvSchema = lazy(() =>
  z.object({
    WEBHOOK_MAX_ENDPOINTS: z._default(z.coerce.number().check(z.int(), z.positive()), 10),
  }),
);

export type ProviderWebhooksEnv = z.input<ReturnType<typeof providerWebhooksEnvSchema>>;

/**
 * Parses `env` with `schema` or throws one error listing every problem, so a misconfigured function fails at
 * cold start with a clear message instead of on its first request.
 */
export function parseEnv<S extends z.ZodMiniType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      return `${name}: ${issue.message}`;
    });
    throw new Error(`Invalid environment configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
