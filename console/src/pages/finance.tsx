import { useState } from 'preact/hooks';
import { api, currentMonth, dollars, download } from '../api';
import type { Session } from '../auth';
import { BarChart } from '../chart';
import { useLoad } from '../hooks';
import type { AuditRecord, CostReport, Ledger, Limits } from '../types';

/**
 * Finance: a month's charges per user as a bar chart and a table (the figures of GET /v1/admin/costs, unchanged),
 * its CSV, one user's ledger and provider costs, their limits, and the audit trail.
 */
export function FinancePage({ session }: { session: Session }) {
  const [month, setMonth] = useState(currentMonth());
  const [user, setUser] = useState<string>();
  const costsPath = `/v1/admin/costs?month=${month}`;
  const report = useLoad(costsPath, () => api<CostReport>(session.token, costsPath));
  const rows = report.value?.data ?? [];
  return (
    <section>
      <h2>Finance</h2>
      <div class="row">
        <label>
          Month <input type="month" name="month" value={month} onChange={(e) => setMonth(e.currentTarget.value)} />
        </label>
        <button
          type="button"
          onClick={() => download(session.token, `${costsPath}&format=csv`, `reelflow-costs-${month}.csv`)}
        >
          Download CSV
        </button>
      </div>
      {report.error && <p class="error">{report.error}</p>}
      {report.value && (
        <>
          <BarChart
            title={`Charged per user, ${report.value.month}`}
            labels={rows.map((row) => row.user_id)}
            values={rows.map((row) => row.charged_micros / 1_000_000)}
          />
          <table class="costs">
            <thead>
              <tr>
                <th>User</th>
                <th>Videos</th>
                <th>Seconds</th>
                <th>Charged</th>
                <th>Reserved</th>
                <th>Provider cost</th>
                <th>AWS cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.user_id} data-user-id={row.user_id}>
                  <td>
                    <button type="button" class="link" onClick={() => setUser(row.user_id)}>
                      {row.user_id}
                    </button>
                  </td>
                  <td>{row.videos}</td>
                  <td>{row.seconds}</td>
                  <td data-micros={row.charged_micros}>{dollars(row.charged_micros)}</td>
                  <td>{dollars(row.reserved_micros)}</td>
                  <td>{dollars(row.provider_cost_micros)}</td>
                  <td>{dollars(row.aws_cost_micros)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr class="totals" data-charged-micros={report.value.totals.charged_micros}>
                <th>Total</th>
                <td>{report.value.totals.videos}</td>
                <td>{report.value.totals.seconds}</td>
                <td>{dollars(report.value.totals.charged_micros)}</td>
                <td>{dollars(report.value.totals.reserved_micros)}</td>
                <td>{dollars(report.value.totals.provider_cost_micros)}</td>
                <td>{dollars(report.value.totals.aws_cost_micros)}</td>
              </tr>
            </tfoot>
          </table>
        </>
      )}
      {user && <UserLedger session={session} userId={user} month={month} />}
      <AuditTrail session={session} userId={user} />
    </section>
  );
}

function UserLedger({ session, userId, month }: { session: Session; userId: string; month: string }) {
  const path = `/v1/admin/costs?${new URLSearchParams({ month, user_id: userId })}`;
  const ledger = useLoad(path, () => api<Ledger>(session.token, path));
  const limitsPath = `/v1/admin/users/${encodeURIComponent(userId)}/limits`;
  const limits = useLoad(limitsPath, () => api<Limits>(session.token, limitsPath));
  const [budget, setBudget] = useState('');
  const [message, setMessage] = useState<string>();

  async function saveBudget(event: Event) {
    event.preventDefault();
    try {
      await api<Limits>(session.token, limitsPath, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ budget_micros: Math.round(Number(budget) * 1_000_000) }),
      });
      setMessage('saved');
      limits.reload();
    } catch (error) {
      setMessage((error as Error).message);
    }
  }

  return (
    <div class="panel">
      <h3>
        Ledger of <code>{userId}</code>, {month}
      </h3>
      {ledger.error && <p class="error">{ledger.error}</p>}
      <table>
        <thead>
          <tr>
            <th>Video</th>
            <th>Entry</th>
            <th>Model</th>
            <th>Seconds</th>
            <th>Amount</th>
            <th>Charged at</th>
          </tr>
        </thead>
        <tbody>
          {ledger.value?.data.map((entry) => (
            <tr key={entry.video_id}>
              <td>
                <code>{entry.video_id}</code>
              </td>
              <td>{entry.entry}</td>
              <td>
                {entry.model} {entry.size}
              </td>
              <td>{entry.seconds}</td>
              <td>{dollars(entry.amount_micros)}</td>
              <td>{new Date(entry.charged_at * 1000).toISOString()}</td>
            </tr>
          ))}
          {ledger.value?.provider_costs.map((entry) => (
            <tr key={`provider-${entry.video_id}`} class="provider-cost">
              <td>
                <code>{entry.video_id}</code>
              </td>
              <td>provider cost ({entry.video_status})</td>
              <td />
              <td>{entry.seconds}</td>
              <td>{dollars(entry.provider_cost_micros)}</td>
              <td />
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() => download(session.token, `${path}&format=csv`, `reelflow-costs-${month}-${userId}.csv`)}
      >
        Download ledger CSV
      </button>
      <h3>Limits</h3>
      {limits.error && <p class="error">{limits.error}</p>}
      {limits.value && (
        <form class="row" onSubmit={saveBudget}>
          <span>
            budget {dollars(limits.value.budget_micros)}/month, {limits.value.max_active} at once,{' '}
            {limits.value.max_per_day} a day
          </span>
          <input
            name="budget"
            type="number"
            min="0"
            step="0.01"
            placeholder="new budget (USD)"
            value={budget}
            onInput={(e) => setBudget(e.currentTarget.value)}
          />
          <button type="submit">Set budget</button>
          {message && <span class="note">{message}</span>}
        </form>
      )}
    </div>
  );
}

function AuditTrail({ session, userId }: { session: Session; userId: string | undefined }) {
  const path = `/v1/admin/audit?${new URLSearchParams(userId ? { user_id: userId, limit: '50' } : { limit: '50' })}`;
  const audit = useLoad(path, () => api<{ data: AuditRecord[] }>(session.token, path));
  return (
    <div class="panel">
      <h3>Audit trail{userId ? ` of ${userId}` : ', this month'}</h3>
      {audit.error && <p class="error">{audit.error}</p>}
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>About</th>
            <th>Before → after</th>
          </tr>
        </thead>
        <tbody>
          {audit.value?.data.map((record) => (
            <tr key={record.id}>
              <td>{new Date(record.created_at * 1000).toISOString()}</td>
              <td>{record.actor_user_id}</td>
              <td>{record.action}</td>
              <td>{record.video_id ?? record.user_id}</td>
              <td>
                <code>{JSON.stringify(record.old_values)}</code> → <code>{JSON.stringify(record.new_values)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
