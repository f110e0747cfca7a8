import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { AppError, ConflictError, ValidationError } from '../errors';

/** How long a key's first response is replayed (24 hours: long enough for any client's retries of one request). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The request header (lower-cased, as http-header-normalizer leaves it). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Keys are shared by every route that takes one, so one key cannot mean a create on one route and a remix on another. */
const KEY_PREFIX = 'reelflow-api';

const PRINTABLE_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The `Idempotency-Key` header of a request: undefined when absent; 400 `invalid_parameter` unless it is 1 to 255
 * printable ASCII characters.
 */
export function idempotencyKeyOf(event: { headers?: Record<string, string | undefined> }): string | undefined {
  const key = event.headers?.[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return undefined;
  if (!PRINTABLE_KEY.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters', 'Idempotency-Key');
  }
  return key;
}

/**
 * The id of the Powertools idempotency record of a user's key: the key prefix and the base64 sha256 of
 * `[userId, key]` (the event key JMESPath below), as Powertools computes it. Stored on the video the request makes,
 * so a delete can remove the record that holds the video's answer (prompt and metadata included).
 */
export function idempotencyRecordIdOf(request: Pick<IdempotentRequest, 'userId' | 'key'>): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([request.userId, request.key]))
    .digest('base64');
  return `${KEY_PREFIX}#${hash}`;
}

/** 409: a request with the same key is still being processed; retrying after `Retry-After` returns its response. */
export class IdempotencyInProgressError extends AppError {
  override name = 'IdempotencyInProgressError';
  constructor(retryAfterSeconds: number) {
    super('A request with this Idempotency-Key is still in progress; retry after the Retry-After seconds', {
      status: 409,
      code: 'invalid_state',
      retryAfterSeconds,
    });
  }
}

/** What identifies a request for idempotency: who, which key, and what was asked (route and normalized input). */
export interface IdempotentRequest {
  userId: string;
  key: string;
  /** The route, e.g. `create-video`; part of what must match for a replay. */
  operation: string;
  /** The validated request (body with defaults applied, path ids); a different one with the same key is a 409. */
  request: unknown;
}

/** The idempotent request for a route call, or undefined when the client sent no Idempotency-Key. */
export function idempotentRequest(
  operation: string,
  userId: string,
  key: string | undefined,
  request: unknown,
): IdempotentRequest | undefined {
  return key === undefined ? undefined : { userId, key, operation, request };
}

/**
 * The hash of what a keyed request asked (route and validated request, an uploaded file by its sha256), as
 * Powertools computes its payload hash for `[operation, request]` (sha256, base64, object keys sorted); the reserve
 * transaction's key claim stores it.
 */
export function requestHashOf(request: IdempotentRequest): string {
  return createHash('sha256')
    .update(JSON.stringify(sortedKeys([request.operation, request.request])))
    .digest('base64');
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  // A value with its own JSON form (an uploaded file: name, type, size and sha256) is hashed as that form, so two
  // uploads differ by content even under one file name, as they do in Powertools' hash (JSON.stringify).
  const own = (value as { toJSON?: unknown }).toJSON;
  if (typeof own === 'function') return sortedKeys(own.call(value));
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((name) => [name, sortedKeys((value as Record<string, unknown>)[name])]),
  );
}

/** 409 `idempotency_key_reused`: the key was used with a different request (body, route or source video). */
export function idempotencyKeyReused(): ConflictError {
  return new ConflictError(
    'This Idempotency-Key was already used with a different request; use a new key for a new request',
    'idempotency_key_reused',
  );
}

export interface RequestIdempotencyOptions {
  /** The Powertools persistence layer (DynamoDB on IDEMPOTENCY_TABLE_NAME). */
  persistenceStore: BasePersistenceLayer;
  /** How long a request waits for a concurrent one with the same key to finish. @default 5000 */
  maxWaitMs?: number;
  /** How often it looks again meanwhile. @default 150 */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs a route's logic at most once per user and Idempotency-Key (see {@link requestIdempotency}). */
export type RequestIdempotency = <T>(
  request: IdempotentRequest | undefined,
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  run: () => Promise<T>,
) => Promise<T>;

/**
 * Powertools Idempotency for API routes, keyed on user + Idempotency-Key (24 h), validating the request's hash:
 * - first request: runs `run` and stores its result; a thrown error stores nothing (the key can be retried);
 * - same key, same request, finished: the stored result, without running `run` again;
 * - same key, different request (other body, route or source video): 409 `idempotency_key_reused`;
 * - same key while the first is still running: waits for it (up to `maxWaitMs`, within the Lambda's remaining
 *   time) and returns its result; if the first failed meanwhile, this one runs; if it is still running after the
 *   wait, 409 `invalid_state` with `Retry-After`. A client retrying after that gets the first response.
 * Without a key, `run` simply runs.
 */
export function requestIdempotency(options: RequestIdempotencyOptions): RequestIdempotency {
  const maxWaitMs = options.maxWaitMs ?? 5000;
  const pollMs = options.pollMs ?? 150;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async (request, context, run) => {
    if (request === undefined) return run();
    const config = new IdempotencyConfig({
      eventKeyJmesPath: '[userId, key]',
      payloadValidationJmesPath: '[operation, request]',
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
      hashFunction: 'sha256',
      throwOnNoIdempotencyKey: true,
      // In-progress records expire with the invocation, so a crashed request does not block its key for 24 h; its
      // retry then meets the key claimed in the reserve transaction (money/idempotency-guard.ts) and gets its video.
      ...(context === undefined ? {} : { lambdaContext: context as Context }),
    });
    const idempotent = makeIdempotent(async (_request: IdempotentRequest) => run(), {
      persistenceStore: options.persistenceStore,
      config,
      keyPrefix: KEY_PREFIX,
    });
    const remaining = context?.getRemainingTimeInMillis() ?? maxWaitMs + 2000;
    const deadline = Date.now() + Math.max(0, Math.min(maxWaitMs, remaining - 2000));
    for (;;) {
      try {
        return (await idempotent(request)) as Awaited<ReturnType<typeof run>>;
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'IdempotencyValidationError') throw idempotencyKeyReused();
        if (name !== 'IdempotencyAlreadyInProgressError') throw error;
        if (Date.now() + pollMs > deadline) throw new IdempotencyInProgressError(1);
        await sleep(pollMs);
      }
    }
  };
}
