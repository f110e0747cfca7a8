import type { LimitsStore } from '../../shared/money/limits';
import type { LimitsResource } from '../../shared/money/schemas';
import type { AppLogger } from '../../shared/powertools';
import { unixSeconds } from '../../shared/video';
import type { PutUserLimitsInput } from './schema';

export interface PutUserLimitsDeps {
  limits: Pick<LimitsStore, 'update'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info'>;
}

/** Stores a user's limit overrides (the fields given; the others unchanged); the next create applies them. */
export async function putUserLimits(input: PutUserLimitsInput, deps: PutUserLimitsDeps): Promise<LimitsResource> {
  const { body } = input;
  const limits = await deps.limits.update(
    input.userId,
    { budgetMicros: body.budget_micros, maxActive: body.max_active, maxPerDay: body.max_per_day },
    unixSeconds(deps.clock()),
  );
  // An audit line: who changed whose limits to what.
  deps.logger.info('User limits changed', { changedBy: input.caller.userId, limitsOf: input.userId, change: body });
  return {
    user_id: input.userId,
    budget_micros: limits.budgetMicros,
    max_active: limits.maxActive,
    max_per_day: limits.maxPerDay,
  };
}
