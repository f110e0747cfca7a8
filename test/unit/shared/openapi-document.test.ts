import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../infra/api-routes';
import { openApiDocument } from '../../../shared/openapi/document';

describe('openapi document', () => {
  it('returns a valid OpenAPI 3.1 document that documents every route of the route table', async () => {
    // Act
    const document = openApiDocument() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const result = await validate(structuredClone(document) as never);

    // Assess
    expect(result).toMatchObject({ valid: true });
    for (const route of ROUTES) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it('returns create and remix bodies as JSON or multipart/form-data, and the list with OpenAI’s paging fields', () => {
    // Act
    const document = openApiDocument() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { encoding?: unknown }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const create = document.paths['/v1/videos']?.post?.requestBody?.content;
    const remix = document.paths['/v1/videos/{id}/remix']?.post?.requestBody?.content;
    const list = document.components.schemas.VideoList;

    // Assess
    expect(Object.keys(create ?? {}).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(create?.['multipart/form-data']?.encoding).toEqual({
      metadata: { style: 'deepObject', explode: true },
      input_reference: { style: 'deepObject', explode: true },
    });
    expect(Object.keys(remix ?? {}).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(list?.required).toEqual(expect.arrayContaining(['first_id', 'last_id', 'has_more', 'next_cursor']));
  });
});
