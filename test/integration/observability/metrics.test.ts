import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, emulator, eventually, waitForTerminalVideo } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';

/*
 * The metrics the alarms read, as the functions emit them: a stack of its own with LOCAL_METRICS=1, so every
 * function prints its EMF JSON lines on stdout and only this file's videos are counted. A moderation block must
 * show in the business metric by code and never in the infrastructure count that pages; a provider failure that
 * is not a refusal must show in both. The `service` dimension is not checked: locally every function shares one
 * process and so one Powertools Metrics singleton, whose service is the first function's.
 */

let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { LOCAL_METRICS: '1' } });
});
afterAll(async () => {
  await stack?.stop();
});

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [key: string]: unknown;
}

/** Every EMF line the stack printed so far. */
function emfLines(): EmfLine[] {
  return stack
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as EmfLine];
      } catch {
        return [];
      }
    });
}

/** The sum of `name` over every EMF line, optionally only lines whose dimension values match `dimensions`. */
function total(name: string, dimensions: Record<string, string> = {}): number {
  return emfLines()
    .filter((line) => line._aws.CloudWatchMetrics.some((set) => set.Metrics.some((metric) => metric.Name === name)))
    .filter((line) => Object.entries(dimensions).every(([key, value]) => line[key] === value))
    .reduce((sum, line) => {
      const value = line[name];
      const values = Array.isArray(value) ? (value as number[]) : [value as number];
      return sum + values.reduce((a, b) => a + b, 0);
    }, 0);
}

async function failedVideo(code: string): Promise<void> {
  const prompt = `metrics ${code} ${Date.now()}`;
  await emulator.faults(stack, { fail_generation: { match: prompt, code, count: 1 } });
  const token = await stack.token(`metrics-${code}-${Date.now()}`);
  const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt } });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const video = await waitForTerminalVideo(stack, token, created.body.id as string);
  expect(video).toMatchObject({ status: 'failed', error: { code } });
  // The video turns failed inside RecordFailure; its metrics are printed when the handler returns.
  await eventually(`RecordFailure's metrics for ${code}`, async () =>
    total('VideosFailedByCode', { ErrorCode: code }) > 0 ? true : undefined,
  );
}

describe('metrics emitted locally', () => {
  it('counts a moderation block by code only, and a provider failure as infrastructure too', async () => {
    await failedVideo('moderation_blocked');

    expect(total('VideosFailedByCode', { ErrorCode: 'moderation_blocked' })).toBe(1);
    expect(total('FailuresRecorded')).toBe(1);
    expect(total('VideosFailedInfrastructure')).toBe(0);

    await failedVideo('server_error');

    expect(total('VideosFailedByCode', { ErrorCode: 'server_error' })).toBe(1);
    expect(total('VideosFailedInfrastructure')).toBe(1);
    expect(total('FailuresRecorded')).toBe(2);
    expect(total('VideosFailed')).toBe(2);
  });

  it('measures the provider where it answers: latency and 429s', async () => {
    const prompt = `metrics 429 ${Date.now()}`;
    await emulator.faults(stack, { rate_limit_storm: { count: 2, retry_after_seconds: 1, match: prompt } });
    const before = total('ProviderRateLimited');
    const token = await stack.token(`metrics-429-${Date.now()}`);
    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt } });
    expect(created.status).toBe(202);

    const video = await waitForTerminalVideo(stack, token, created.body.id as string);

    expect(video.status).toBe('completed');
    expect(total('ProviderRateLimited') - before).toBe(2);
    expect(total('ProviderAuthFailures')).toBe(0);
    expect(
      emfLines().some((line) => typeof line.ProviderLatency === 'number' || Array.isArray(line.ProviderLatency)),
    ).toBe(true);
    expect(total('CompletionDetectionLagSeconds')).toBeGreaterThanOrEqual(0);
  });
});
