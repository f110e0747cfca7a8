import { createHash } from 'node:crypto';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  callApi,
  emulator,
  eventually,
  executionArnOf,
  executionHistory,
  failedTaskAttempts,
  sfnClient,
  waitForExecutionEnd,
  waitForTerminalVideo,
} from '../../helpers/api';
import { inspectMp4 } from '../../helpers/iso-bmff';
import { useLocalStack } from '../../helpers/local-stack';

// The whole pipeline through the HTTP API against the local stack (DynamoDB Local, s3rver, the provider emulator
// and the local engine running the synthesized ASL), with the emulator's faults injected. Every fault is matched
// to the test's own prompt, except `synthetic_video_bytes` (global, restored as soon as the test's job exists), so
// jobs of other test files running at the same time are not hit; the tests in this file run one after another.
const stack = useLocalStack();
const sfn = sfnClient(stack);

afterAll(() => sfn.destroy());
afterEach(async () => {
  await emulator.faults(stack, {
    rate_limit_storm: null,
    error_burst: null,
    synthetic_video_bytes: null,
    drop_download_after_bytes: null,
  });
});

/** A prompt no other test uses, so job-targeted faults and job counts concern this test only. */
function uniquePrompt(label: string): string {
  return `${label} ${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

async function createVideo(token: string, body: Record<string, unknown>) {
  const reply = await callApi(stack, '/v1/videos', { method: 'POST', token, json: body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return reply.body.id as string;
}

async function jobsFor(prompt: string) {
  const { data } = await emulator.jobs(stack);
  return data.filter((job) => job.prompt === prompt);
}

async function download(token: string, videoId: string): Promise<Buffer> {
  const redirect = await callApi(stack, `/v1/videos/${videoId}/content`, { token });
  expect(redirect.status).toBe(302);
  const response = await fetch(redirect.headers.get('location')!);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Each failed task attempt of an execution as `State: Error`. */
function taskFailures(events: HistoryEvent[]): string[] {
  return failedTaskAttempts(events).map(({ state, error }) => `${state}: ${error}`);
}

/** The happy path's states in order, the wait-and-poll loop any number of times. */
const HAPPY_PATH = new RegExp(
  [
    // The provider's webhook wakes the wait (or, lost or late, the wait times out into the polls).
    '^CreateGenerationJob,IsProviderRateLimited(?:,DoesProviderSendWebhooks)?',
    '(?:,WaitForProviderWebhook)?(?:,WaitBeforePoll)?,PollGenerationJob,IsGenerationFinished',
    '(?:,WaitBeforePoll,PollGenerationJob,IsGenerationFinished)*',
    ',StoreVideoInS3,RecordCompletion,VideoReady$',
  ].join(''),
);

describe('video pipeline through the HTTP API', () => {
  it('stores the exact MP4 the provider made and reports its sha256 when the job completes', async () => {
    const token = await stack.token(`pipeline-happy-${Date.now()}`);
    const prompt = uniquePrompt('A red kite over green hills');

    const videoId = await createVideo(token, { prompt, size: '1280x720', seconds: '4' });
    const video = await waitForTerminalVideo(stack, token, videoId);
    const bytes = await download(token, videoId);

    expect(video.status).toBe('completed');
    const [job] = await jobsFor(prompt);
    expect(job?.content?.sha256).toBeDefined();
    expect(sha256(bytes)).toBe(job!.content!.sha256);
    expect(video.content).toMatchObject({ content_type: 'video/mp4', bytes: bytes.length, sha256: sha256(bytes) });
    const mp4 = inspectMp4(bytes);
    expect(mp4).toMatchObject({ width: 1280, height: 720, durationSeconds: 4 });
    const events = await executionHistory(sfn, executionArnOf(stack, videoId));
    const entered = events.flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
    expect(entered.join(',')).toMatch(HAPPY_PATH);
    expect(taskFailures(events)).toEqual([]);
  });

  it('completes after a 429 storm hits the create, with exactly one provider job', async () => {
    const token = await stack.token(`pipeline-429-${Date.now()}`);
    const prompt = uniquePrompt('A storm of requests');
    await emulator.faults(stack, { rate_limit_storm: { count: 4, retry_after_seconds: 1, match: prompt } });

    const videoId = await createVideo(token, { prompt });
    const video = await waitForTerminalVideo(stack, token, videoId);

    expect(video.status).toBe('completed');
    expect(await jobsFor(prompt)).toHaveLength(1);
    const events = await executionHistory(sfn, executionArnOf(stack, videoId));
    // The storm answers only this job's requests: the create meets all four 429s, and each one is waited out in
    // WaitForProviderRateLimit (the provider's retry-after) instead of using up a retry; no task attempt failed.
    // (Before the rate-limit loop: four retried CreateGenerationJob: RetryableProviderError.)
    const entered = events.flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
    expect(entered.filter((name) => name === 'WaitForProviderRateLimit')).toHaveLength(4);
    expect(entered.filter((name) => name === 'CreateGenerationJob')).toHaveLength(5);
    expect(taskFailures(events)).toEqual([]);
  });

  it('completes when the provider answers a burst of 500s while the job is read (by the receiver, readers or polls)', async () => {
    const token = await stack.token(`pipeline-500-${Date.now()}`);
    const prompt = uniquePrompt('A burst while polling');

    await emulator.faults(stack, { error_burst: { status: 500, count: 3, routes: ['retrieve'], match: prompt } });

    const videoId = await createVideo(token, { prompt });
    const video = await waitForTerminalVideo(stack, token, videoId);

    expect(video.status).toBe('completed');
    const events = await executionHistory(sfn, executionArnOf(stack, videoId));
    // The burst answers only this job's reads: the webhook receiver's (it answers 5xx and the wait times out into
    // the polls), a reader's progress read (the stored progress answers) or a poll's (a retried error of the poll).
    // The wait's timeout into the polls is the fallback working, not a failure of the job's reads.
    const failures = taskFailures(events).filter((failure) => !failure.startsWith('WaitForProviderWebhook'));
    expect(failures.length).toBeLessThanOrEqual(3);
    expect(new Set(failures)).toEqual(
      new Set(failures.length === 0 ? [] : ['PollGenerationJob: RetryableProviderError']),
    );
    const { faults } = (await (await fetch(`${stack.emulatorOrigin}/__emulator/faults`)).json()) as {
      faults: Record<string, unknown>;
    };
    expect(faults.error_burst).toBeUndefined();
  });

  it('retries a download dropped half-way and stores every byte once', async () => {
    const token = await stack.token(`pipeline-drop-${Date.now()}`);
    const prompt = uniquePrompt('A download that breaks');
    const size = 20 * 1024 * 1024;
    await emulator.faults(stack, {
      synthetic_video_bytes: size,
      drop_download_after_bytes: { match: prompt, bytes: size / 2, count: 1 },
    });

    const videoId = await createVideo(token, { prompt });
    // The provider job is created asynchronously by the pipeline; keep the synthetic size until it exists.
    await eventually('the provider job existing', async () => ((await jobsFor(prompt)).length > 0 ? true : undefined));
    await emulator.faults(stack, { synthetic_video_bytes: null });
    const video = await waitForTerminalVideo(stack, token, videoId, 90_000);

    expect(video.status).toBe('completed');
    const [job] = await jobsFor(prompt);
    expect(video.content).toMatchObject({ bytes: size, sha256: job?.content?.sha256 });
    const bytes = await download(token, videoId);
    expect(bytes.length).toBe(size);
    expect(sha256(bytes)).toBe(job?.content?.sha256);
    const events = await executionHistory(sfn, executionArnOf(stack, videoId));
    const errors = events.flatMap(
      (event) => event.taskFailedEventDetails?.error ?? event.lambdaFunctionFailedEventDetails?.error ?? [],
    );
    expect(errors).toContain('DownloadInterruptedError');
  }, 120_000);

  it('fails the video as timed_out when the job never finishes', async () => {
    // The 10 s webhook wait, then all 150 polls (each a gate token, a slot renewal and a video update): 11 s on a
    // quiet machine, over 60 s on a loaded one, hence the deadlines.
    const token = await stack.token(`pipeline-never-${Date.now()}`);
    const prompt = uniquePrompt('A job that never ends');
    await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });

    const videoId = await createVideo(token, { prompt });
    const video = await waitForTerminalVideo(stack, token, videoId, 210_000);
    const execution = await waitForExecutionEnd(sfn, executionArnOf(stack, videoId));

    expect(video).toMatchObject({ status: 'failed', error: { code: 'timed_out' }, cost: { charged_micros: 0 } });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'GenerationTimedOutError' });
    expect(execution.cause).toBeTruthy();
  }, 240_000);

  it('makes exactly one provider job when the connection drops right after the provider accepted the create', async () => {
    const token = await stack.token(`pipeline-crash-${Date.now()}`);
    const prompt = uniquePrompt('A create whose answer is lost');
    await emulator.faults(stack, { drop_after_create: { match: prompt, count: 1 } });

    const videoId = await createVideo(token, { prompt });
    const video = await waitForTerminalVideo(stack, token, videoId);

    expect(video.status).toBe('completed');
    expect(await jobsFor(prompt)).toHaveLength(1);
  });
});
