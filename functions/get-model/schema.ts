import { modelIdPathSchema } from '../../shared/catalogue/resource';
import { parseRequest } from '../../shared/http/parse-request';
import type { GetModelInput } from './get-model';

/** Reads the model id from the path. */
export function parseGetModelRequest(event: { pathParameters?: Record<string, string | undefined> }): GetModelInput {
  return { modelId: parseRequest(modelIdPathSchema(), event.pathParameters ?? {}).id };
}
