import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentExpiredError, PermanentProviderError, RetryableProviderError } from '../../../shared/errors';
import { apiKeyResolver } from '../../../shared/provider/api-key';
import { OpenAIVideoProvider } from '../../../shared/provider/openai/adapter';
import { mapProviderError } from '../../../shared/provider/openai/errors';
import type { ProviderJob } from '../../../shared/provider/port';
import { retryAfterSeconds } from '../../../shared/provider/retry-after';

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

const API_KEY = 'sk-unit-test-key';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:provider-AbCdEf';
// Every SecretsManagerClient of this file, the one Powertools Parameters creates included.
const secrets = mockClient(SecretsManagerClient);
let server: Server;
let baseURL: string;
let replies: Reply[] = [];
let requests: Array<{ method: string; url: string; authorization: string | undefined }> = [];

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

const videoBody = {
  id: 'video_1',
  object: 'video',
  status: 'in_progress',
  progress: 40,
  model: 'sora-2',
  prompt: 'A cat',
  seconds: '4',
  size: '720x1280',
  created_at: 1_763_700_000,
  completed_at: null,
  expires_at: null,
  error: null,
  remixed_from_video_id: null,
};

function provider(timeoutMs = 5_000): OpenAIVideoProvider {
  return new OpenAIVideoProvider({ baseURL, secretArn: SECRET_ARN, timeoutMs, secretMaxAgeSeconds: 60 });
}

async function caught(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  server = createServer((request, response) => {
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
    });
    request.resume();
    request.on('end', () => {
      const reply = replies.shift() ?? jsonReply(500, { error: { message: 'no scripted reply' } });
      reply(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  secrets.restore();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  replies = [];
  requests = [];
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: JSON.stringify({ apiKey: API_KEY }) });
});

describe('openai adapter (OpenAIVideoProvider)', () => {
  it('returns the mapped job and sends the bearer key when the provider accepts a create', async () => {
    // Prepare
    replies.push(jsonReply(200, { ...videoBody, status: 'queued', progress: 0 }));

    // Act
    const job = await provider().create({ prompt: 'A cat', model: 'sora-2', seconds: '4', size: '720x1280' });

    // Assess
    expect(job).toMatchObject<Partial<ProviderJob>>({ id: 'video_1', status: 'queued', createdAt: 1_763_700_000 });
    expect(requests).toEqual([{ method: 'POST', url: '/v1/videos', authorization: `Bearer ${API_KEY}` }]);
  });

  it('throws RetryableProviderError with retry-after, without retrying, when the provider answers 429', async () => {
    // Prepare
    replies.push(
      jsonReply(
        429,
        { error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '12' },
      ),
    );

    // Act
    const error = await caught(() => provider().retrieve('video_1'));

    // Assess
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error).toMatchObject({ name: 'RetryableProviderError', retryAfterSeconds: 12, rateLimited: true });
    expect(error.cause).toBeDefined();
    expect(requests).toHaveLength(1);
  });

  it('throws RetryableProviderError once when the provider answers 503', async () => {
    // Prepare
    replies.push(jsonReply(503, { error: { message: 'overloaded' } }), jsonReply(200, videoBody));

    // Act
    const error = await caught(() => provider().retrieve('video_1'));

    // Assess
    expect(error).toMatchObject({ name: 'RetryableProviderError', rateLimited: false });
    expect(requests).toHaveLength(1);
  });

  it('throws PermanentProviderError with the provider code when the provider answers 400', async () => {
    // Prepare
    replies.push(
      jsonReply(400, {
        error: {
          message: 'Your prompt was blocked',
          type: 'invalid_request_error',
          code: 'moderation_blocked',
          param: 'prompt',
        },
      }),
    );

    // Act
    const error = await caught(() =>
      provider().create({ prompt: 'bad', model: 'sora-2', seconds: '4', size: '720x1280' }),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(error).toMatchObject({ name: 'PermanentProviderError', code: 'moderation_blocked' });
    expect(error.message).toContain('Your prompt was blocked');
  });

  it('throws RetryableProviderError when the provider cannot be reached', async () => {
    // Prepare
    const unreachable = new OpenAIVideoProvider({
      baseURL: 'http://127.0.0.1:9/v1',
      secretArn: SECRET_ARN,
      timeoutMs: 2_000,
      secretMaxAgeSeconds: 60,
    });

    // Act
    const error = await caught(() => unreachable.retrieve('video_1'));

    // Assess
    expect(error).toBeInstanceOf(RetryableProviderError);
  });

  it('throws ContentExpiredError when the content answers 404', async () => {
    // Prepare
    replies.push(jsonReply(404, { error: { message: 'Content expired', code: 'not_found' } }));

    // Act
    const error = await caught(() => provider().downloadContent('video_1', { variant: 'video' }));

    // Assess
    expect(error).toBeInstanceOf(ContentExpiredError);
    expect(requests[0]?.url).toBe('/v1/videos/video_1/content?variant=video');
  });

  it('returns a Node stream with the announced length when content is served', async () => {
    // Prepare
    const bytes = Buffer.alloc(100_000, 7);
    replies.push((_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes.length) });
      response.end(bytes);
    });

    // Act
    const content = await provider().downloadContent('video_1', { variant: 'video' });
    const chunks: Buffer[] = [];
    for await (const chunk of content.body) chunks.push(chunk as Buffer);

    // Assess
    expect(content.contentLength).toBe(100_000);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('returns every job newest first across pages when listing', async () => {
    // Prepare
    replies.push(
      jsonReply(200, {
        object: 'list',
        data: [
          { ...videoBody, id: 'video_3' },
          { ...videoBody, id: 'video_2' },
        ],
        has_more: true,
        first_id: 'video_3',
        last_id: 'video_2',
      }),
      jsonReply(200, {
        object: 'list',
        data: [{ ...videoBody, id: 'video_1' }],
        has_more: false,
        first_id: 'video_1',
        last_id: 'video_1',
      }),
    );

    // Act
    const ids: string[] = [];
    for await (const job of provider().list({ pageSize: 2 })) ids.push(job.id);

    // Assess
    expect(ids).toEqual(['video_3', 'video_2', 'video_1']);
    expect(requests[0]?.url).toContain('order=desc');
    expect(requests[1]?.url).toContain('after=video_2');
  });

  it('never puts the key in a mapped error', async () => {
    // Prepare
    // Denied again after the key was read once more.
    const denied = jsonReply(401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } });
    replies.push(denied, denied);

    // Act
    const error = await caught(() => provider().retrieve('video_1'));

    // Assess
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(API_KEY);
  });

  it('returns seconds from retry-after-ms, retry-after seconds or an HTTP date', () => {
    // Act / Assess
    expect(retryAfterSeconds(new Headers({ 'retry-after-ms': '1500' }))).toBe(2);
    expect(retryAfterSeconds(new Headers({ 'retry-after': '3' }))).toBe(3);
    expect(
      retryAfterSeconds(
        new Headers({ 'retry-after': 'Sat, 21 Nov 2026 12:00:30 GMT' }),
        Date.parse('2026-11-21T12:00:00Z'),
      ),
    ).toBe(30);
    expect(retryAfterSeconds(new Headers())).toBeUndefined();
  });

  it('returns a non-SDK error unchanged when mapping', () => {
    // Prepare
    const original = new TypeError('boom');

    // Act / Assess
    expect(mapProviderError(original, 'create')).toBe(original);
  });

  it('returns the secret apiKey, read once and cached', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:provider-unit' })
      .resolves({ SecretString: JSON.stringify({ apiKey: 'sk-from-secret', webhookSecret: 'w' }) });
    const resolve = apiKeyResolver({
      baseURL,
      secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:provider-unit',
      timeoutMs: 1,
      secretMaxAgeSeconds: 300,
    });

    // Act
    const first = await resolve();
    const second = await resolve();

    // Assess
    expect([first, second]).toEqual(['sk-from-secret', 'sk-from-secret']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('throws without revealing the secret when the secret has no apiKey', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:provider-empty' })
      .resolves({ SecretString: JSON.stringify({ webhookSecret: 'whsec-hidden' }) });
    const resolve = apiKeyResolver({
      baseURL,
      secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:provider-empty',
      timeoutMs: 1,
      secretMaxAgeSeconds: 300,
    });

    // Act
    const error = await caught(resolve);

    // Assess
    expect(error.message).toBe('The provider secret has no apiKey');
    expect(error.message).not.toContain('whsec-hidden');
  });

  it('reads the key again and retries once when the provider answers 401 (a rotated key), then succeeds', async () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:us-east-1:1:secret:provider-rotated';
    secrets
      .on(GetSecretValueCommand, { SecretId: secretArn })
      .resolvesOnce({ SecretString: JSON.stringify({ apiKey: 'sk-old' }) })
      .resolves({ SecretString: JSON.stringify({ apiKey: 'sk-new' }) });
    replies.push(jsonReply(401, { error: { message: 'Incorrect API key provided' } }), jsonReply(200, videoBody));
    const client = new OpenAIVideoProvider({ baseURL, secretArn, timeoutMs: 5_000, secretMaxAgeSeconds: 300 });

    // Act
    const job = await client.retrieve('video_1');

    // Assess
    expect(job.id).toBe('video_1');
    expect(requests.map((request) => request.authorization)).toEqual(['Bearer sk-old', 'Bearer sk-new']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('throws PermanentProviderError after one refresh when the provider keeps answering 403', async () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:us-east-1:1:secret:provider-denied';
    secrets
      .on(GetSecretValueCommand, { SecretId: secretArn })
      .resolves({ SecretString: JSON.stringify({ apiKey: 'sk-denied' }) });
    replies.push(
      jsonReply(403, { error: { message: 'Forbidden' } }),
      jsonReply(403, { error: { message: 'Forbidden' } }),
      jsonReply(200, videoBody),
    );
    const client = new OpenAIVideoProvider({ baseURL, secretArn, timeoutMs: 5_000, secretMaxAgeSeconds: 300 });

    // Act
    const error = await caught(() =>
      client.create({ prompt: 'A cat', model: 'sora-2', seconds: '4', size: '720x1280' }),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentProviderError);
    expect(requests).toHaveLength(2);
  });

  it('throws RetryableProviderError, not a permanent failure, when the key cannot be read from Secrets Manager', async () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:us-east-1:1:secret:provider-throttled';
    secrets
      .on(GetSecretValueCommand, { SecretId: secretArn })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const client = new OpenAIVideoProvider({ baseURL, secretArn, timeoutMs: 5_000, secretMaxAgeSeconds: 300 });

    // Act
    const error = await caught(() => client.retrieve('video_1'));

    // Assess
    expect(error).toBeInstanceOf(RetryableProviderError);
    expect(error.message).toBe('The provider key could not be read from its secret');
    expect(requests).toHaveLength(0);
  });
});
