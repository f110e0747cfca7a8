import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMinuteRate, minuteOf, nextMinuteAt, secondsToNextMinute } from '../../../shared/rates/minute-rate';
import { userMinuteRateKey } from '../../../shared/table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../../../shared/table-ttl';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';
import { readItem } from '../money/money-table';

/* The per-user minute rates' conditional counts against AWS's own DynamoDB Local (in memory, ephemeral port). */

let local: LocalTable;
let rate: DynamoMinuteRate;

beforeAll(async () => {
  local = await startLocalTable();
  await local.createTable('rates');
  rate = new DynamoMinuteRate(local.documents, 'rates');
});

afterAll(async () => {
  await local?.stop();
});

describe('minute-rate (DynamoDB Local)', () => {
  it('returns one up to the limit in a UTC minute and zero beyond it, for each user, action and minute apart', async () => {
    // Prepare
    const now = new Date('2026-12-07T10:15:05Z');
    const later = new Date('2026-12-07T10:15:59Z');
    const nextMinute = new Date('2026-12-07T10:16:00Z');

    // Act
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await rate.take('alice', 'uploads', 1, 3, now));
    const over = await rate.take('alice', 'uploads', 1, 3, later);
    const overAgain = await rate.take('alice', 'uploads', 1, 3, later);
    const bob = await rate.take('bob', 'uploads', 1, 3, later);
    const otherAction = await rate.take('alice', 'webhook_deliveries', 1, 3, later);
    const next = await rate.take('alice', 'uploads', 1, 3, nextMinute);

    // Assess
    expect(taken).toEqual([1, 1, 1]);
    expect([over, overAgain]).toEqual([0, 0]);
    expect([bob, otherAction, next]).toEqual([1, 1, 1]);
    const item = await readItem(local, 'rates', userMinuteRateKey('alice', 'uploads', '2026-12-07T10:15'));
    expect(item).toMatchObject({ count: 3, userId: 'alice' });
    expect(item?.[TABLE_TTL_ATTRIBUTE]).toBe(Date.parse('2026-12-08T10:15:00Z') / 1000);
  });

  it('returns part of what is wanted when the minute has less room left, and never more than the limit at once', async () => {
    // Prepare
    const now = new Date('2026-12-07T11:00:30Z');

    // Act: 7 then 7 of 10; then 8 callers at once wanting 3 each in a fresh minute.
    const first = await rate.take('carol', 'webhook_deliveries', 7, 10, now);
    const second = await rate.take('carol', 'webhook_deliveries', 7, 10, now);
    const third = await rate.take('carol', 'webhook_deliveries', 7, 10, now);
    const fresh = new Date('2026-12-07T11:01:00Z');
    const together = await Promise.all(
      Array.from({ length: 8 }, () => rate.take('dave', 'webhook_deliveries', 3, 10, fresh)),
    );

    // Assess
    expect([first, second, third]).toEqual([7, 3, 0]);
    expect(together.reduce((sum, got) => sum + got, 0)).toBeLessThanOrEqual(10);
    expect(together.reduce((sum, got) => sum + got, 0)).toBeGreaterThan(0);
  });
});

describe('minute-rate minutes', () => {
  it('returns the UTC minute, the whole seconds until the next one (1 to 60), and when it starts', () => {
    expect(minuteOf(new Date('2026-12-07T23:59:59.999Z'))).toBe('2026-12-07T23:59');
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:05.400Z'))).toBe(55);
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:00Z'))).toBe(60);
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:59.900Z'))).toBe(1);
    expect(nextMinuteAt(new Date('2026-12-07T10:15:05Z'))).toBe(Date.parse('2026-12-07T10:16:00Z') / 1000);
  });
});
