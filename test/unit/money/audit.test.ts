import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { getAudit } from '../../../functions/get-audit/get-audit';
import { parseGetAuditRequest } from '../../../functions/get-audit/schema';
import { type AuditRecordResource, DynamoAuditLog } from '../../../shared/audit/audit';
import { newAuditId } from '../../../shared/ids';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import { limitsKey } from '../../../shared/table-keys';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { DEFAULTS } from './money-fixtures';
import { freshTableEachTest } from './money-table';

/*
 * The audit trail of limit changes (limits.ts writes, audit.ts reads) against DynamoDB Local: the transaction, the
 * version condition and both listings (a user's partition, a month's gsi2 partition) are real.
 */

const finance = { userId: 'fin', groups: ['finance'] };

let local: LocalTable;
let table: string;
let limits: DynamoLimitsStore;
let audit: DynamoAuditLog;

const change = (at: string, actorUserId = 'fin', requestId = `req-${at}`) => ({
  actorUserId,
  requestId,
  at: new Date(at),
});
const listAs = async (caller: { userId: string; groups: string[] }, query: Record<string, string>) =>
  getAudit(parseGetAuditRequest({ queryStringParameters: query }, caller), {
    audit,
    clock: () => new Date('2026-11-21T12:00:00Z'),
  });
/** Finance's listing of limit changes (the records these tests write are all limit changes). */
const list = async (query: Record<string, string>) => {
  const page = await listAs(finance, query);
  return { ...page, data: page.data.map(limitsRecord) };
};
function limitsRecord(record: AuditRecordResource) {
  if (record.action !== 'user_limits.updated') throw new Error(`${record.id} is not a limits change`);
  return record;
}

freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
  limits = new DynamoLimitsStore(local.documents, table, DEFAULTS);
  audit = new DynamoAuditLog(local.documents, table);
});

describe('DynamoLimitsStore.update with DynamoAuditLog', () => {
  it('returns a record of the caller, the old and new effective values and the request id for each change', async () => {
    await limits.update('bob', { maxActive: 3 }, change('2026-11-20T10:00:00Z', 'fin', 'req-a'));
    await limits.update('bob', { budgetMicros: 5 }, change('2026-11-20T11:00:00Z', 'fin2', 'req-b'));

    const page = await list({ user_id: 'bob' });

    expect(page.data).toEqual([
      expect.objectContaining({
        object: 'audit_record',
        action: 'user_limits.updated',
        actor_user_id: 'fin2',
        user_id: 'bob',
        old_values: { budget_micros: 10_000_000, max_active: 3, max_per_day: 1000 },
        new_values: { budget_micros: 5, max_active: 3, max_per_day: 1000 },
        request_id: 'req-b',
        created_at: Date.parse('2026-11-20T11:00:00Z') / 1000,
      }),
      expect.objectContaining({
        actor_user_id: 'fin',
        old_values: { budget_micros: 10_000_000, max_active: 100, max_per_day: 1000 },
        new_values: { budget_micros: 10_000_000, max_active: 3, max_per_day: 1000 },
        request_id: 'req-a',
      }),
    ]);
    expect(page.data[0]?.id).toMatch(/^aud_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('returns old values that are the ones replaced when the item changed between read and write', async () => {
    await limits.update('bob', { maxActive: 3 }, change('2026-11-20T10:00:00Z'));
    const send = local.documents.send.bind(local.documents);
    let interfered = false;
    // A concurrent change lands right after this update's read: its transaction must not commit on stale values.
    const racing = new DynamoLimitsStore(
      {
        send: async (command: unknown) => {
          const result = await send(command as never);
          if (!interfered && command instanceof GetCommand) {
            interfered = true;
            await send(
              new UpdateCommand({
                TableName: table,
                Key: limitsKey('bob'),
                UpdateExpression: 'SET maxActive = :n, version = version + :one',
                ExpressionAttributeValues: { ':n': 7, ':one': 1 },
              }),
            );
          }
          return result;
        },
      } as never,
      table,
      DEFAULTS,
    );

    const { before, after } = await racing.update('bob', { maxPerDay: 9 }, change('2026-11-20T11:00:00Z'));

    expect(before.maxActive).toBe(7);
    expect(after).toEqual({ budgetMicros: 10_000_000, maxActive: 7, maxPerDay: 9 });
    const newest = (await list({ user_id: 'bob' })).data[0];
    expect(newest?.old_values.max_active).toBe(7);
  });

  it('returns one month of every user newest first from gsi2, and one user across months from their partition', async () => {
    await limits.update('amy', { maxActive: 1 }, change('2026-10-31T23:59:59Z'));
    await limits.update('bob', { maxActive: 2 }, change('2026-11-01T00:00:00Z'));
    await limits.update('amy', { maxActive: 3 }, change('2026-11-02T00:00:00Z'));

    const november = await list({ month: '2026-11' });
    const amy = await list({ user_id: 'amy' });
    const amyInOctober = await list({ user_id: 'amy', month: '2026-10' });
    const current = await list({});

    expect(november.data.map((record) => [record.user_id, record.new_values.max_active])).toEqual([
      ['amy', 3],
      ['bob', 2],
    ]);
    expect(current.data.map((record) => record.id)).toEqual(november.data.map((record) => record.id));
    expect(amy.data.map((record) => record.new_values.max_active)).toEqual([3, 1]);
    expect(amyInOctober.data.map((record) => record.new_values.max_active)).toEqual([1]);
  });

  it('returns every record once across pages when the next_cursor is passed back as after', async () => {
    for (let minute = 0; minute < 5; minute++) {
      await limits.update('bob', { maxActive: minute }, change(`2026-11-20T10:0${minute}:00Z`));
    }

    const seen: number[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const reply = await list({ user_id: 'bob', limit: '2', ...(after === undefined ? {} : { after }) });
      seen.push(...reply.data.map((record) => record.new_values.max_active));
      if (reply.next_cursor === null) break;
      after = reply.next_cursor;
    }

    expect(seen).toEqual([4, 3, 2, 1, 0]);
  });

  it("throws a 400 on after when the cursor is another listing's", async () => {
    await limits.update('bob', { maxActive: 1 }, change('2026-11-20T10:00:00Z'));
    await limits.update('bob', { maxActive: 2 }, change('2026-11-20T10:01:00Z'));
    const bobs = await list({ user_id: 'bob', limit: '1' });

    await expect(list({ user_id: 'amy', after: bobs.next_cursor ?? '' })).rejects.toMatchObject({ param: 'after' });
    await expect(list({ month: '2026-11', after: bobs.next_cursor ?? '' })).rejects.toMatchObject({ param: 'after' });
  });

  it('returns an operator only the records of their own actions, finance every record, both kinds alike', async () => {
    await limits.update('bob', { maxActive: 1 }, change('2026-11-20T10:00:00Z'));
    const redrive = (auditId: string, actorUserId: string) =>
      audit.append({
        auditId,
        action: 'video.redriven',
        actorUserId,
        userId: 'bob',
        videoId: 'vid_01KAAAAAAAAAAAAAAAAAAAAAAA',
        oldValues: { executionStatus: 'FAILED', redriveCount: 0 },
        newValues: { executionStatus: 'RUNNING', redriveCount: 1 },
        requestId: 'req-redrive',
        createdAt: Date.parse('2026-11-20T11:00:00Z') / 1000,
      });
    const [first, second] = [
      newAuditId(Date.parse('2026-11-20T11:00:00Z')),
      newAuditId(Date.parse('2026-11-20T11:01:00Z')),
    ];
    await redrive(first, 'ops-1');
    await redrive(second, 'ops-2');
    const ops1 = { userId: 'ops-1', groups: ['operators'] };

    const mine = await listAs(ops1, { user_id: 'bob' });
    const mineThisMonth = await listAs(ops1, { month: '2026-11', limit: '1' });
    const everything = await listAs(finance, { user_id: 'bob' });

    expect(mine.data).toEqual([
      expect.objectContaining({
        action: 'video.redriven',
        actor_user_id: 'ops-1',
        video_id: 'vid_01KAAAAAAAAAAAAAAAAAAAAAAA',
        old_values: { execution_status: 'FAILED', redrive_count: 0 },
        new_values: { execution_status: 'RUNNING', redrive_count: 1 },
      }),
    ]);
    expect(mineThisMonth.data.map((record) => record.id)).toEqual([first]);
    expect(mineThisMonth.has_more).toBe(false);
    expect(everything.data.map((record) => record.action)).toEqual([
      'video.redriven',
      'video.redriven',
      'user_limits.updated',
    ]);
    await expect(listAs({ userId: 'x', groups: [] }, {})).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(redrive(first, 'ops-1')).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
  });
});
