import { type AuditList, type AuditLog, toAuditRecordResource } from '../../shared/audit/audit';
import { listPage } from '../../shared/http/responses';
import { monthOf } from '../../shared/money/calendar';
import type { AuditQuery } from '../../shared/money/schemas';

/** What GET /v1/admin/audit asks for. */
export interface GetAuditInput {
  query: AuditQuery;
  /** Only the records of what this user did: an operator reads their own actions; finance reads everyone's. */
  actorUserId?: string;
}

export interface GetAuditDeps {
  audit: Pick<AuditLog, 'list'>;
  clock: () => Date;
}

/**
 * The audit trail, newest first: with `user_id`, the records about that user (every month, or `month` only);
 * without, every user's records of `month` (default: the current UTC month). `after` is the previous page's
 * `next_cursor`. With `actorUserId` (an operator's view), only the records of what that caller did.
 */
export async function getAudit(input: GetAuditInput, deps: GetAuditDeps): Promise<AuditList> {
  const { user_id: userId, month, limit, after } = input.query;
  const selection =
    userId === undefined
      ? { month: month ?? monthOf(deps.clock()) }
      : { userId, ...(month === undefined ? {} : { month }) };
  const page = await deps.audit.list(selection, {
    limit,
    ...(after === undefined ? {} : { after }),
    ...(input.actorUserId === undefined ? {} : { actorUserId: input.actorUserId }),
  });
  return listPage(page.records.map(toAuditRecordResource), page.nextCursor);
}
