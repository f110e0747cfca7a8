import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../local/provider-emulator/index';
import type { RunningEmulator } from '../../../local/provider-emulator/server';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import type { Catalogue, CatalogueModel } from '../../../shared/catalogue/schema';
import { type ApiReply, callApi, eventually } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';

// A deployment's own catalogue, with no code change: a stack started with REELFLOW_CATALOGUE offering a model of its
// own (kite-fast, routed to the provider's sora-2) creates, prices and charges it as configured. Restarted on the same
// data with that model removed and sora-2's price changed, the videos it admitted are untouched: the completed one
// reads the same, and one still running at the provider through the restart completes and is charged the price it
// was admitted at. The provider is an emulator this file runs, so its jobs outlive the stack.

/** The model the deployment adds: sora-2's fields under its own id, one size, two lengths, its own price. */
const kiteFast: CatalogueModel = {
  ...structuredClone(DEFAULT_CATALOGUE.models[0]!),
  id: 'kite-fast',
  seconds: ['4', '8'],
  sizes: ['1280x720'],
  default_seconds: '8',
  default_size: '1280x720',
  capabilities: { image_input: false, remix: true, edit: false, extend: false },
  price: { currency: 'USD', micros_per_second: { '1280x720': 250_000 } },
  route: [
    { provider: 'openai', model: 'sora-2', cost: { currency: 'USD', micros_per_second: { '1280x720': 90_000 } } },
  ],
};
const withKites: Catalogue = { price_version: 'kites-1', models: [...DEFAULT_CATALOGUE.models, kiteFast] };
/** The next catalogue: kite-fast removed, sora-2 dearer, a new price version. */
const withoutKites: Catalogue = {
  price_version: 'kites-2',
  models: DEFAULT_CATALOGUE.models.map((model) =>
    model.id === 'sora-2'
      ? { ...model, price: { currency: 'USD', micros_per_second: { '720x1280': 150_000, '1280x720': 150_000 } } }
      : model,
  ),
};

const RUN = `catalogue-${Date.now()}`;
let dataDir: string;
let provider: RunningEmulator;
let stack: LocalStackProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-catalogue-'));
  provider = await startEmulator({ port: 0, jobMs: 1500 });
});

afterAll(async () => {
  await stack?.stop();
  await provider?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A stack on this file's data and provider with `catalogue` as its REELFLOW_CATALOGUE. */
async function start(catalogue: Catalogue, name: string): Promise<LocalStackProcess> {
  const file = join(dataDir, `${name}.json`);
  await writeFile(file, JSON.stringify(catalogue));
  return startLocalStackProcess({
    dataDir,
    readyTimeoutMs: 240_000,
    env: {
      REELFLOW_CATALOGUE: file,
      PROVIDER_BASE_URL: provider.url,
      PROVIDER_API_KEY: provider.apiKey,
      // This provider sends no webhooks: the pipeline polls, on the growing schedule alone, time-scaled (waits of 0.5 s
      // growing to 6 s): the running video's 150 polls then last many minutes of uptime whatever its job's progress
      // predicts, so they outlast a restart on a busy machine.
      PROVIDER_WEBHOOKS: 'off',
      POLL_STRATEGY: 'backoff',
      LOCAL_WAIT_MS: undefined,
      LOCAL_TIME_SCALE: '0.1',
      LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
    },
  });
}

async function control(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${provider.origin}/__emulator/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
  return response.json();
}

/** The provider's jobs whose prompt is `prompt`. */
async function providerJobs(prompt: string): Promise<Array<{ model: string; seconds: string; size: string }>> {
  const { data } = (await control('jobs')) as {
    data: Array<{ prompt: string; model: string; seconds: string; size: string }>;
  };
  return data.filter((job) => job.prompt === prompt);
}

/** The video once `done(status)` holds; failing, with the video and its execution's last events. */
async function videoWhen(running: LocalStackProcess, token: string, id: string, done: (status: string) => boolean) {
  try {
    return await eventually(
      `video ${id} reaching the expected status`,
      async () => {
        const reply = await callApi(running, `/v1/videos/${id}`, { token });
        return done(reply.body?.status) ? reply.body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnosis(running, token, id)}`);
  }
}

/** The video as it stands and the last events of its execution. */
async function diagnosis(running: LocalStackProcess, token: string, id: string): Promise<string> {
  const video = await callApi(running, `/v1/videos/${id}`, { token });
  const sfn = new SFNClient({
    endpoint: running.sfnEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const executionArn = running.executionArn(id);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const events = (history.events ?? []).slice(-12).map((event) => {
      const { type, timestamp, ...details } = event;
      return `${timestamp?.toISOString()} ${type} ${JSON.stringify(details).slice(0, 300)}`;
    });
    return `video: ${JSON.stringify(video.body)}\nexecution: ${execution.status}\n${events.join('\n')}`;
  } finally {
    sfn.destroy();
  }
}

/** The user's ledger entry of `videoId` this month (GET /v1/admin/costs?user_id=, role finance). */
async function ledgerEntry(running: LocalStackProcess, userId: string, videoId: string) {
  const finance = await running.token(`${RUN}-finance`, ['finance']);
  const month = new Date().toISOString().slice(0, 7);
  const reply = await callApi(running, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });
  expect(reply.status).toBe(200);
  return (reply.body.data as Array<{ video_id: string }>).find((entry) => entry.video_id === videoId);
}

const create = (running: LocalStackProcess, token: string, json: Record<string, unknown>): Promise<ApiReply> =>
  callApi(running, '/v1/videos', { method: 'POST', token, json });

describe('a catalogue override (REELFLOW_CATALOGUE)', () => {
  it('creates, prices and charges a model it adds as configured, and leaves its videos untouched once it is removed', async () => {
    const user = `${RUN}-user`;
    const completedPrompt = `${RUN} A kite over the dunes`;
    const runningPrompt = `${RUN} A kite in a storm`;

    // Act (1): the catalogue that adds kite-fast.
    stack = await start(withKites, 'with-kites');
    let token = await stack.token(user);
    const models = await callApi(stack, '/v1/models', { token });
    const offered = await callApi(stack, '/v1/models/kite-fast', { token });
    const completed = await create(stack, token, { prompt: completedPrompt, model: 'kite-fast' });
    const refused = await create(stack, token, { prompt: `${RUN} Never made`, model: 'kite-fast', seconds: '12' });
    const done = await videoWhen(stack, token, completed.body.id, (status) => status === 'completed');
    // The second stays running at the provider until this test ends it, after the restart.
    await control('faults', { never_finish: { match: runningPrompt } });
    const running = await create(stack, token, { prompt: runningPrompt, model: 'kite-fast', seconds: '4' });
    await videoWhen(stack, token, running.body.id, (status) => status === 'in_progress');
    const completedEntry = await ledgerEntry(stack, user, completed.body.id);
    const bannerBefore = stack.output();

    // Assess (1)
    expect(bannerBefore).toMatch(
      /^ {2}catalogue: .*with-kites\.json \(REELFLOW_CATALOGUE\), prices kites-1: .*kite-fast \(openai\)$/m,
    );
    expect(models.body.data.map((model: { id: string }) => model.id)).toEqual(['sora-2', 'sora-2-pro', 'kite-fast']);
    expect(offered.body).toMatchObject({
      id: 'kite-fast',
      seconds: ['4', '8'],
      sizes: ['1280x720'],
      price: { currency: 'USD', micros_per_second: { '1280x720': 250_000 } },
      providers: ['openai'],
    });
    expect(completed.status).toBe(202);
    expect(completed.body).toMatchObject({
      model: 'kite-fast',
      seconds: '8',
      size: '1280x720',
      provider: 'openai',
      cost: { estimated_micros: 2_000_000 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ param: 'seconds', message: 'seconds must be one of 4, 8' });
    expect(done.cost).toEqual({ currency: 'USD', estimated_micros: 2_000_000, charged_micros: 2_000_000 });
    expect(completedEntry).toMatchObject({
      model: 'kite-fast',
      seconds: 8,
      unit_price_micros: 250_000,
      price_version: 'kites-1',
      amount_micros: 2_000_000,
    });
    // The provider made it as its own sora-2.
    expect(await providerJobs(completedPrompt)).toEqual([
      expect.objectContaining({ model: 'sora-2', seconds: '8', size: '1280x720' }),
    ]);
    expect(running.body.cost.estimated_micros).toBe(1_000_000);

    // Act (2): the same data restarted with kite-fast removed and sora-2 at $0.15 a second.
    await stack.stop();
    stack = undefined;
    stack = await start(withoutKites, 'without-kites');
    token = await stack.token(user);
    const after = await callApi(stack, `/v1/videos/${completed.body.id}`, { token });
    const modelsAfter = await callApi(stack, '/v1/models', { token });
    const gone = await callApi(stack, '/v1/models/kite-fast', { token });
    const createGone = await create(stack, token, { prompt: `${RUN} Never made either`, model: 'kite-fast' });
    const remixGone = await callApi(stack, `/v1/videos/${completed.body.id}/remix`, {
      method: 'POST',
      token,
      json: { prompt: `${RUN} The kite at dusk` },
    });
    const dearer = await create(stack, token, { prompt: `${RUN} A boat`, model: 'sora-2', seconds: '4' });
    expect(await control('jobs/finish', { match: runningPrompt, status: 'completed' })).toMatchObject({
      finished: [expect.any(String)],
    });
    const finished = await videoWhen(stack, token, running.body.id, (status) => status === 'completed');
    const finishedEntry = await ledgerEntry(stack, user, running.body.id);

    // Assess (2): the admitted videos keep their model, provider and price; the catalogue only governs new ones.
    expect(after.status).toBe(200);
    expect(after.body).toEqual(done);
    expect(modelsAfter.body.data.map((model: { id: string }) => model.id)).toEqual(['sora-2', 'sora-2-pro']);
    expect(gone.status).toBe(404);
    expect(createGone.status).toBe(400);
    expect(createGone.body.error).toMatchObject({ param: 'model', message: 'model must be one of sora-2, sora-2-pro' });
    expect(remixGone.status).toBe(400);
    expect(remixGone.body.error).toMatchObject({
      param: 'model',
      message: expect.stringMatching(/kite-fast .* no longer offered/),
    });
    expect(dearer.body.cost.estimated_micros).toBe(600_000);
    expect(finished).toMatchObject({
      model: 'kite-fast',
      provider: 'openai',
      cost: { estimated_micros: 1_000_000, charged_micros: 1_000_000 },
    });
    expect(finishedEntry).toMatchObject({
      unit_price_micros: 250_000,
      price_version: 'kites-1',
      amount_micros: 1_000_000,
    });
    expect(await ledgerEntry(stack, user, completed.body.id)).toEqual(completedEntry);
  }, 900_000);
});
