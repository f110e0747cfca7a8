import { formatAudit, formatReport } from '../format';
import { type CommandContext, print } from './context';

/** `usage [--month YYYY-MM]`: the caller's own month. */
export async function usageCommand(options: { month?: string }, context: CommandContext): Promise<void> {
  print(context, await context.client.usage(options.month), formatReport);
}

export interface CostsOptions {
  month: string;
  user?: string;
  csv?: boolean;
}

/** `costs --month YYYY-MM [--user ID] [--csv]`: per-user totals (role finance); the CSV is printed as it came. */
export async function costsCommand(options: CostsOptions, context: CommandContext): Promise<void> {
  const query = { month: options.month, user_id: options.user };
  if (options.csv) {
    const csv = await context.client.costsCsv(query);
    context.stdout.write(csv.endsWith('\n') ? csv : `${csv}\n`);
    return;
  }
  print(context, await context.client.costs(query), formatReport);
}

export interface AuditOptions {
  user?: string;
  month?: string;
  limit?: string;
  after?: string;
}

/** `audit [--user ID] [--month YYYY-MM] [--limit N] [--after CURSOR]`: changes of users' limits, newest first (role finance). */
export async function auditCommand(options: AuditOptions, context: CommandContext): Promise<void> {
  const query = { user_id: options.user, month: options.month, limit: options.limit, after: options.after };
  print(context, await context.client.audit(query), formatAudit);
}
