import type { Caller } from '../../shared/http/types';
import { monthOf } from '../../shared/money/calendar';
import type { LimitsStore } from '../../shared/money/limits';
import type { CostReports } from '../../shared/money/reports';
import type { UsageQuery, UsageResource } from '../../shared/money/schemas';

/** What GET /v1/usage asks for. */
export interface GetUsageInput {
  caller: Caller;
  query: UsageQuery;
}

export interface GetUsageDeps {
  reports: Pick<CostReports, 'usage' | 'activeCount'>;
  limits: Pick<LimitsStore, 'effective'>;
  clock: () => Date;
}

/** The caller's own usage in a month (default: the current UTC month) with the limits that apply to them. */
export async function getUsage(input: GetUsageInput, deps: GetUsageDeps): Promise<UsageResource> {
  const { userId } = input.caller;
  const month = input.query.month ?? monthOf(deps.clock());
  const [usage, active, limits] = await Promise.all([
    deps.reports.usage(userId, month),
    deps.reports.activeCount(userId),
    deps.limits.effective(userId),
  ]);
  return {
    object: 'usage',
    user_id: userId,
    month,
    currency: 'USD',
    videos: usage.videos,
    seconds: usage.seconds,
    charged_micros: usage.chargedMicros,
    cancelled_charged_micros: usage.cancelledChargedMicros,
    cancelled_videos: usage.cancelledVideos,
    reserved_micros: usage.reservedMicros,
    budget_micros: limits.budgetMicros,
    active_videos: active,
    max_active: limits.maxActive,
    max_per_day: limits.maxPerDay,
  };
}
