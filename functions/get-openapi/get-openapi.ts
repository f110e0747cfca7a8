import { openApiDocument } from '../../shared/openapi/document';

export interface GetOpenApiDeps {
  allowedModels: readonly string[];
}

/** GET /v1/openapi.json: the document, built once per execution environment (it only changes with a deploy). */
export function openApiProvider(deps: GetOpenApiDeps): () => Record<string, unknown> {
  let document: Record<string, unknown> | undefined;
  return () => {
    document ??= openApiDocument({ allowedModels: deps.allowedModels });
    return document;
  };
}
