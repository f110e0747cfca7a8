import { callApi, emulator, type Json } from './api';
import type { LocalStackClient } from './local-stack';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** What one admission run (many videos created at once against a limited provider) produced. */
export interface AdmissionRunResult {
  /** Final status of each video, by video id. */
  statuses: Record<string, string>;
  /** Error codes of the failed videos, with their counts. */
  failureCodes: Record<string, number>;
  completed: number;
  /** The most jobs the emulator saw running at once. */
  maxRunningJobs: number;
  /** Requests the emulator received per route (429s included). */
  requests: Record<string, number>;
  /** Wall-clock time from the first create to the last terminal video, in ms (benchmarks only; never asserted). */
  elapsedMs: number;
  /** Completion times (ms since the first create), sorted (benchmarks only). */
  completedAtMs: number[];
}

/**
 * Creates `videos` videos spread over `users` users all at once through the HTTP API, waits (each video with a
 * deadline) until every one is terminal, and reads what the emulator saw. Prompts start with `label` so the
 * emulator's jobs of this run can be told apart.
 */
export async function runAdmission(
  stack: LocalStackClient,
  options: {
    label: string;
    users: number;
    videos: number;
    timeoutMs: number;
    pollIntervalMs?: number;
    /** Creates in flight at once (default: all): hundreds at once would only measure the local API's one process. */
    createConcurrency?: number;
  },
): Promise<AdmissionRunResult> {
  const tokens = await Promise.all(
    Array.from({ length: options.users }, (_, i) => stack.token(`${options.label}-user-${i}-${Date.now()}`)),
  );
  const started = Date.now();
  const create = async (i: number) => {
    const token = tokens[i % tokens.length]!;
    const reply = await callApi(stack, '/v1/videos', {
      method: 'POST',
      token,
      json: { prompt: `${options.label} video ${i}`, size: '1280x720', seconds: '4' },
    });
    if (reply.status !== 202) throw new Error(`create ${i} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return { token, videoId: reply.body.id as string };
  };
  const created: Array<{ token: string; videoId: string }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.videos, options.createConcurrency ?? options.videos) }, async () => {
      while (next < options.videos) created.push(await create(next++));
    }),
  );
  // One list call per user and round (not one GET per video): hundreds of videos must not load the API they measure.
  const completedAtMs: number[] = [];
  const finals = new Map<string, Json>();
  const byToken = new Map<string, Set<string>>();
  for (const { token, videoId } of created) byToken.set(token, (byToken.get(token) ?? new Set()).add(videoId));
  const deadline = started + options.timeoutMs;
  while (finals.size < created.length) {
    if (Date.now() > deadline) {
      throw new Error(
        `${created.length - finals.size} of ${created.length} videos not terminal within ${options.timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1000));
    for (const [token, ids] of byToken) {
      const reply = await callApi(stack, '/v1/videos?limit=100', { token });
      for (const video of (reply.body?.data ?? []) as Json[]) {
        if (!ids.has(video.id) || finals.has(video.id) || !TERMINAL.has(video.status)) continue;
        finals.set(video.id, video);
        if (video.status === 'completed') completedAtMs.push(Date.now() - started);
      }
    }
  }
  const elapsedMs = Date.now() - started;
  const jobs = (await emulator.jobs(stack)) as Awaited<ReturnType<typeof emulator.jobs>> & {
    max_running_jobs?: number;
  };
  const failureCodes: Record<string, number> = {};
  for (const video of finals.values()) {
    if (video.status !== 'failed') continue;
    const code = String(video.error?.code ?? 'unknown');
    failureCodes[code] = (failureCodes[code] ?? 0) + 1;
  }
  return {
    statuses: Object.fromEntries([...finals.values()].map((video) => [video.id, video.status])),
    failureCodes,
    completed: [...finals.values()].filter((video) => video.status === 'completed').length,
    maxRunningJobs: jobs.max_running_jobs ?? -1,
    requests: jobs.requests ?? {},
    elapsedMs,
    completedAtMs: completedAtMs.sort((a, b) => a - b),
  };
}
