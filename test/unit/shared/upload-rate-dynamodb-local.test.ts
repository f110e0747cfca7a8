import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUploadRate, minuteOf, secondsToNextMinute } from '../../../shared/repositories/upload-rate';
import { uploadMinuteKey } from '../../../shared/table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../../../shared/table-ttl';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';
import { readItem } from '../money/money-table';

/* The per-user upload rate's conditional count against AWS's own DynamoDB Local (in memory, ephemeral port). */

let local: LocalTable;
let rate: DynamoUploadRate;

beforeAll(async () => {
  local = await startLocalTable();
  await local.createTable('rates');
  rate = new DynamoUploadRate(local.documents, 'rates');
});

afterAll(async () => {
  await local?.stop();
});

describe('upload-rate (DynamoDB Local)', () => {
  it('returns true up to the limit in a UTC minute and false beyond it, for each user and minute apart', async () => {
    // Prepare
    const now = new Date('2026-12-07T10:15:05Z');
    const later = new Date('2026-12-07T10:15:59Z');
    const nextMinute = new Date('2026-12-07T10:16:00Z');

    // Act
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await rate.take('alice', now, 3));
    const over = await rate.take('alice', later, 3);
    const overAgain = await rate.take('alice', later, 3);
    const bob = await rate.take('bob', later, 3);
    const next = await rate.take('alice', nextMinute, 3);

    // Assess
    expect(taken).toEqual([true, true, true]);
    expect([over, overAgain]).toEqual([false, false]);
    expect(bob).toBe(true);
    expect(next).toBe(true);
    const item = await readItem(local, 'rates', uploadMinuteKey('alice', '2026-12-07T10:15'));
    expect(item).toMatchObject({ uploadCount: 3, userId: 'alice' });
    expect(item?.[TABLE_TTL_ATTRIBUTE]).toBe(Date.parse('2026-12-08T10:15:00Z') / 1000);
  });
});

describe('upload-rate minutes', () => {
  it('returns the UTC minute and the whole seconds until the next one (1 to 60)', () => {
    expect(minuteOf(new Date('2026-12-07T23:59:59.999Z'))).toBe('2026-12-07T23:59');
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:05.400Z'))).toBe(55);
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:00Z'))).toBe(60);
    expect(secondsToNextMinute(new Date('2026-12-07T10:15:59.900Z'))).toBe(1);
  });
});
