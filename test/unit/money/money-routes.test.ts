import { describe, expect, it } from 'vitest';
import { costsResponse, getCosts } from '../../../functions/get-costs/get-costs';
import { parseGetCostsRequest } from '../../../functions/get-costs/schema';
import { getUsage } from '../../../functions/get-usage/get-usage';
import { parseGetUsageRequest } from '../../../functions/get-usage/schema';
import { getUserLimits } from '../../../functions/get-user-limits/get-user-limits';
import { parseGetUserLimitsRequest } from '../../../functions/get-user-limits/schema';
import { putUserLimits } from '../../../functions/put-user-limits/put-user-limits';
import { parsePutUserLimitsRequest } from '../../../functions/put-user-limits/schema';
import { ForbiddenError, ValidationError } from '../../../shared/errors';
import { csvField, microsToDollars } from '../../../shared/money/csv';
import { type CostReports, toMonthUsage } from '../../../shared/money/reports';
import type { UserLimits } from '../../../shared/money/user-limits';
import { alice, fakeLogger, fixedClock } from '../fakes/fakes';

const finance = { userId: 'fin', groups: ['finance'] };
const limits: UserLimits = { budgetMicros: 5_000_000, maxActive: 3, maxPerDay: 10 };

function fakeReports(): CostReports {
  return {
    usage: async (userId, month) =>
      toMonthUsage(userId, month, {
        videos: 2,
        seconds: 12,
        chargedMicros: 1_200_000,
        cancelledChargedMicros: 400_000,
        cancelledVideos: 1,
        reservedMicros: 400_000,
      }),
    activeCount: async () => 1,
    monthUsages: async (month) => [
      toMonthUsage('zed', month, { videos: 1, seconds: 4, chargedMicros: 400_000, awsCostMicros: 1_234 }),
      toMonthUsage('=cmd', month, { videos: 0, seconds: 0, reservedMicros: 2_500_000 }),
      toMonthUsage('amy', month, { videos: 3, seconds: 36, chargedMicros: 10_800_001, providerCostMicros: 300_000 }),
    ],
    ledger: async (userId, month) => ({
      entries: [
        {
          kind: 'charge',
          userId,
          month,
          videoId: 'vid_1',
          model: 'sora-2',
          size: '720x1280',
          seconds: 4,
          unitPriceMicros: 100_000,
          priceVersion: 'v1',
          amountMicros: 400_000,
          awsCostMicros: 7,
          chargedAt: 1_795_000_000,
        },
        {
          kind: 'cancelled_charge',
          userId,
          month,
          videoId: 'vid_3',
          model: 'sora-2',
          size: '720x1280',
          seconds: 4,
          unitPriceMicros: 100_000,
          priceVersion: 'v1',
          amountMicros: 400_000,
          awsCostMicros: 3,
          chargedAt: 1_795_000_200,
        },
      ],
      providerCosts: [
        {
          userId,
          month,
          videoId: 'vid_2',
          providerVideoId: 'video_2',
          model: 'sora-2',
          size: '720x1280',
          seconds: 8,
          providerCostMicros: 800_000,
          videoStatus: 'cancelled',
          recordedAt: 1_795_000_100,
        },
      ],
    }),
  };
}

describe('money routes', () => {
  it('returns the caller usage with budget and limits for the current month when no month is given', async () => {
    const usage = await getUsage(parseGetUsageRequest({}, alice), {
      reports: fakeReports(),
      limits: { effective: async () => limits },
      clock: fixedClock('2026-11-21T12:00:00Z'),
    });

    expect(usage).toEqual({
      object: 'usage',
      user_id: 'alice',
      month: '2026-11',
      currency: 'USD',
      videos: 2,
      seconds: 12,
      charged_micros: 1_200_000,
      cancelled_charged_micros: 400_000,
      cancelled_videos: 1,
      reserved_micros: 400_000,
      budget_micros: 5_000_000,
      active_videos: 1,
      max_active: 3,
      max_per_day: 10,
    });
  });

  it('throws ValidationError naming month when the month is malformed', () => {
    expect(() => parseGetUsageRequest({ queryStringParameters: { month: '2026-13' } }, alice)).toThrow(ValidationError);
  });

  it('throws ForbiddenError before validating anything when the caller lacks the finance role', () => {
    expect(() => parseGetCostsRequest({ queryStringParameters: { month: 'bad' } }, alice)).toThrow(ForbiddenError);
    expect(() => parseGetUserLimitsRequest({ pathParameters: { userId: 'bob' } }, alice)).toThrow(ForbiddenError);
    expect(() => parsePutUserLimitsRequest({ pathParameters: { userId: 'bob' }, body: {} }, alice)).toThrow(
      ForbiddenError,
    );
  });

  it('returns per-user totals sorted by user with a totals object when asked for JSON', async () => {
    const reply = await getCosts(parseGetCostsRequest({ queryStringParameters: { month: '2026-11' } }, finance), {
      reports: fakeReports(),
      clock: fixedClock(),
    });

    expect(reply.format).toBe('json');
    const body = reply.body as { data: Array<{ user_id: string }>; totals: Record<string, number> };
    expect(body.data.map((row) => row.user_id)).toEqual(['=cmd', 'amy', 'zed']);
    expect(body.totals).toEqual({
      videos: 4,
      seconds: 40,
      charged_micros: 11_200_001,
      reserved_micros: 2_500_000,
      provider_cost_micros: 300_000,
      aws_cost_micros: 1_234,
    });
  });

  it('returns a CSV with a header, one row per user, dollars with 6 decimals and a total row', async () => {
    const reply = await getCosts(
      parseGetCostsRequest({ queryStringParameters: { month: '2026-11', format: 'csv' } }, finance),
      { reports: fakeReports(), clock: fixedClock() },
    );
    const response = costsResponse(reply);

    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="reelflow-costs-2026-11.csv"');
    expect(String(response.body).split('\r\n')).toEqual([
      'user_id,month,videos,seconds,charged_usd,reserved_usd,provider_cost_usd,aws_cost_usd',
      "'=cmd,2026-11,0,0,0.000000,2.500000,0.000000,0.000000",
      'amy,2026-11,3,36,10.800001,0.000000,0.300000,0.000000',
      'zed,2026-11,1,4,0.400000,0.000000,0.000000,0.001234',
      'TOTAL,2026-11,4,40,11.200001,2.500000,0.300000,0.001234',
      '',
    ]);
  });

  it('returns one user ledger entries with totals when user_id is given', async () => {
    const reply = await getCosts(
      parseGetCostsRequest({ queryStringParameters: { month: '2026-11', user_id: 'amy' } }, finance),
      { reports: fakeReports(), clock: fixedClock() },
    );

    expect(reply.body).toMatchObject({
      user_id: 'amy',
      data: [
        { video_id: 'vid_1', entry: 'charge', amount_micros: 400_000, unit_price_micros: 100_000, price_version: 'v1' },
        { video_id: 'vid_3', entry: 'cancelled_charge', amount_micros: 400_000 },
      ],
      totals: { videos: 2, seconds: 8, charged_micros: 800_000, aws_cost_micros: 10 },
    });
  });

  it("returns one user's CSV with cancelled charges marked and the provider costs as rows of their own", async () => {
    const reply = await getCosts(
      parseGetCostsRequest({ queryStringParameters: { month: '2026-11', user_id: 'amy', format: 'csv' } }, finance),
      { reports: fakeReports(), clock: fixedClock() },
    );

    expect(String(costsResponse(reply).body).split('\r\n')).toEqual([
      'video_id,month,model,size,seconds,unit_price_usd,price_version,amount_usd,aws_cost_usd,charged_at,provider_cost_usd,entry',
      'vid_1,2026-11,sora-2,720x1280,4,0.100000,v1,0.400000,0.000007,2026-11-18T11:06:40.000Z,,charge',
      'vid_3,2026-11,sora-2,720x1280,4,0.100000,v1,0.400000,0.000003,2026-11-18T11:10:00.000Z,,cancelled_charge',
      'vid_2,2026-11,sora-2,720x1280,8,,,,,2026-11-18T11:08:20.000Z,0.800000,provider_cost',
      'TOTAL,2026-11,,,8,,,0.800000,0.000010,,0.800000,',
      '',
    ]);
  });

  it('returns negative amounts as plain numbers and still neutralises formulas that start with a minus', () => {
    expect(csvField(microsToDollars(-500_000))).toBe('-0.500000');
    expect(csvField('-12')).toBe('-12');
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField('=1')).toBe("'=1");
  });

  it('returns the effective limits and stores only the fields given when finance changes them', async () => {
    const stored: Array<Partial<UserLimits>> = [];
    const store = {
      effective: async () => limits,
      update: async (_userId: string, overrides: Partial<UserLimits>) => {
        stored.push(overrides);
        const after = {
          ...limits,
          ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
        };
        return { before: limits, after, auditId: 'aud_1' };
      },
    };

    const got = await getUserLimits(parseGetUserLimitsRequest({ pathParameters: { userId: 'bob' } }, finance), {
      limits: store,
    });
    const put = await putUserLimits(
      parsePutUserLimitsRequest({ pathParameters: { userId: 'bob' }, body: { max_active: 1 } }, finance),
      { limits: store, clock: fixedClock(), logger: fakeLogger() },
    );

    expect(got).toEqual({ user_id: 'bob', budget_micros: 5_000_000, max_active: 3, max_per_day: 10 });
    expect(put).toEqual({ user_id: 'bob', budget_micros: 5_000_000, max_active: 1, max_per_day: 10 });
    expect(stored).toEqual([{ budgetMicros: undefined, maxActive: 1, maxPerDay: undefined }]);
  });

  it('throws ForbiddenError and changes nothing when a finance user sets their own limits', async () => {
    const stored: unknown[] = [];
    const store = {
      update: async () => {
        stored.push('called');
        return { before: limits, after: limits, auditId: 'aud_1' };
      },
    };

    const put = putUserLimits(
      parsePutUserLimitsRequest({ pathParameters: { userId: 'fin' }, body: { budget_micros: 1 } }, finance),
      { limits: store, clock: fixedClock(), logger: fakeLogger() },
    );

    await expect(put).rejects.toBeInstanceOf(ForbiddenError);
    expect(stored).toEqual([]);
  });

  it('passes the caller and the request id to the store as the change', async () => {
    const changes: unknown[] = [];
    const store = {
      update: async (_userId: string, _overrides: Partial<UserLimits>, change: unknown) => {
        changes.push(change);
        return { before: limits, after: limits, auditId: 'aud_1' };
      },
    };

    await putUserLimits(
      parsePutUserLimitsRequest(
        { pathParameters: { userId: 'bob' }, body: { max_active: 1 }, requestContext: { requestId: 'req-9' } },
        finance,
      ),
      { limits: store, clock: fixedClock(), logger: fakeLogger() },
    );

    expect(changes).toEqual([{ actorUserId: 'fin', requestId: 'req-9', at: fixedClock()() }]);
  });

  it.each([
    [{}, null],
    [{ budget_micros: -1 }, 'budget_micros'],
    [{ max_active: 1.5 }, 'max_active'],
    [{ max_per_day: '3' }, 'max_per_day'],
    [{ max_active: 1, extra: true }, 'extra'],
  ])('throws ValidationError when the limits body is %j', (body, param) => {
    const parse = () => parsePutUserLimitsRequest({ pathParameters: { userId: 'bob' }, body }, finance);
    expect(parse).toThrow(ValidationError);
    try {
      parse();
    } catch (error) {
      if (param !== null) expect((error as ValidationError).param).toBe(param);
    }
  });

  it('formats micros as dollars without floating point and neutralises spreadsheet formulas', () => {
    expect(microsToDollars(0)).toBe('0.000000');
    expect(microsToDollars(1)).toBe('0.000001');
    expect(microsToDollars(123_456_789_012)).toBe('123456.789012');
    expect(microsToDollars(-5)).toBe('-0.000005');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('+1')).toBe("'+1");
  });
});
