import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { executionTimeline, type StateVisit } from '../shared/pipeline/execution-timeline';
import { POLL_POLICY, type PollStrategy } from '../shared/pipeline/poll-policy';
import {
  callApi,
  emulator,
  executionArnOf,
  executionHistory,
  sfnClient,
  waitForTerminalVideo,
} from '../test/helpers/api';
import { startLocalStackProcess } from '../test/helpers/local-stack';
import { runLine, withDeadline, writeResultsSection } from './support';

/**
 * `npm run bench -- pipeline-latency [--repeats N] [--scale S] [--paths backoff,progress,webhook] [--jobs 30s,2min,10min]`:
 * how soon the pipeline notices a finished provider job, and what it costs in state transitions and provider requests,
 * for emulated jobs of 30 s, 2 min and 10 min, along each path on its own local stack under LOCAL_TIME_SCALE (default
 * 0.5: a 10-minute job runs 5 min; at 0.1 the real time of each poll task, which does not shrink, counts ten times over
 * in the emulated job and moves polls visibly later on a loaded machine). The paths: the growing poll schedule
 * (POLL_STRATEGY=backoff) and progress-aware polling, both with PROVIDER_WEBHOOKS=off, and the provider's webhook
 * (PROVIDER_WEBHOOKS=on: the emulator signs and sends its events to the local receiver; progress-aware polling after
 * the wait's timeout, which the scale shrinks too). Figures per video and the done-when checks of a 2-minute job go to
 * bench/RESULTS.md (polling: lag to `completed` ≤ 10 % of the job time and ≤ 25 state transitions; webhook: p50 lag
 * to `completed` ≤ 2 s and ≤ 12 state transitions). A run of some paths only writes its own section.
 *
 * Times are unscaled: each lag is read from the execution's history, the part spent in WaitBeforePoll divided by the
 * scale (it is the part the scale shrank), the rest (tasks, transitions, storing, the webhook's delivery) counted as
 * it ran, since it did not shrink.
 */
const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    scale: { type: 'string', default: '0.5' },
    paths: { type: 'string', default: 'backoff,progress,webhook' },
    jobs: { type: 'string', default: '30s,2min,10min' },
  },
});
const repeats = Number(values.repeats);
const scale = Number(values.scale);
type LatencyPath = PollStrategy | 'webhook';
const ALL_JOBS = [
  { key: '30s', label: '30 s', ms: 30_000 },
  { key: '2min', label: '2 min', ms: 120_000 },
  { key: '10min', label: '10 min', ms: 600_000 },
] as const;
const ALL_PATHS: LatencyPath[] = ['backoff', 'progress', 'webhook'];
const JOBS = ALL_JOBS.filter((job) => values.jobs.split(',').includes(job.key));
const STRATEGIES = ALL_PATHS.filter((path) => values.paths.split(',').includes(path));
if (JOBS.length === 0 || STRATEGIES.length === 0) throw new Error('--paths and --jobs must name at least one each');
/** The provider's webhook wakes the execution here (the receiver's SendTaskSuccess ends the visit). */
const WEBHOOK_STATE = 'WaitForProviderWebhook';

interface VideoFigures {
  strategy: LatencyPath;
  job: string;
  jobMs: number;
  videoId: string;
  status: string;
  polls: number;
  transitions: number;
  providerRequests: number;
  /** Unscaled ms from the emulator finishing the job to the poll that saw it. */
  detectionMs: number;
  /** Unscaled ms from the emulator finishing the job to RecordCompletion having made the video `completed`. */
  completedMs: number;
  /**
   * Real ms per poll iteration spent outside WaitBeforePoll (the poll task, transitions): it does not shrink with the
   * scale, so in the emulated job's time it counts 1 ÷ scale times over, which moves polls later in the job.
   */
  overheadMs: number;
}

async function runStrategy(
  strategy: LatencyPath,
): Promise<{ videos: VideoFigures[]; requests: Record<string, number> }> {
  const stack = await startLocalStackProcess({
    env: {
      LOCAL_WAIT_MS: '',
      LOCAL_TIME_SCALE: String(scale),
      POLL_STRATEGY: strategy === 'webhook' ? 'progress' : strategy,
      PROVIDER_WEBHOOKS: strategy === 'webhook' ? 'on' : 'off',
      // The deployed webhook wait (the test stacks' 10 s would hand webhook-path videos to polling early).
      PROVIDER_WEBHOOK_WAIT_SECONDS: undefined,
    },
    readyTimeoutMs: 240_000,
  });
  try {
    const token = await stack.token(`bench-latency-${strategy}`);
    const run = Date.now().toString(36);
    const created: Array<{ videoId: string; prompt: string; job: (typeof JOBS)[number] }> = [];
    for (const job of JOBS) {
      // One job_ms fault at a time: set it, create this duration's videos, wait until the emulator has them all.
      const tag = `[latency ${run} ${job.label}]`;
      await emulator.faults(stack, { job_ms: { ms: job.ms, match: tag, count: repeats } });
      for (let index = 0; index < repeats; index++) {
        const prompt = `A kite over hills ${tag} #${index}`;
        const reply = await callApi(stack, '/v1/videos', {
          method: 'POST',
          token,
          json: { prompt, seconds: '4', size: '1280x720' },
        });
        if (reply.status !== 202) throw new Error(`create answered ${reply.status}: ${JSON.stringify(reply.body)}`);
        created.push({ videoId: reply.body.id, prompt, job });
      }
      await withDeadline(
        `the emulator receiving the ${job.label} creates`,
        60_000,
        (async () => {
          while ((await emulator.jobs(stack)).data.filter((j) => j.prompt.includes(tag)).length < repeats) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })(),
      );
    }
    const longest = Math.max(...JOBS.map((job) => job.ms)) * scale;
    const finals = await Promise.all(
      created.map(({ videoId }) => waitForTerminalVideo(stack, token, videoId, longest * 3 + 120_000)),
    );
    const jobs = await emulator.jobs(stack);
    const sfn = sfnClient(stack);
    const videos: VideoFigures[] = [];
    for (const [index, { videoId, prompt, job }] of created.entries()) {
      const providerJob = jobs.data.find((j) => j.prompt === prompt);
      const visits = executionTimeline(await executionHistory(sfn, executionArnOf(stack, videoId)));
      videos.push({
        strategy,
        job: job.label,
        jobMs: job.ms,
        videoId,
        status: finals[index].status,
        ...figures(visits, providerJob?.finished_at_ms ?? Number.NaN),
      });
    }
    sfn.destroy();
    return { videos, requests: jobs.requests ?? {} };
  } catch (error) {
    console.log(`--- last local stack output ---\n${stack.output().slice(-6000)}`);
    throw error;
  } finally {
    await stack.stop();
  }
}

/** A video's counts and lags from its execution's state visits and the emulator's finish time (epoch ms). */
function figures(
  visits: StateVisit[],
  finishedAtMs: number,
): Pick<VideoFigures, 'polls' | 'transitions' | 'providerRequests' | 'detectionMs' | 'completedMs' | 'overheadMs'> {
  const attempts = (name: string) =>
    visits.filter((visit) => visit.name === name).reduce((sum, visit) => sum + Math.max(1, visit.attempts), 0);
  const polls = attempts('PollGenerationJob');
  // A create, every poll, three downloads (video, thumbnail, spritesheet) per StoreVideoInS3 attempt, and the one
  // retrieve of the job by the receiver (or the waiting step) per webhook wait. A reader's progress reads while the
  // execution waits are not in the history: the emulator's counters per run have them.
  const webhookWaits = visits.filter((visit) => visit.name === WEBHOOK_STATE);
  const providerRequests =
    attempts('CreateGenerationJob') + polls + 3 * attempts('StoreVideoInS3') + webhookWaits.length;
  // The webhook path sees the finish when its wait ends after the job finished (the receiver woke it); else (the
  // polling path, or a wait that timed out before the finish) the last poll does.
  const woken = webhookWaits.at(-1)?.endedAt ?? null;
  const lastPoll = visits.filter((visit) => visit.name === 'PollGenerationJob').at(-1)?.endedAt ?? Number.NaN;
  const detectedAt = woken !== null && woken >= finishedAtMs ? woken : lastPoll;
  const completedAt = visits.find((visit) => visit.name === 'RecordCompletion')?.endedAt ?? Number.NaN;
  const unscaled = (until: number) => {
    let waited = 0;
    for (const visit of visits) {
      if (visit.name !== 'WaitBeforePoll' || visit.endedAt === null) continue;
      waited += Math.max(0, Math.min(visit.endedAt, until) - Math.max(visit.startedAt, finishedAtMs));
    }
    return waited / scale + (until - finishedAtMs - waited);
  };
  const waits = visits.filter((visit) => visit.name === 'WaitBeforePoll');
  const waited = waits.reduce((sum, visit) => sum + ((visit.endedAt ?? visit.startedAt) - visit.startedAt), 0);
  const loopMs = detectedAt - (waits[0]?.startedAt ?? detectedAt);
  return {
    overheadMs: (loopMs - waited) / Math.max(1, polls),
    polls,
    transitions: visits.length,
    providerRequests,
    detectionMs: unscaled(detectedAt),
    completedMs: unscaled(completedAt),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const loadBefore = loadavg()[0]!;
console.log(`pipeline-latency: ${repeats} video(s) per job length and strategy, LOCAL_TIME_SCALE=${scale}`);
const results: Array<{ strategy: LatencyPath; videos: VideoFigures[]; requests: Record<string, number> }> = [];
for (const strategy of STRATEGIES) {
  console.log(`${strategy}: starting a local stack...`);
  const result = await runStrategy(strategy);
  results.push({ strategy, ...result });
  for (const video of result.videos) {
    console.log(
      `  ${video.job.padEnd(6)} ${video.videoId} ${video.status} polls ${video.polls} transitions ${video.transitions} ` +
        `provider requests ${video.providerRequests} detection ${seconds(video.detectionMs)} s, completed +${seconds(video.completedMs)} s ` +
        `(overhead ${video.overheadMs.toFixed(0)} ms real per poll)`,
    );
  }
}

const rows = results.flatMap(({ videos }) => videos);
const summary = STRATEGIES.flatMap((strategy) =>
  JOBS.map((job) => {
    const group = rows.filter((row) => row.strategy === strategy && row.job === job.label);
    const pct = (ms: number) => `${((100 * ms) / job.ms).toFixed(1)} %`;
    const completed = group.map((row) => row.completedMs);
    return (
      `| ${strategy} | ${job.label} | ${group.filter((row) => row.status === 'completed').length}/${group.length} | ` +
      `${median(group.map((row) => row.polls))} (${Math.max(...group.map((row) => row.polls))}) | ` +
      `${median(group.map((row) => row.transitions))} (${Math.max(...group.map((row) => row.transitions))}) | ` +
      `${median(group.map((row) => row.providerRequests))} (${Math.max(...group.map((row) => row.providerRequests))}) | ` +
      `${seconds(median(group.map((row) => row.detectionMs)))} (${seconds(Math.max(...group.map((row) => row.detectionMs)))}) | ` +
      `${seconds(median(completed))} (${seconds(Math.max(...completed))}) | ${pct(median(completed))} (${pct(Math.max(...completed))}) |`
    );
  }),
);
const verdicts: string[] = [];
let passed = true;
const twoMinutes = rows.filter((row) => row.strategy === 'progress' && row.jobMs === 120_000);
if (twoMinutes.length > 0) {
  const worstLag = Math.max(...twoMinutes.map((row) => row.completedMs / row.jobMs));
  const worstTransitions = Math.max(...twoMinutes.map((row) => row.transitions));
  const ok = twoMinutes.every((row) => row.status === 'completed') && worstLag <= 0.1 && worstTransitions <= 25;
  passed &&= ok;
  verdicts.push(
    `Done-when (progress-aware, 2-minute jobs, every video): lag to \`completed\` ≤ 10 % of the job time and ≤ 25 state ` +
      `transitions: worst ${(100 * worstLag).toFixed(1)} %, ${worstTransitions} transitions: **${ok ? 'pass' : 'FAIL'}**.`,
  );
}
const twoMinuteHooks = rows.filter((row) => row.strategy === 'webhook' && row.jobMs === 120_000);
if (twoMinuteHooks.length > 0) {
  const p50 = median(twoMinuteHooks.map((row) => row.completedMs));
  const worstTransitions = Math.max(...twoMinuteHooks.map((row) => row.transitions));
  const ok = twoMinuteHooks.every((row) => row.status === 'completed') && p50 <= 2000 && worstTransitions <= 12;
  passed &&= ok;
  verdicts.push(
    `Done-when (webhook, 2-minute jobs): p50 lag to \`completed\` ≤ 2 s and at most 12 state transitions (the ` +
      `admission gate's included): p50 ${seconds(p50)} s, at most ${worstTransitions} transitions: **${ok ? 'pass' : 'FAIL'}**.`,
  );
}
const verdict = verdicts.join('\n\n');
console.log(summary.join('\n'));
console.log(verdict);

const allPaths = STRATEGIES.length === ALL_PATHS.length;
writeResultsSection(allPaths ? 'pipeline-latency' : `pipeline-latency-${STRATEGIES.join('-')}`, [
  `## pipeline-latency: how soon a finished provider job is noticed (${STRATEGIES.join(', ')})`,
  '',
  `Command: \`npm run bench -- pipeline-latency --repeats ${repeats} --scale ${scale} --paths ${STRATEGIES.join(',')} --jobs ${JOBS.map((job) => job.key).join(',')}\``,
  '',
  `${runLine(loadBefore)}; ${cpus().length} cores shared, load average ${loadavg()[0]!.toFixed(2)} at the end.`,
  '',
  `Each path runs on its own local stack (\`POLL_STRATEGY=backoff\` or \`progress\` with \`PROVIDER_WEBHOOKS=off\`; \`webhook\`: \`PROVIDER_WEBHOOKS=on\`) with \`LOCAL_TIME_SCALE=${scale}\`:`,
  "the engine's waits, the emulator's job durations (set per job with its `job_ms` fault) and its rate window shrink",
  `together. ${repeats} video(s) per job length, created together. Per video: PollGenerationJob attempts (provider`,
  'retrieves), state transitions (states entered, the whole execution), provider requests (create + polls + 3 downloads',
  "per store, + the receiver's one retrieve per webhook wait), detection lag (the emulator finishing the job → the poll",
  'that saw it, or the end of WaitForProviderWebhook) and the lag to `completed` (→',
  'RecordCompletion done: what the API shows), in unscaled seconds: the time spent in WaitBeforePoll counted ÷ the',
  'scale, the rest (tasks, transitions, storing the MP4) as it ran. Cells: median (max).',
  `Policy: POLL_POLICY (initial ${POLL_POLICY.initialWaitSeconds} s × ${POLL_POLICY.growthFactor}ⁿ up to ${POLL_POLICY.maxWaitSeconds} s, ` +
    `jitter ${POLL_POLICY.jitterRatio}; progress-aware: min ${POLL_POLICY.minWaitSeconds} s, margin ${POLL_POLICY.finishMarginSeconds} s).`,
  '',
  '| strategy | job | completed | polls | transitions | provider requests | detection lag (s) | lag to completed (s) | lag ÷ job time |',
  '| -------- | --- | --------: | ----: | ----------: | ----------------: | ----------------: | -------------------: | -------------: |',
  ...summary,
  '',
  verdict,
  '',
  `Real time per poll iteration outside WaitBeforePoll (poll task + transitions; it does not shrink with the scale, so`,
  `polls land later in the emulated job than they would in AWS): median ${STRATEGIES.map((strategy) => `${strategy} ${median(rows.filter((row) => row.strategy === strategy).map((row) => row.overheadMs)).toFixed(0)} ms`).join(', ')}.`,
  '',
  `Emulator request counters per run: ${results.map(({ strategy, requests }) => `${strategy} ${JSON.stringify(requests)}`).join('; ')}.`,
  '',
  '<details><summary>Per video</summary>',
  '',
  '| strategy | job | video | polls | transitions | provider requests | detection lag (s) | lag to completed (s) | overhead per poll (real ms) |',
  '| -------- | --- | ----- | ----: | ----------: | ----------------: | ----------------: | -------------------: | --------------------------: |',
  ...rows.map(
    (row) =>
      `| ${row.strategy} | ${row.job} | ${row.videoId} | ${row.polls} | ${row.transitions} | ${row.providerRequests} | ` +
      `${seconds(row.detectionMs)} | ${seconds(row.completedMs)} | ${row.overheadMs.toFixed(0)} |`,
  ),
  '',
  '</details>',
]);
process.exit(passed ? 0 : 1);
