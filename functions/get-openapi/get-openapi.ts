import { openApiDocument } from '../../shared/openapi/document';

/** GET /v1/openapi.json: the document, built once per execution environment (it only changes with a deploy). */
export function openApiProvider(): () => Record<string, unknown> {
  let document: Record<string, unknown> | undefined;
  return () => {
    document ??= openApiDocument();
    return document;
  };
}
