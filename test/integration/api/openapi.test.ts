import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '../../../infra/api-routes';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { JSON_SCHEMA_OVERRIDES } from '../../../shared/openapi/document';
import { createVideoBodySchema, remixVideoBodySchema, videoResourceSchema } from '../../../shared/video/schemas';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';

// GET /v1/openapi.json as served by the local stack: a valid OpenAPI 3.1 document, generated from the zod schemas
// the functions validate requests with, covering every route of the deployed route table.
const stack = useLocalStack();
let api: ContractClient;
// biome-ignore lint/suspicious/noExplicitAny: the document as JSON
let document: any;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  const reply = await api.call('GET', '/v1/openapi.json');
  expect(reply.status).toBe(200);
  document = reply.body;
});

const withoutDialect = ({ $schema: _schema, ...schema }: Record<string, unknown>) => schema;

afterAll(() => expectCovered(api, 'openapi'));

describe('GET /v1/openapi.json', () => {
  it('returns a document that passes a real OpenAPI validator as OpenAPI 3.1', async () => {
    const result = await validate(structuredClone(document));

    expect(result).toMatchObject({ valid: true, specification: 'OpenAPI' });
    expect(document.openapi).toBe('3.1.0');
  });

  it('returns 200 {"status":"ok"} from GET /v1/health without a token (a public route)', async () => {
    const health = await api.call('GET', '/v1/health');

    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('returns 200 without a token and with a token that is not valid (a public route)', async () => {
    const anonymous = await api.call('GET', '/v1/openapi.json');
    const junk = await api.call('GET', '/v1/openapi.json', { token: 'not-a-jwt' });

    expect(anonymous.status).toBe(200);
    expect(junk.status).toBe(200);
    expect(anonymous.body.paths['/v1/openapi.json'].get.security).toEqual([]);
  });

  it('documents every route of the deployed route table, with auth on all but the public ones', () => {
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];

      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.security, `${route.method} ${route.path}`).toEqual(route.public ? [] : undefined);
    }
    expect(document.security).toEqual([{ bearerAuth: [] }]);
  });

  it('describes request bodies with the very zod schemas that validate them', () => {
    const schemas = document.components.schemas;
    const create = z.toJSONSchema(createVideoBodySchema({ catalogue: DEFAULT_CATALOGUE }), {
      io: 'input',
      ...JSON_SCHEMA_OVERRIDES,
    });

    expect(schemas.CreateVideoRequest).toEqual(withoutDialect(create as Record<string, unknown>));
    expect(schemas.RemixVideoRequest).toEqual(withoutDialect(z.toJSONSchema(remixVideoBodySchema(), { io: 'input' })));
    expect(schemas.Video).toEqual(withoutDialect(z.toJSONSchema(videoResourceSchema(), { io: 'output' })));
    expect(schemas.CreateVideoRequest).toMatchObject({ required: ['prompt'], additionalProperties: false });
    expect(schemas.VideoList.properties.data.items).toEqual({ $ref: '#/components/schemas/Video' });
  });

  it('documents the Idempotency-Key header on create, remix, edit and extend, and the error envelope on every operation', () => {
    for (const path of ['/v1/videos', '/v1/videos/{id}/remix', '/v1/videos/edits', '/v1/videos/extensions']) {
      const header = document.paths[path].post.parameters.find(
        (parameter: { name: string }) => parameter.name === 'Idempotency-Key',
      );
      expect(header).toMatchObject({ in: 'header', required: false, schema: { minLength: 1, maxLength: 255 } });
    }
    for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(
      document.paths,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.responses.default, `${method} ${path}`).toEqual({
          description: expect.any(String),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        });
      }
    }
  });
});
