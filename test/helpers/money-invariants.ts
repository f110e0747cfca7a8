import { microsToDollars } from '../../shared/money/csv';
import { callApi, type Json } from './api';
import type { LocalStackClient } from './local-stack';

/** A user of a run: its id and a token the stack accepts. */
export interface RunUser {
  userId: string;
  token: string;
}

/** What the money checks found: totals to print, and every broken invariant as a sentence (empty = all hold). */
export interface MoneyCheck {
  chargedMicros: number;
  providerCostMicros: number;
  awsCostMicros: number;
  problems: string[];
}

/** The current UTC month, YYYY-MM. */
export const currentMonth = () => new Date().toISOString().slice(0, 7);

/**
 * A video made from another one is priced at what the provider generates from it: a remix or an edit regenerates the
 * source as delivered (its `seconds`, the stitched length of an extended one), an extension only what it adds; at
 * the source's price per second (same model and size). Compared cross-multiplied, in whole micros.
 */
function checkDerivedPrices(own: readonly Json[], check: (ok: boolean, problem: () => string) => void): void {
  const byId = new Map(own.map((video) => [video.id as string, video]));
  const sourceOf = (video: Json): Json | undefined => byId.get(video.derived_from?.video_id);
  const generated = (video: Json): number =>
    video.derived_from?.kind === 'extension'
      ? Number(video.seconds) - Number(sourceOf(video)?.seconds)
      : Number(video.seconds);
  for (const video of own) {
    const source = sourceOf(video);
    if (source === undefined) continue;
    if (video.derived_from.kind !== 'extension') {
      check(
        video.seconds === source.seconds,
        () => `${video.id} (${video.derived_from.kind}) lasts ${video.seconds}s, its source ${source.seconds}s`,
      );
    }
    check(
      video.cost.estimated_micros * generated(source) === source.cost.estimated_micros * generated(video),
      () =>
        `${video.id} (${video.derived_from.kind}, ${generated(video)}s generated) estimated ` +
        `${video.cost.estimated_micros}; its source ${source.cost.estimated_micros} for ${generated(source)}s`,
    );
  }
}

/**
 * The money invariants once every video of `users` is terminal (`videosByUser`: their video resources), through the
 * HTTP API only: per user and in total, ledger (finance costs route) = monthly usage aggregates = the sum of the
 * videos' `charged_micros`; one ledger entry per charged video, each carrying an AWS-side cost; a completed video is
 * charged its estimate, a failed one 0, a cancelled one 0 or (the provider finished its job) its estimate, once;
 * nothing reserved or active; a video made from another (remix, edit, extension) is priced at what the provider
 * generates: a remix or an edit lasts its source as delivered (an extended source's stitched length) and costs it,
 * an extension costs only what it adds, at its source's price per second. Call it once every video is settled (`charged_micros` not null). Then the month's report over all users and its
 * CSV agree. Returns the problems instead of asserting, so a vitest test and a bench script share it.
 */
export async function checkMoneyInvariants(
  stack: LocalStackClient,
  financeToken: string,
  users: readonly RunUser[],
  videosByUser: ReadonlyMap<string, Json[]>,
  month = currentMonth(),
): Promise<MoneyCheck> {
  const problems: string[] = [];
  const check = (ok: boolean, problem: () => string) => {
    if (!ok) problems.push(problem());
  };
  let ledgerTotal = 0;
  let usageTotal = 0;
  let videoTotal = 0;
  for (const user of users) {
    const own = videosByUser.get(user.userId) ?? [];
    const usageReply = await callApi(stack, `/v1/usage?month=${month}`, { token: user.token });
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${user.userId}`, {
      token: financeToken,
    });
    if (usageReply.status !== 200 || costs.status !== 200) {
      problems.push(`${user.userId}: usage ${usageReply.status}, costs ${costs.status}`);
      continue;
    }
    const usage = usageReply.body;
    const entries = costs.body.data as Array<{ video_id: string; amount_micros: number; aws_cost_micros: number }>;
    const ledgerIds = entries.map((entry) => entry.video_id).sort();
    check(new Set(ledgerIds).size === ledgerIds.length, () => `${user.userId}: a video has two ledger entries`);
    for (const entry of entries) {
      check(entry.aws_cost_micros > 0, () => `${entry.video_id}: ledger entry without AWS-side cost`);
    }
    const charged = own.filter((video) => (video.cost.charged_micros ?? 0) > 0);
    check(
      JSON.stringify(ledgerIds) === JSON.stringify(charged.map((video) => video.id).sort()),
      () => `${user.userId}: ledger ${ledgerIds.join(',')} is not the charged videos ${charged.map((v) => v.id)}`,
    );
    for (const video of own) {
      if (video.status === 'completed') {
        check(
          video.cost.charged_micros === video.cost.estimated_micros,
          () => `${video.id} completed but charged ${video.cost.charged_micros} of ${video.cost.estimated_micros}`,
        );
      } else if (video.status === 'failed') {
        check(video.cost.charged_micros === 0, () => `${video.id} failed but charged ${video.cost.charged_micros}`);
      } else if (video.status === 'cancelled') {
        // 0, or its price once when the provider finished the job after the cancel; never left unsettled.
        check(
          video.cost.charged_micros === 0 || video.cost.charged_micros === video.cost.estimated_micros,
          () => `${video.id} cancelled but charged ${video.cost.charged_micros} of ${video.cost.estimated_micros}`,
        );
      }
      const entry = entries.find((candidate) => candidate.video_id === video.id);
      if (entry) {
        check(
          entry.amount_micros === video.cost.charged_micros,
          () => `${video.id}: ledger ${entry.amount_micros} vs charged ${video.cost.charged_micros}`,
        );
      }
    }
    checkDerivedPrices(own, check);
    const ledgerSum = entries.reduce((total, entry) => total + entry.amount_micros, 0);
    const videoSum = own.reduce((total, video) => total + (video.cost.charged_micros ?? 0), 0);
    check(
      ledgerSum === videoSum && usage.charged_micros === videoSum,
      () => `${user.userId}: ledger ${ledgerSum}, usage ${usage.charged_micros}, videos ${videoSum}`,
    );
    check(
      usage.reserved_micros === 0 && usage.active_videos === 0 && usage.videos === charged.length,
      () =>
        `${user.userId}: reserved ${usage.reserved_micros}, active ${usage.active_videos}, ` +
        `videos ${usage.videos} (charged ${charged.length})`,
    );
    ledgerTotal += ledgerSum;
    usageTotal += usage.charged_micros;
    videoTotal += videoSum;
  }
  check(
    ledgerTotal === videoTotal && usageTotal === videoTotal,
    () => `total: ledger ${ledgerTotal}, usage ${usageTotal}, videos ${videoTotal}`,
  );

  // The month's report for all users (gsi2) and its CSV agree with the above.
  const report = await callApi(stack, `/v1/admin/costs?month=${month}`, { token: financeToken });
  const totals = report.body?.totals ?? {};
  check(report.status === 200, () => `month report answered ${report.status}`);
  check(report.body?.data?.length === users.length, () => `month report has ${report.body?.data?.length} users`);
  check(
    totals.charged_micros === videoTotal && totals.reserved_micros === 0,
    () => `month report totals ${JSON.stringify(totals)} vs charged ${videoTotal}`,
  );
  const csv = await fetch(`${stack.baseUrl}/v1/admin/costs?month=${month}&format=csv`, {
    headers: { authorization: `Bearer ${financeToken}` },
  });
  const lines = (await csv.text()).split('\r\n');
  check(csv.headers.get('content-type') === 'text/csv; charset=utf-8', () => 'CSV content type');
  check(
    lines[0] === 'user_id,month,videos,seconds,charged_usd,reserved_usd,provider_cost_usd,aws_cost_usd' &&
      lines.at(-1) === '' &&
      lines.length === users.length + 3,
    () => `CSV shape: ${lines.length} lines, header ${lines[0]}`,
  );
  const total = lines.at(-2)?.split(',') ?? [];
  check(
    total[0] === 'TOTAL' && total[1] === month && total[4] === microsToDollars(videoTotal) && total[5] === '0.000000',
    () => `CSV total row ${total.join(',')} vs ${microsToDollars(videoTotal)}`,
  );
  const rowSum = lines
    .slice(1, -2)
    .map((line) => Math.round(Number(line.split(',')[4]) * 1_000_000))
    .reduce((sum, micros) => sum + micros, 0);
  check(rowSum === videoTotal, () => `CSV rows sum to ${rowSum}, videos to ${videoTotal}`);
  return {
    chargedMicros: videoTotal,
    providerCostMicros: totals.provider_cost_micros ?? 0,
    awsCostMicros: totals.aws_cost_micros ?? 0,
    problems,
  };
}
