import { createHash } from 'node:crypto';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpApi } from '../../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../../shared/http/error-envelope';
import { requestHashOf } from '../../../shared/http/idempotency';
import { parseMultipart, UploadedFile } from '../../../shared/http/multipart';
import { parseRequest } from '../../../shared/http/parse-request';
import { httpRequestBody } from '../../../shared/http/request-body';
import { json } from '../../../shared/http/responses';
import { errorEnvelopeSchema } from '../../../shared/http/schemas';
import type { ApiContext, ApiEvent, ApiResult } from '../../../shared/http/types';
import { createVideoBodySchema } from '../../../shared/video/schemas';
import { catalogueWith, fakeLogger } from '../fakes/fakes';

const context = { awsRequestId: 'lambda-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** A multipart body as fetch (undici) encodes a FormData: what the `openai` SDK's `videos.create` sends. */
async function formBody(fill: (form: FormData) => void): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  fill(form);
  const request = new Request('http://localhost/v1/videos', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type') ?? '' };
}

function anEvent(body: Buffer | string, contentType: string, base64 = true): ApiEvent {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    version: '2.0',
    headers: { 'content-type': contentType },
    requestContext: {
      requestId: 'req-1',
      http: { method: 'POST', path: '/v1/videos' },
      authorizer: { jwt: { claims: { sub: 'alice', token_use: 'access' }, scopes: [] } },
    },
    // API Gateway hands multipart (binary) bodies over base64-encoded.
    body: base64 ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: base64,
  } as unknown as ApiEvent;
}

/** A route echoing its parsed body (files by their JSON form). */
function echo(options: { multipart?: boolean; maxFileBytes?: number } = { multipart: true }) {
  const logger = fakeLogger();
  const chain = middy<ApiEvent, ApiResult, Error, ApiContext>();
  if (options.maxFileBytes === undefined) {
    chain.use(httpApi({ logger, jsonBody: true, multipart: options.multipart === true ? parseMultipart : undefined }));
  } else {
    chain.use(httpRequestBody({ multipart: parseMultipart, maxFileBytes: options.maxFileBytes }));
  }
  return chain.use(httpErrorEnvelope({ logger })).handler(async (event) => json(200, { body: event.body }));
}

const run = (handler: ReturnType<typeof echo>, event: ApiEvent) => handler(event, context as ApiContext);
const bodyOf = (result: ApiResult) => JSON.parse(String(result.body));
const errorOf = (result: ApiResult) => errorEnvelopeSchema().parse(JSON.parse(String(result.body))).error;

describe('request-body (JSON and multipart/form-data)', () => {
  it('returns the fields as the JSON body would be, bracketed names folded, when the SDK sends a form', async () => {
    // Prepare
    const { body, contentType } = await formBody((form) => {
      form.append('prompt', 'A red kite – über den Hügeln');
      form.append('seconds', '8');
      form.append('metadata[topic]', 'kites');
      form.append('metadata[run]', '7');
      form.append('tags[]', 'a');
      form.append('tags[]', 'b');
      form.append('deep[one][two]', 'x');
    });

    // Act
    const result = await run(echo(), anEvent(body, contentType));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).body).toEqual({
      prompt: 'A red kite – über den Hügeln',
      seconds: '8',
      metadata: { topic: 'kites', run: '7' },
      tags: ['a', 'b'],
      deep: { one: { two: 'x' } },
    });
  });

  it('returns the same body whether the form arrives base64-encoded (API Gateway) or as text', async () => {
    // Prepare
    const { body, contentType } = await formBody((form) => form.append('prompt', 'hi'));

    // Act
    const encoded = await run(echo(), anEvent(body, contentType, true));
    const plain = await run(echo(), anEvent(body, contentType, false));

    // Assess
    expect(bodyOf(encoded).body).toEqual({ prompt: 'hi' });
    expect(bodyOf(plain).body).toEqual({ prompt: 'hi' });
  });

  it('returns a file part as an UploadedFile with its sha256, which the create schema takes as input_reference', async () => {
    // Prepare
    const bytes = Buffer.from('\x89PNG fake image bytes');
    let parsed: unknown;
    const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
      .use(httpRequestBody({ multipart: parseMultipart }))
      .handler(async (event) => {
        parsed = event.body;
        return json(200, {});
      });
    const { body, contentType } = await formBody((form) => {
      form.append('prompt', 'hi');
      form.append('input_reference', new File([bytes], 'ref.png', { type: 'image/png' }));
    });

    // Act
    await handler(anEvent(body, contentType), context as ApiContext);
    const validated = parseRequest(createVideoBodySchema({ catalogue: catalogueWith({ 'sora-2-pro': null }) }), parsed);

    // Assess
    const file = (parsed as { input_reference: UploadedFile }).input_reference;
    expect(file).toBeInstanceOf(UploadedFile);
    expect(file.toJSON()).toEqual({
      filename: 'ref.png',
      content_type: 'image/png',
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(file.data.equals(bytes)).toBe(true);
    expect(validated.input_reference).toBe(file);
  });

  it('returns a different request hash for two files of one name and different content, the same for equal ones', () => {
    // Prepare
    const file = (content: string) =>
      new UploadedFile('ref.png', 'image/png', Buffer.from(content), createHashHex(content));
    const keyed = (input_reference: UploadedFile) => ({
      userId: 'alice',
      key: 'k1',
      operation: 'create-video',
      request: { prompt: 'hi', input_reference },
    });

    // Act
    const first = requestHashOf(keyed(file('one')));
    const same = requestHashOf(keyed(file('one')));
    const other = requestHashOf(keyed(file('two')));

    // Assess
    expect(same).toBe(first);
    expect(other).not.toBe(first);
  });

  it.each([
    ['no boundary', () => ({ body: Buffer.from('prompt=hi'), contentType: 'multipart/form-data' })],
    [
      'a body cut short',
      async () => {
        const { body, contentType } = await formBody((form) => form.append('prompt', 'hi'));
        return { body: body.subarray(0, body.length - 20), contentType };
      },
    ],
    [
      'a name given twice',
      () =>
        formBody((form) => {
          form.append('prompt', 'one');
          form.append('prompt', 'two');
        }),
    ],
    [
      'a name and a bracketed name',
      () =>
        formBody((form) => {
          form.append('metadata', 'x');
          form.append('metadata[a]', 'y');
        }),
    ],
    ['a prototype key', () => formBody((form) => form.append('__proto__[polluted]', 'yes'))],
  ])('returns 400 invalid_parameter for a form with %s', async (_label, make) => {
    // Prepare
    const { body, contentType } = await make();

    // Act
    const result = await run(echo(), anEvent(body, contentType));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'invalid_parameter', request_id: 'req-1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns 413 payload_too_large when the fields are over 64 KiB together or a file is over its limit', async () => {
    // Prepare
    const fields = await formBody((form) => {
      form.append('prompt', 'x'.repeat(40 * 1024));
      form.append('metadata[a]', 'y'.repeat(30 * 1024));
    });
    const oneBigField = await formBody((form) => form.append('prompt', 'x'.repeat(65 * 1024)));
    const bigFile = await formBody((form) => form.append('input_reference', new File([Buffer.alloc(2048)], 'r.png')));

    // Act
    const overFields = await run(echo(), anEvent(fields.body, fields.contentType));
    const overField = await run(echo(), anEvent(oneBigField.body, oneBigField.contentType));
    const overFile = await run(echo({ maxFileBytes: 1024 }), anEvent(bigFile.body, bigFile.contentType));

    // Assess
    expect([overFields.statusCode, overField.statusCode]).toEqual([413, 413]);
    expect(errorOf(overFields).code).toBe('payload_too_large');
    expect(overFile.statusCode).toBe(413);
    expect(errorOf(overFile).code).toBe('payload_too_large');
  });

  it('returns 400 invalid_parameter, not an unhandled error, when the body ends inside or after a file part', async () => {
    // Prepare: the review's 111-byte body (no closing delimiter), and the same cut inside the file's bytes.
    const truncated = Buffer.from(
      '--X\r\ncontent-disposition: form-data; name="input_reference"; filename="x.png"\r\ncontent-type: image/png\r\n\r\nabc\r\n',
    );
    const contentType = 'multipart/form-data; boundary=X';

    // Act
    const afterFile = await run(echo(), anEvent(truncated, contentType));
    const insideFile = await run(echo(), anEvent(truncated.subarray(0, truncated.length - 3), contentType));

    // Assess
    expect(truncated.length).toBe(111);
    for (const result of [afterFile, insideFile]) {
      expect(result.statusCode).toBe(400);
      expect(errorOf(result)).toMatchObject({
        code: 'invalid_parameter',
        message: expect.stringMatching(/Unexpected end of form/),
      });
    }
  });

  it('returns 415 for a form on a JSON-only route, and names both types on a route that takes forms', async () => {
    // Prepare
    const { body, contentType } = await formBody((form) => form.append('prompt', 'hi'));

    // Act
    const jsonOnly = await run(echo({ multipart: false }), anEvent(body, contentType));
    const textOnForm = await run(echo(), anEvent('prompt=hi', 'text/plain', false));

    // Assess
    expect(jsonOnly.statusCode).toBe(415);
    expect(errorOf(jsonOnly).message).toBe('Content-Type must be application/json');
    expect(textOnForm.statusCode).toBe(415);
    expect(errorOf(textOnForm)).toMatchObject({
      code: 'unsupported_media_type',
      message: 'Content-Type must be application/json or multipart/form-data',
    });
  });

  it('returns JSON bodies as before on a route that also takes forms', async () => {
    // Act
    const result = await run(echo(), anEvent('{"prompt":"hi"}', 'application/json', false));

    // Assess
    expect(bodyOf(result).body).toEqual({ prompt: 'hi' });
  });
});

function createHashHex(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
