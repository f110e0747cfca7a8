import type { ApiResult } from '../../shared/http/types';
import { monthOf } from '../../shared/money/calendar';
import { microsToDollars, toCsv } from '../../shared/money/csv';
import type { CostReports, MonthUsage } from '../../shared/money/reports';
import type { CostsQuery } from '../../shared/money/schemas';

/** What GET /v1/admin/costs asks for. */
export interface GetCostsInput {
  query: CostsQuery;
}

export interface GetCostsDeps {
  reports: Pick<CostReports, 'monthUsages' | 'ledger'>;
  clock: () => Date;
}

/** A cost report: JSON (an object to serialise) or CSV (a finished document). */
export type CostsReply = { format: 'json'; body: unknown } | { format: 'csv'; filename: string; body: string };

const USAGE_FIELDS = [
  'videos',
  'seconds',
  'chargedMicros',
  'reservedMicros',
  'providerCostMicros',
  'awsCostMicros',
] as const;

function usageTotals(usages: MonthUsage[]) {
  const sum = (field: (typeof USAGE_FIELDS)[number]) => usages.reduce((total, usage) => total + usage[field], 0);
  return {
    videos: sum('videos'),
    seconds: sum('seconds'),
    charged_micros: sum('chargedMicros'),
    reserved_micros: sum('reservedMicros'),
    provider_cost_micros: sum('providerCostMicros'),
    aws_cost_micros: sum('awsCostMicros'),
  };
}

const userRow = (usage: MonthUsage) => ({ user_id: usage.userId, ...usageTotals([usage]) });

/**
 * Finance's cost report for a month (default: the current UTC month): every user's totals (index gsi2), or with
 * `user_id` that user's ledger entries and provider costs. `format=csv` gives the per-user totals (or the user's
 * ledger) as CSV: a header row, one row per user (or video), amounts in dollars with 6 decimals, a total row.
 */
export async function getCosts(input: GetCostsInput, deps: GetCostsDeps): Promise<CostsReply> {
  const month = input.query.month ?? monthOf(deps.clock());
  const userId = input.query.user_id;
  if (userId === undefined) {
    const usages = (await deps.reports.monthUsages(month)).sort((a, b) => a.userId.localeCompare(b.userId));
    const totals = usageTotals(usages);
    if (input.query.format === 'csv') {
      const money = (micros: number) => microsToDollars(micros);
      const row = (label: string, t: ReturnType<typeof usageTotals>) => [
        label,
        month,
        t.videos,
        t.seconds,
        money(t.charged_micros),
        money(t.reserved_micros),
        money(t.provider_cost_micros),
        money(t.aws_cost_micros),
      ];
      return {
        format: 'csv',
        filename: `reelflow-costs-${month}.csv`,
        body: toCsv(
          ['user_id', 'month', 'videos', 'seconds', 'charged_usd', 'reserved_usd', 'provider_cost_usd', 'aws_cost_usd'],
          [...usages.map((usage) => row(usage.userId, userRow(usage))), row('TOTAL', totals)],
        ),
      };
    }
    return {
      format: 'json',
      body: { object: 'cost_report', month, currency: 'USD', data: usages.map(userRow), totals },
    };
  }

  const { entries, providerCosts } = await deps.reports.ledger(userId, month);
  const charged = entries.reduce((total, entry) => total + entry.amountMicros, 0);
  const aws = entries.reduce((total, entry) => total + entry.awsCostMicros, 0);
  const seconds = entries.reduce((total, entry) => total + entry.seconds, 0);
  const provider = providerCosts.reduce((total, entry) => total + entry.providerCostMicros, 0);
  if (input.query.format === 'csv') {
    const header = ['video_id', 'month', 'model', 'size', 'seconds', 'unit_price_usd', 'price_version', 'amount_usd'];
    // Provider costs (jobs the provider billed after reelflow gave up on them, never charged to the user) are rows
    // of their own, told apart by `entry`, so the user's CSV holds every dollar the JSON report does; a charge for a
    // cancelled video the provider finished anyway is `cancelled_charge`.
    return {
      format: 'csv',
      filename: `reelflow-costs-${month}-${userId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
      body: toCsv(
        [...header, 'aws_cost_usd', 'charged_at', 'provider_cost_usd', 'entry'],
        [
          ...entries.map((entry) => [
            entry.videoId,
            month,
            entry.model,
            entry.size,
            entry.seconds,
            microsToDollars(entry.unitPriceMicros),
            entry.priceVersion,
            microsToDollars(entry.amountMicros),
            microsToDollars(entry.awsCostMicros),
            new Date(entry.chargedAt * 1000).toISOString(),
            '',
            entry.kind,
          ]),
          ...providerCosts.map((entry) => [
            entry.videoId,
            month,
            entry.model,
            entry.size,
            entry.seconds,
            '',
            '',
            '',
            '',
            new Date(entry.recordedAt * 1000).toISOString(),
            microsToDollars(entry.providerCostMicros),
            'provider_cost',
          ]),
          [
            'TOTAL',
            month,
            '',
            '',
            seconds,
            '',
            '',
            microsToDollars(charged),
            microsToDollars(aws),
            '',
            microsToDollars(provider),
            '',
          ],
        ],
      ),
    };
  }
  return {
    format: 'json',
    body: {
      object: 'cost_report',
      month,
      user_id: userId,
      currency: 'USD',
      data: entries.map((entry) => ({
        video_id: entry.videoId,
        entry: entry.kind,
        model: entry.model,
        size: entry.size,
        seconds: entry.seconds,
        unit_price_micros: entry.unitPriceMicros,
        price_version: entry.priceVersion,
        amount_micros: entry.amountMicros,
        aws_cost_micros: entry.awsCostMicros,
        charged_at: entry.chargedAt,
      })),
      provider_costs: providerCosts.map((entry) => ({
        video_id: entry.videoId,
        model: entry.model,
        size: entry.size,
        seconds: entry.seconds,
        provider_cost_micros: entry.providerCostMicros,
        video_status: entry.videoStatus,
        recorded_at: entry.recordedAt,
      })),
      totals: {
        videos: entries.length,
        seconds,
        charged_micros: charged,
        aws_cost_micros: aws,
        provider_cost_micros: provider,
      },
    },
  };
}

/** The HTTP answer for a report: JSON, or CSV as a download. */
export function costsResponse(reply: CostsReply): ApiResult {
  if (reply.format === 'json') {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(reply.body),
    };
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${reply.filename}"`,
    },
    body: reply.body,
  };
}
