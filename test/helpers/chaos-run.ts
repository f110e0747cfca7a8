import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { AwsFaultsSnapshot } from '../../local/aws-faults/counters';
import { callApi, emulator, eventually, executionHistory, failedTaskAttempts, type Json, sfnClient } from './api';
import type { LocalStackProcess, StartLocalStackOptions } from './local-stack';
import { checkMoneyInvariants, type RunUser } from './money-invariants';
import { seededRandom } from './random';

/*
 * The chaos run shared by test/integration/chaos/chaos.test.ts (CI-sized) and bench/chaos.ts (the full run): many
 * videos over several users through the HTTP API while LOCAL_AWS_FAULTS injects faults on every AWS service and the
 * provider emulator answers 429 and 5xx bursts, fails some generations and drops some downloads, with random cancels.
 * The client retries a 5xx or dropped create with the same Idempotency-Key, as a real client does. Everything random
 * comes from one seed (printed); which call gets which AWS fault also depends on the order calls arrive in.
 */

/** Size of every emulated MP4: just over one 5 MiB part, so each video is stored as a two-part multipart upload. */
export const CHAOS_VIDEO_BYTES = 5 * 1024 * 1024 + 256 * 1024;
/** A dropped download breaks off inside the second part, after the first part was uploaded (so it must be aborted). */
const DROP_AFTER_BYTES = 5 * 1024 * 1024 + 64 * 1024;
/**
 * How long the first dropped download holds its connection before breaking: time for the store task to create the
 * multipart upload and upload the first part, so every run aborts at least one multipart upload. Without it, a break
 * that came before CreateMultipartUpload answered left nothing to abort, and whether any run aborted one depended on
 * the seed and the machine's load.
 */
const FIRST_DROP_HOLD_MS = 3000;

/** Prompt markers the emulator's job faults match. */
const MARKERS = { normal: 'CHAOS', fail: 'CHAOS FAILGEN', drop: 'CHAOS DROPDL', cancel: 'CHAOS' } as const;
type Kind = keyof typeof MARKERS;
const EVERY_KIND: readonly Kind[] = ['drop', 'fail', 'cancel', 'normal'];

/** What a chaos run is asked to do. */
export interface ChaosOptions {
  seed: number;
  users: number;
  videosPerUser: number;
  /** Creates in flight at once. */
  concurrency: number;
  /** How long all videos may take to become terminal. */
  settleTimeoutMs: number;
  log?: (line: string) => void;
}

/** What a chaos run saw; `problems` lists every broken invariant (empty = the run passed). */
export interface ChaosReport {
  seed: number;
  videos: number;
  users: number;
  outcomes: Record<string, number>;
  /** `dynamodb:throttle`, ..., `provider:429`, `provider:5xx`, `provider:dropped-download`. */
  faultsByKind: Record<string, number>;
  awsRequests: Record<string, number>;
  multipart: AwsFaultsSnapshot['multipart'];
  createRetries: number;
  cancelAnswers: Record<string, number>;
  providerJobs: number;
  chargedMicros: number;
  wallMs: number;
  problems: string[];
}

/** The full run's faults: every AWS fault kind at rate 0.05 on every service (LOCAL_AWS_FAULTS), seeded. */
export function chaosAwsFaults(seed: number): Record<string, unknown> {
  return { rate: 0.05, seed };
}

/**
 * A small run's faults: at 0.05, forty videos make too few calls for every kind to show up (one StartExecution per
 * video, about six S3 calls and five Task invokes, two or three TransactWriteItems), so Step Functions, S3 and
 * Lambda draw more often, and a DynamoDB fault on a TransactWriteItems (faulted at TRANSACTION_RATE_FACTOR times the
 * rate by the proxy) is a transaction conflict nine times in ten (a kind listed more than once is drawn more often).
 * DynamoDB's other calls stay at 0.05.
 */
export function smallChaosAwsFaults(seed: number): Record<string, unknown> {
  // A conflict applies to TransactWriteItems only (about one DynamoDB call in ten): with one kind in two it was drawn
  // about 2.5 times a run and missed in some (seed 416884). Nine in ten of a transaction's faults are conflicts now;
  // other calls draw among the five other kinds exactly as before (same rate, same draws).
  const conflicts = Array.from({ length: 45 }, () => 'transaction-conflict');
  return {
    rate: 0.05,
    seed,
    dynamodb: {
      kinds: ['throughput', 'throttle', 'internal', 'reset', 'lost', ...conflicts],
    },
    s3: { rate: 0.15 },
    sfn: { rate: 0.3 },
    lambda: { rate: 0.15 },
    // A short run reads the secret only a few dozen times (once a second): at 0.3 it drew too few faults for all
    // four kinds in some runs (seed 1405: 20 reads, 3 faults, no `internal`), so its first four reads get one each.
    secretsmanager: { rate: 0.3, every_kind_first: true },
  };
}

/** Local stack options for a chaos run with these LOCAL_AWS_FAULTS. */
export function chaosStackOptions(faults: Record<string, unknown>): StartLocalStackOptions {
  return {
    env: {
      LOCAL_AWS_FAULTS: JSON.stringify(faults),
      EMULATOR_JOB_MS: '1500',
      LOCAL_WAIT_MS: '50',
      // The provider key is read again every second (300 s by default), so Secrets Manager faults land on the
      // pipeline's provider calls instead of on one read per run.
      PROVIDER_SECRET_MAX_AGE_SECONDS: '1',
    },
    readyTimeoutMs: 240_000,
  };
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Runs the chaos scenario against a stack started with `chaosStackOptions` and returns what it saw. */
export async function runChaos(stack: LocalStackProcess, options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const rand = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const problems: string[] = [];
  const run = `c${options.seed}-${Date.now().toString(36)}`;

  const plan = Array.from({ length: options.users }, (_, userIndex) =>
    Array.from({ length: options.videosPerUser }, (_, index) => {
      const roll = rand();
      const rolled: Kind = roll < 0.65 ? 'normal' : roll < 0.77 ? 'fail' : roll < 0.87 ? 'drop' : 'cancel';
      // The first user's first videos are one of each kind, so even a small run has every fault.
      const kind = userIndex === 0 && index < EVERY_KIND.length ? EVERY_KIND[index]! : rolled;
      return {
        userIndex,
        kind,
        key: `${run}-${userIndex}-${index}`,
        body: {
          prompt: `${MARKERS[kind]} ${run} u${userIndex} #${index};`, // ";" ends it: #1 must not match #10
          seconds: pick(['4', '8', '12'] as const),
          model: rand() < 0.3 ? 'sora-2-pro' : 'sora-2',
        },
        cancelAfterMs: Math.floor(rand() * 5000),
      };
    }),
  ).flat();
  // Each drop video's own prompt, in plan order: a drop is armed for one video at a time, so none gets two.
  const dropPrompts = plan.filter((video) => video.kind === 'drop').map((video) => video.body.prompt);

  const finance = await stack.token(`${run}-finance`, ['finance']);
  const users: RunUser[] = await Promise.all(
    Array.from({ length: options.users }, async (_, index) => {
      const userId = `${run}-u${index}`;
      const limits = { budget_micros: 100_000_000_000, max_active: 1000, max_per_day: 10_000 };
      await retried(() =>
        callApi(stack, `/v1/admin/users/${userId}/limits`, { method: 'PUT', token: finance, json: limits }),
      );
      return { userId, token: await stack.token(userId) };
    }),
  );

  await emulator.faults(stack, {
    synthetic_video_bytes: CHAOS_VIDEO_BYTES,
    fail_generation: { match: MARKERS.fail, code: 'moderation_blocked' },
  });
  // Provider 429 and 5xx bursts, re-armed (once the last burst was used) every few creates.
  // A dropped download is armed for one drop video at a time, matched on that video's whole prompt: the emulator's
  // count is shared by every matching job, so a match on the marker alone let one retrying video catch several drops
  // and run out of StoreVideoInS3's attempts.
  const providerArmed = { '429': 0, '5xx': 0, drops: 0 };
  const armProviderBursts = async () => {
    const current = ((await (await fetch(`${stack.emulatorOrigin}/__emulator/faults`)).json()) as Json).faults;
    const patch: Record<string, unknown> = {};
    if (!current.rate_limit_storm) {
      patch.rate_limit_storm = { count: 2, retry_after_seconds: 1 };
      providerArmed['429'] += 2;
    }
    if (!current.error_burst) {
      patch.error_burst = { status: rand() < 0.5 ? 500 : 503, count: 2 };
      providerArmed['5xx'] += 2;
    }
    if (!current.drop_download_after_bytes && providerArmed.drops < dropPrompts.length) {
      patch.drop_download_after_bytes = {
        match: dropPrompts[providerArmed.drops],
        bytes: DROP_AFTER_BYTES,
        count: 1,
        ...(providerArmed.drops === 0 ? { hold_ms: FIRST_DROP_HOLD_MS } : {}),
      };
      providerArmed.drops += 1;
    }
    if (Object.keys(patch).length > 0) await emulator.faults(stack, patch);
  };

  // Create with bounded concurrency; a cancel is fired at a random moment for the cancel kind.
  let createRetries = 0;
  const created: Array<{ id: string; kind: Kind; user: RunUser; prompt: string; cancel?: Promise<number[]> }> = [];
  const queue = [...plan];
  let sent = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const user = users[next.userIndex]!;
        if (sent++ % 5 === 0) await armProviderBursts();
        const { reply, attempts } = await retried(() =>
          callApi(stack, '/v1/videos', {
            method: 'POST',
            token: user.token,
            headers: { 'idempotency-key': next.key },
            json: next.body,
          }),
        );
        createRetries += attempts - 1;
        if (reply.status !== 202 && reply.status !== 200) {
          problems.push(`create ${next.key} answered ${reply.status} ${JSON.stringify(reply.body)}`);
          continue;
        }
        const entry: (typeof created)[number] = { id: reply.body.id, kind: next.kind, user, prompt: next.body.prompt };
        if (next.kind === 'cancel') {
          entry.cancel = sleep(next.cancelAfterMs).then(async () => {
            const { answers } = await retried(() =>
              callApi(stack, `/v1/videos/${entry.id}/cancel`, { method: 'POST', token: user.token, json: {} }),
            );
            return answers;
          });
        }
        created.push(entry);
        if (created.length % 50 === 0) log(`chaos: ${created.length}/${plan.length} videos created`);
      }
    }),
  );
  // Every answer each cancel got (0: the connection dropped), the last one deciding.
  const cancelAnswerLists = await Promise.all(created.map((video) => video.cancel ?? Promise.resolve([0])));
  const cancelStatuses = cancelAnswerLists.map((answers) => answers.at(-1)!);
  const cancelAnswers: Record<string, number> = {};
  cancelStatuses.forEach((status, index) => {
    if (created[index]!.kind !== 'cancel') return;
    cancelAnswers[status] = (cancelAnswers[status] ?? 0) + 1;
    if (status !== 200 && status !== 409) problems.push(`cancel ${created[index]!.id} answered ${status}`);
  });
  log(`chaos: all ${created.length} created (${createRetries} create retries); waiting for terminal states`);

  // Wait (with a deadline) until every video of every user is terminal.
  const videosByUser = new Map<string, Json[]>();
  const ids = new Set(created.map((video) => video.id));
  const kindOf = (id: string) => {
    const index = created.findIndex((video) => video.id === id);
    return index < 0 ? 'not created by the run' : `${created[index]!.kind}, cancel ${cancelAnswerLists[index]}`;
  };
  await eventually(
    'every chaos video reaching a terminal status and settling',
    async () => {
      for (const user of users) {
        const list = await callApi(stack, '/v1/videos?limit=100', { token: user.token });
        if (list.status !== 200) return undefined;
        videosByUser.set(user.userId, list.body.data);
      }
      const listed = [...videosByUser.values()].flat();
      // A video cancelled after the provider accepted its job is terminal at once but settles (charged_micros no
      // longer null) only once the reconciler has the provider's outcome.
      const done = (video: Json) => TERMINAL.has(video.status) && video.cost.charged_micros !== null;
      const settled = listed.filter((video) => ids.has(video.id) && done(video)).length;
      if (settled === ids.size && listed.every(done)) return true;
      // Thrown, so a timeout names what was still open (eventually reports the last error).
      const open = listed.filter((video) => !done(video));
      const unlisted = [...ids].filter((id) => !listed.some((video) => video.id === id));
      throw new Error(
        `${open.length} open: ${open
          .slice(0, 10)
          .map((video) => `${video.id} ${video.status} charged ${video.cost.charged_micros} (${kindOf(video.id)})`)
          .join(', ')}${unlisted.length > 0 ? `; unlisted ${unlisted.join(', ')}` : ''}`,
      );
    },
    { timeoutMs: options.settleTimeoutMs, intervalMs: 3000 },
  );
  const videos = new Map([...videosByUser.values()].flat().map((video) => [video.id as string, video]));

  // Each video ends where it should: a transient fault never fails a video.
  const outcomes: Record<string, number> = {};
  for (const [index, entry] of created.entries()) {
    const video = videos.get(entry.id);
    const status = video?.status ?? 'missing';
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    const cancelled = cancelStatuses[index] === 200;
    // A cancel answered 200 ends the video cancelled; one answered 409 came after the video completed, unless an
    // earlier attempt of that cancel went unanswered (5xx, dropped): then it may have been the one that cancelled.
    const ambiguous = entry.kind === 'cancel' && cancelAnswerLists[index]!.length > 1;
    const expected = entry.kind === 'fail' ? 'failed' : cancelled ? 'cancelled' : 'completed';
    if (status !== expected && !(ambiguous && status === 'cancelled')) {
      problems.push(
        `${entry.id} (${entry.kind}, cancel ${cancelAnswerLists[index]}) ended ${status} ${JSON.stringify(video?.error)}` +
          (status === 'failed' ? `; ${await taskFailures(stack, entry.id)}` : ''),
      );
    } else if (status === 'failed' && video.error?.code !== 'moderation_blocked') {
      problems.push(
        `${entry.id} failed with ${JSON.stringify(video.error)}, not its provider failure; ${await taskFailures(stack, entry.id)}`,
      );
    }
  }

  // A video the client never got back (a create that answered 5xx, then retried) must not have been charged or
  // left running, and must not have failed for a transient fault either.
  for (const video of videos.values()) {
    if (!ids.has(video.id))
      problems.push(`${video.id}: a video the client never got back, ${video.status} ${JSON.stringify(video.error)}`);
  }

  // At most one provider job per video, exactly one per completed video.
  const jobs = await emulator.jobs(stack);
  const jobsByPrompt = new Map<string, number>();
  for (const job of jobs.data) jobsByPrompt.set(job.prompt, (jobsByPrompt.get(job.prompt) ?? 0) + 1);
  for (const entry of created) {
    const count = jobsByPrompt.get(entry.prompt) ?? 0;
    const status = videos.get(entry.id)?.status;
    if (count > 1 || (status === 'completed' && count !== 1)) {
      problems.push(`${entry.id} (${status}) has ${count} provider jobs`);
    }
  }

  // Money adds up.
  const money = await checkMoneyInvariants(stack, finance, users, videosByUser);
  problems.push(...money.problems);

  // No execution left running; every multipart upload completed or aborted.
  const sfn = sfnClient(stack);
  const running = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter: 'RUNNING' }),
  );
  for (const execution of running.executions ?? []) problems.push(`execution ${execution.name} still running`);
  const counters = (await callApi(stack, '/__local/aws-faults')).body as AwsFaultsSnapshot;
  if (counters.multipart.open.length > 0) {
    problems.push(`multipart uploads neither completed nor aborted: ${JSON.stringify(counters.multipart.open)}`);
  }
  if (counters.multipart.completed < (outcomes.completed ?? 0)) {
    problems.push(`${counters.multipart.completed} multipart uploads completed for ${outcomes.completed} videos`);
  }

  // Faults injected, by kind: AWS from the fault layer, the provider's from what the emulator used of what was armed.
  const remaining = ((await (await fetch(`${stack.emulatorOrigin}/__emulator/faults`)).json()) as Json).faults;
  const faultsByKind: Record<string, number> = {
    ...counters.injected,
    'provider:429': providerArmed['429'] - (remaining.rate_limit_storm?.count ?? 0),
    'provider:5xx': providerArmed['5xx'] - (remaining.error_burst?.count ?? 0),
    'provider:dropped-download': providerArmed.drops - (remaining.drop_download_after_bytes?.count ?? 0),
  };
  return {
    seed: options.seed,
    videos: created.length,
    users: options.users,
    outcomes,
    faultsByKind,
    awsRequests: counters.requests,
    multipart: counters.multipart,
    createRetries,
    cancelAnswers,
    providerJobs: jobs.data.length,
    chargedMicros: money.chargedMicros,
    wallMs: Date.now() - started,
    problems,
  };
}

/** Every fault kind the chaos run injects; a run should report each at least once. */
export const CHAOS_FAULT_KINDS = [
  'dynamodb:throughput',
  'dynamodb:throttle',
  'dynamodb:internal',
  'dynamodb:transaction-conflict',
  'dynamodb:reset',
  'dynamodb:lost',
  's3:slowdown',
  's3:internal',
  's3:reset',
  's3:lost',
  'sfn:throttle',
  'sfn:reset',
  'sfn:lost',
  'secretsmanager:throttle',
  'secretsmanager:internal',
  'secretsmanager:reset',
  'secretsmanager:lost',
  'lambda:service',
  'lambda:too-many-requests',
  'lambda:timeout-before',
  'lambda:timeout-after',
  'provider:429',
  'provider:5xx',
  'provider:dropped-download',
] as const;

/**
 * A client's retry: a 5xx answer or a dropped connection is tried again (the same request, so a create keeps its
 * Idempotency-Key), and so is a 409 with Retry-After (the key's first request still in progress), with a growing
 * pause (at least Retry-After), for up to two minutes.
 */
async function retried(
  call: () => Promise<{ status: number; headers?: Headers; body: Json }>,
): Promise<{ reply: { status: number; body: Json }; attempts: number; answers: number[] }> {
  const deadline = Date.now() + 120_000;
  const answers: number[] = [];
  let last: unknown;
  for (let attempt = 1; ; attempt++) {
    let pauseMs = Math.min(200 * 2 ** (attempt - 1), 5000);
    try {
      const reply = await call();
      answers.push(reply.status);
      const retryAfter = Number(reply.headers?.get('retry-after') ?? Number.NaN);
      const inProgress = reply.status === 409 && Number.isFinite(retryAfter);
      if ((reply.status < 500 && !inProgress) || Date.now() > deadline) return { reply, attempts: attempt, answers };
      if (inProgress) pauseMs = Math.max(pauseMs, retryAfter * 1000);
      last = `${reply.status} ${JSON.stringify(reply.body)}`;
    } catch (error) {
      answers.push(0);
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up after ${attempt} attempts: ${String(last)}`);
    await sleep(pauseMs);
  }
}

/** What made a video's execution fail: its failed Task attempts, as the history shows them (for the report). */
async function taskFailures(stack: LocalStackProcess, videoId: string): Promise<string> {
  try {
    const events = await executionHistory(sfnClient(stack), stack.executionArn(videoId));
    return failedTaskAttempts(events)
      .map(({ state, error, cause }) => `${state} ${error}: ${causeSummary(cause)}`)
      .join(' | ');
  } catch (error) {
    return `(no history: ${String(error)})`;
  }
}

/** A Lambda error's message and where it was thrown (its first frames in the repo), not the whole JSON. */
function causeSummary(cause: string | undefined): string {
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: string; trace?: string[] };
    const ours = (parsed.trace ?? []).filter((line) => !line.includes('node_modules')).slice(0, 3);
    return `${parsed.errorMessage} @ ${ours.map((line) => line.trim()).join(' < ')}`;
  } catch {
    return (cause ?? '').slice(0, 300);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One line per figure, for the test's output and bench/RESULTS.md. */
export function describeChaos(report: ChaosReport): string {
  const kinds = Object.entries(report.faultsByKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  return [
    `chaos run (seed ${report.seed}): ${report.videos} videos over ${report.users} users in ${(report.wallMs / 1000).toFixed(0)} s`,
    `outcomes: ${JSON.stringify(report.outcomes)}; cancel answers ${JSON.stringify(report.cancelAnswers)}; create retries ${report.createRetries}`,
    `faults injected: ${kinds}`,
    `AWS requests: ${JSON.stringify(report.awsRequests)}`,
    `multipart: created ${report.multipart.created}, completed ${report.multipart.completed}, aborted ${report.multipart.aborted}, open ${report.multipart.open.length}, orphaned ${report.multipart.orphaned}`,
    `provider jobs ${report.providerJobs}; charged ${report.chargedMicros} micros`,
    `problems: ${report.problems.length === 0 ? 'none' : `\n  ${report.problems.join('\n  ')}`}`,
  ].join('\n');
}
