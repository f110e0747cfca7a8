import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { badTokens, uniqueUser } from './support';

// The audit trail of limit changes, through HTTP against the local stack: every PUT of a user's limits leaves one
// record (caller, old and new values, request id) that GET /v1/admin/audit lists newest first; nobody changes their
// own limits. The contract client checks each reply against GET /v1/openapi.json.
const stack = useLocalStack();
let api: ContractClient;
let financeId: string;
let financeToken: string;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  financeId = uniqueUser('audit-finance');
  financeToken = await stack.token(financeId, ['finance']);
});

afterAll(() => expectCovered(api, 'audit'));

const limitsPath = (userId: string) => `/v1/admin/users/${encodeURIComponent(userId)}/limits`;
const auditPath = (query: Record<string, string>) => `/v1/admin/audit?${new URLSearchParams(query)}`;

describe('GET /v1/admin/audit', () => {
  it('returns one record per PUT of limits with the caller, old and new values and request id, newest first', async () => {
    const userId = uniqueUser('audit-target');
    const first = await api.call('PUT', limitsPath(userId), { token: financeToken, json: { max_active: 3 } });
    const second = await api.call('PUT', limitsPath(userId), {
      token: financeToken,
      json: { budget_micros: 2_000_000, max_per_day: 7 },
    });
    expect([first.status, second.status], JSON.stringify(second.body)).toEqual([200, 200]);

    const reply = await api.call('GET', auditPath({ user_id: userId }), { token: financeToken });

    expect(reply.status).toBe(200);
    expect(reply.body.data).toHaveLength(2);
    const [newest, oldest] = reply.body.data;
    expect(newest).toMatchObject({
      object: 'audit_record',
      action: 'user_limits.updated',
      actor_user_id: financeId,
      user_id: userId,
      old_values: { max_active: 3 },
      new_values: { budget_micros: 2_000_000, max_active: 3, max_per_day: 7 },
      request_id: second.headers.get('x-request-id'),
    });
    expect(oldest).toMatchObject({
      actor_user_id: financeId,
      new_values: { max_active: 3 },
      request_id: first.headers.get('x-request-id'),
    });
    expect(oldest.old_values.max_active).not.toBe(3);
    expect(reply.body).toMatchObject({ object: 'list', first_id: newest.id, last_id: oldest.id, has_more: false });
  });

  it("lists the month's records of every user and pages with next_cursor", async () => {
    const users = [uniqueUser('audit-month-a'), uniqueUser('audit-month-b')];
    for (const userId of users) {
      expect((await api.call('PUT', limitsPath(userId), { token: financeToken, json: { max_active: 2 } })).status).toBe(
        200,
      );
    }
    const month = new Date().toISOString().slice(0, 7);

    const page = await api.call('GET', auditPath({ month, limit: '1' }), { token: financeToken });
    const next = await api.call('GET', auditPath({ month, limit: '1', after: page.body.next_cursor }), {
      token: financeToken,
    });

    expect([page.status, next.status]).toEqual([200, 200]);
    expect(page.body.has_more).toBe(true);
    expect(page.body.data).toHaveLength(1);
    expect(next.body.data).toHaveLength(1);
    expect(next.body.data[0].id < page.body.data[0].id).toBe(true);
  });

  it('answers 403 forbidden to a finance user changing their own limits, and records nothing', async () => {
    const put = await api.call('PUT', limitsPath(financeId), { token: financeToken, json: { budget_micros: 1e12 } });
    const limits = await api.call('GET', limitsPath(financeId), { token: financeToken });
    const audit = await api.call('GET', auditPath({ user_id: financeId }), { token: financeToken });

    expect(put.status).toBe(403);
    expect(put.body.error).toMatchObject({ code: 'forbidden' });
    expect(limits.body.budget_micros).not.toBe(1e12);
    expect(audit.body.data).toEqual([]);
  });

  it('answers 401 without a valid token, 403 without the finance role and 400 on a bad query', async () => {
    const userId = uniqueUser('audit-plain');
    const expired = (await badTokens(stack, userId))['an expired token'];

    const missing = await api.call('GET', auditPath({}));
    const stale = await api.call('GET', auditPath({}), { token: expired });
    const plain = await api.call('GET', auditPath({}), { token: await stack.token(userId) });
    const month = await api.call('GET', auditPath({ month: '2026-13' }), { token: financeToken });
    const after = await api.call('GET', auditPath({ after: 'not-a-cursor' }), { token: financeToken });

    expect([missing.status, stale.status, plain.status, month.status, after.status]).toEqual([401, 401, 403, 400, 400]);
    expect(plain.body.error).toMatchObject({ code: 'forbidden' });
    expect([month.body.error.param, after.body.error.param]).toEqual(['month', 'after']);
  });
});
