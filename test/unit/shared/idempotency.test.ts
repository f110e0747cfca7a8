import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors';
import {
  IDEMPOTENCY_TTL_SECONDS,
  IdempotencyInProgressError,
  idempotencyKeyOf,
  idempotencyRecordIdOf,
  idempotentRequest,
  requestHashOf,
  requestIdempotency,
} from '../../../shared/http/idempotency';

/**
 * An in-memory Powertools persistence layer with the DynamoDB layer's put condition: a put fails while a record
 * exists that is neither expired nor an in-progress record past its in-progress expiry. Records what it stored.
 */
class InMemoryPersistence extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const inProgressExpired =
      existing?.getStatus() === 'INPROGRESS' &&
      existing.inProgressExpiryTimestamp !== undefined &&
      existing.inProgressExpiryTimestamp < Date.now();
    if (existing !== undefined && !existing.isExpired() && !inProgressExpired) {
      throw new IdempotencyItemAlreadyExistsError('exists', existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (record === undefined) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}

const context = { getRemainingTimeInMillis: () => 10_000 };
const request = (overrides: Partial<Parameters<typeof idempotentRequest>> = []) =>
  idempotentRequest(
    overrides[0] ?? 'create-video',
    overrides[1] ?? 'alice',
    overrides[2] ?? 'key-1',
    overrides[3] ?? { prompt: 'A cat' },
  );

function setup(options: { maxWaitMs?: number } = {}) {
  const persistenceStore = new InMemoryPersistence();
  const idempotency = requestIdempotency({ persistenceStore, pollMs: 5, maxWaitMs: options.maxWaitMs ?? 1000 });
  let runs = 0;
  const run = async () => {
    runs += 1;
    return { id: `vid_${runs}` };
  };
  return { persistenceStore, idempotency, run, runs: () => runs };
}

describe('idempotency', () => {
  it('returns the first result without running again when the same user repeats the same request', async () => {
    // Prepare
    const { idempotency, run, runs, persistenceStore } = setup();

    // Act
    const first = await idempotency(request(), context, run);
    const second = await idempotency(request(), context, run);

    // Assess
    expect(first).toEqual({ id: 'vid_1' });
    expect(second).toEqual({ id: 'vid_1' });
    expect(runs()).toBe(1);
    const [record] = [...persistenceStore.records.values()];
    expect(record?.getStatus()).toBe('COMPLETED');
    expect(record?.expiryTimestamp).toBeGreaterThan(Date.now() / 1000 + IDEMPOTENCY_TTL_SECONDS - 60);
  });

  it('returns the payload hash Powertools stores when hashing a request for the reserve transaction’s key claim', async () => {
    // Prepare
    const { idempotency, run, persistenceStore } = setup();
    const keyed = idempotentRequest('create-video', 'alice', 'key-1', { prompt: 'A cat', seconds: '4', size: 'x' });
    await idempotency(keyed, context, run);

    // Act
    const hash = keyed === undefined ? '' : requestHashOf(keyed);

    // Assess
    const [record] = [...persistenceStore.records.values()];
    expect(hash).toBe(record?.payloadHash);
  });

  it('throws 409 idempotency_key_reused when the same key comes with another body or on another route', async () => {
    // Prepare
    const { idempotency, run, runs } = setup();
    await idempotency(request(), context, run);

    // Act
    const otherBody = idempotency(request([undefined, undefined, undefined, { prompt: 'A dog' }]), context, run);
    const otherRoute = idempotency(request(['remix-video']), context, run);

    // Assess
    for (const attempt of [otherBody, otherRoute]) {
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    }
    expect(runs()).toBe(1);
  });

  it('returns the id Powertools stores the answer under for a user and key (what a delete removes)', async () => {
    // Prepare
    const { idempotency, run, persistenceStore } = setup();

    // Act
    await idempotency(request(), context, run);

    // Assess
    expect([...persistenceStore.records.keys()]).toEqual([idempotencyRecordIdOf({ userId: 'alice', key: 'key-1' })]);
    expect(idempotencyRecordIdOf({ userId: 'bob', key: 'key-1' })).not.toBe(
      idempotencyRecordIdOf({ userId: 'alice', key: 'key-1' }),
    );
  });

  it('runs again for another user with the same key', async () => {
    // Prepare
    const { idempotency, run, runs } = setup();
    await idempotency(request(), context, run);

    // Act
    const bob = await idempotency(request([undefined, 'bob']), context, run);

    // Assess
    expect(bob).toEqual({ id: 'vid_2' });
    expect(runs()).toBe(2);
  });

  it('runs every time when there is no key', async () => {
    // Prepare
    const { idempotency, run, runs, persistenceStore } = setup();

    // Act
    await idempotency(undefined, context, run);
    await idempotency(undefined, context, run);

    // Assess
    expect(runs()).toBe(2);
    expect(persistenceStore.records.size).toBe(0);
  });

  it('waits for a concurrent twin and returns its result instead of running a second time', async () => {
    // Prepare
    const { idempotency } = setup();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let count = 0;
    const slow = async () => {
      count += 1;
      await gate;
      return { id: `vid_${count}` };
    };

    // Act
    const first = idempotency(request(), context, slow);
    const twins = Array.from({ length: 5 }, () => idempotency(request(), context, slow));
    setTimeout(release, 30);
    const results = await Promise.all([first, ...twins]);

    // Assess
    expect(results).toEqual(Array.from({ length: 6 }, () => ({ id: 'vid_1' })));
    expect(count).toBe(1);
  });

  it('throws 409 invalid_state with Retry-After when the twin is still running after the wait', async () => {
    // Prepare
    const { idempotency } = setup({ maxWaitMs: 20 });
    const never = () => new Promise<never>(() => {});
    void idempotency(request(), context, never);
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    const twin = idempotency(request(), context, async () => ({ id: 'vid_twin' }));

    // Assess
    await expect(twin).rejects.toBeInstanceOf(IdempotencyInProgressError);
    await expect(twin).rejects.toMatchObject({ status: 409, code: 'invalid_state', retryAfterSeconds: 1 });
  });

  it('stores nothing for a request that throws, so the key can be used again', async () => {
    // Prepare
    const { idempotency, run, persistenceStore } = setup();
    const failing = async () => {
      throw new NotFoundError();
    };

    // Act
    const failed = idempotency(request(), context, failing);
    await expect(failed).rejects.toBeInstanceOf(NotFoundError);
    const retried = await idempotency(request(), context, run);

    // Assess
    expect(retried).toEqual({ id: 'vid_1' });
    expect([...persistenceStore.records.values()].map((record) => record.getStatus())).toEqual(['COMPLETED']);
  });

  it('returns the key when the header is 1 to 255 printable characters and throws 400 otherwise', () => {
    // Act / Assess
    expect(idempotencyKeyOf({ headers: {} })).toBeUndefined();
    expect(idempotencyKeyOf({ headers: { 'idempotency-key': 'a b~!' } })).toBe('a b~!');
    expect(idempotencyKeyOf({ headers: { 'idempotency-key': 'k'.repeat(255) } })).toHaveLength(255);
    for (const bad of ['', 'k'.repeat(256), 'tab\there', 'café', 'line\nbreak']) {
      expect(() => idempotencyKeyOf({ headers: { 'idempotency-key': bad } })).toThrow(ValidationError);
    }
  });
});
