import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../infra/api-routes';
import { openApiDocument } from '../../../shared/openapi/document';

describe('openapi document', () => {
  it('returns a valid OpenAPI 3.1 document that documents every route of the route table', async () => {
    // Act
    const document = openApiDocument({ allowedModels: ['sora-2'] }) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const result = await validate(structuredClone(document) as never);

    // Assess
    expect(result).toMatchObject({ valid: true });
    for (const route of ROUTES) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
  });
});
