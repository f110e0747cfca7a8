import type { LimitsStore } from '../../shared/money/limits';
import type { LimitsResource } from '../../shared/money/schemas';

/** What GET /v1/admin/users/{userId}/limits asks for. */
export interface GetUserLimitsInput {
  userId: string;
}

export interface GetUserLimitsDeps {
  limits: Pick<LimitsStore, 'effective'>;
}

/** The limits that apply to a user: their overrides over the deployment defaults. */
export async function getUserLimits(input: GetUserLimitsInput, deps: GetUserLimitsDeps): Promise<LimitsResource> {
  const limits = await deps.limits.effective(input.userId);
  return {
    user_id: input.userId,
    budget_micros: limits.budgetMicros,
    max_active: limits.maxActive,
    max_per_day: limits.maxPerDay,
  };
}
