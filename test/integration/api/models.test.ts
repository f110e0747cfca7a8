import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { toModelList } from '../../../shared/catalogue/resource';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, jobsFor, uniquePrompt, uniqueUser } from './support';

// The model catalogue through the HTTP API of a stack with the default catalogue: GET /v1/models and
// GET /v1/models/{id} in OpenAI's model list shape (the openai SDK's client.models, with only baseURL and apiKey
// changed), and a create refused for a seconds or size its model does not offer, before anything is recorded,
// reserved or started.
const stack = useLocalStack();
let api: ContractClient;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
});
afterEach(() => {
  expect(api.violations.splice(0)).toEqual([]);
});
afterAll(() => expectCovered(api, 'models'));

/** The official SDK as an app written for OpenAI uses it, only baseURL and apiKey changed (replies contract-checked). */
async function sdkFor(userId: string): Promise<OpenAI> {
  return new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: await stack.token(userId), fetch: api.fetch });
}

describe('GET /v1/models and GET /v1/models/{id}', () => {
  it('returns the default catalogue in OpenAI’s model list shape, the default model first', async () => {
    // Act
    const list = await api.call('GET', '/v1/models', { token: await stack.token(uniqueUser('models')) });

    // Assess
    expect(list.status).toBe(200);
    expect(list.body).toEqual(toModelList(DEFAULT_CATALOGUE));
    expect(list.body.data[0]).toEqual({
      id: 'sora-2',
      object: 'model',
      created: 1759708800,
      owned_by: 'reelflow',
      seconds: ['4', '8', '12'],
      sizes: ['720x1280', '1280x720'],
      default_seconds: '4',
      default_size: '720x1280',
      capabilities: { image_input: true, remix: true, edit: true, extend: true },
      price: { currency: 'USD', micros_per_second: { '720x1280': 100_000, '1280x720': 100_000 } },
      providers: ['openai'],
    });
  });

  it('returns one model by id, 404 not_found for an id the catalogue does not have, 400 for an id too long', async () => {
    // Prepare
    const token = await stack.token(uniqueUser('model'));

    // Act
    const pro = await api.call('GET', '/v1/models/sora-2-pro', { token });
    const missing = await api.call('GET', '/v1/models/sora-9', { token });
    const tooLong = await api.call('GET', `/v1/models/${'m'.repeat(65)}`, { token });

    // Assess
    expect(pro.status).toBe(200);
    expect(pro.body).toEqual(toModelList(DEFAULT_CATALOGUE).data[1]);
    expect(pro.body.price.micros_per_second).toEqual({
      '720x1280': 300_000,
      '1280x720': 300_000,
      '1024x1792': 500_000,
      '1792x1024': 500_000,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining("'sora-9'") });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'invalid_parameter', param: 'id' });
  });

  it('answers 401 without a token on both routes', async () => {
    // Act
    const list = await api.call('GET', '/v1/models');
    const one = await api.call('GET', '/v1/models/sora-2');

    // Assess
    expect(list.status).toBe(401);
    expect(one.status).toBe(401);
    expect(list.body.error.code).toBe('unauthenticated');
  });

  it('lists and retrieves the models through the unmodified openai SDK (client.models.list, retrieve)', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-models'));

    // Act
    const listed: OpenAI.Models.Model[] = [];
    for await (const model of client.models.list()) listed.push(model);
    const page = await client.models.list();
    const retrieved = await client.models.retrieve('sora-2-pro');
    const missing = await client.models.retrieve('sora-9').catch((error: unknown) => error);

    // Assess
    expect(listed.map((model) => model.id)).toEqual(['sora-2', 'sora-2-pro']);
    expect(page.data).toHaveLength(2);
    expect(page.hasNextPage()).toBe(false);
    for (const model of listed) {
      expect(model).toMatchObject({ object: 'model', owned_by: 'reelflow', created: expect.any(Number) });
    }
    expect(retrieved).toMatchObject({
      id: 'sora-2-pro',
      object: 'model',
      owned_by: 'reelflow',
      sizes: ['720x1280', '1280x720', '1024x1792', '1792x1024'],
      providers: ['openai'],
    });
    expect(missing).toBeInstanceOf(NotFoundError);
  });
});

describe('POST /v1/videos against the catalogue', () => {
  it.each([
    ['a seconds sora-2 does not offer', { seconds: '16' }, 'seconds', 'seconds must be one of 4, 8, 12'],
    ['a size sora-2 does not offer', { size: '1792x1024' }, 'size', 'size must be one of 720x1280, 1280x720'],
    [
      'a size sora-2-pro does not offer',
      { model: 'sora-2-pro', size: '640x480' },
      'size',
      'size must be one of 720x1280, 1280x720, 1024x1792, 1792x1024',
    ],
    ['a model the catalogue does not have', { model: 'sora-9' }, 'model', 'model must be one of sora-2, sora-2-pro'],
  ])(
    'answers 400 naming the parameter and the values allowed for %s, and records, reserves and starts nothing',
    async (_what, fields, param, message) => {
      // Prepare
      const user = uniqueUser('refused');
      const token = await stack.token(user);
      const prompt = uniquePrompt('Never made');

      // Act
      const reply = await api.call('POST', '/v1/videos', { token, json: { prompt, ...fields } });
      const listed = await api.call('GET', '/v1/videos', { token });
      const usage = await api.call('GET', '/v1/usage', { token });

      // Assess
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'invalid_parameter', param, message });
      expect(listed.body.data).toEqual([]);
      expect(usage.body).toMatchObject({ videos: 0, reserved_micros: 0, charged_micros: 0 });
      expect(await jobsFor(stack, prompt)).toEqual([]);
    },
  );

  it('answers the SDK’s BadRequestError naming seconds for a create it sends as a form', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-refused'));

    // Act
    const error = await client.videos
      .create({ prompt: uniquePrompt('Never made'), model: 'sora-2', size: '1792x1024' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'size', message: expect.stringContaining('720x1280, 1280x720') });
  });

  it('returns a created video with the model’s defaults, its catalogue price and its provider', async () => {
    // Prepare
    const token = await stack.token(uniqueUser('defaults'));

    // Act
    const video = await createVideo(api, token, { prompt: uniquePrompt('A kite'), model: 'sora-2-pro' });

    // Assess
    expect(video).toMatchObject({
      model: 'sora-2-pro',
      seconds: '4',
      size: '720x1280',
      provider: 'openai',
      cost: { currency: 'USD', estimated_micros: 1_200_000 },
    });
  });
});
