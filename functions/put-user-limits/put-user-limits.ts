import { ForbiddenError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { LimitsStore } from '../../shared/money/limits';
import type { LimitsResource, LimitsUpdateBody } from '../../shared/money/schemas';
import type { AppLogger } from '../../shared/observability/powertools';

/** What PUT /v1/admin/users/{userId}/limits asks for. */
export interface PutUserLimitsInput {
  caller: Caller;
  userId: string;
  body: LimitsUpdateBody;
  /** The request's id, for the audit record. */
  requestId: string | null;
}

export interface PutUserLimitsDeps {
  limits: Pick<LimitsStore, 'update'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info'>;
}

/**
 * Stores a user's limit overrides (the fields given; the others unchanged) with an audit record of who changed
 * what from what to what, in one transaction; the next create applies them. Nobody sets their own limits (403): a
 * finance user raising their own budget is exactly what the four-eyes rule is for.
 */
export async function putUserLimits(input: PutUserLimitsInput, deps: PutUserLimitsDeps): Promise<LimitsResource> {
  if (input.userId === input.caller.userId) {
    throw new ForbiddenError('You cannot change your own limits; ask another finance user');
  }
  const { body } = input;
  const { after, auditId } = await deps.limits.update(
    input.userId,
    { budgetMicros: body.budget_micros, maxActive: body.max_active, maxPerDay: body.max_per_day },
    { actorUserId: input.caller.userId, requestId: input.requestId, at: deps.clock() },
  );
  deps.logger.info('User limits changed', { changedBy: input.caller.userId, limitsOf: input.userId, auditId });
  return {
    user_id: input.userId,
    budget_micros: after.budgetMicros,
    max_active: after.maxActive,
    max_per_day: after.maxPerDay,
  };
}
