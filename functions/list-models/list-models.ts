import { type ModelList, toModelList } from '../../shared/catalogue/resource';
import type { Catalogue } from '../../shared/catalogue/schema';

export interface ListModelsDeps {
  catalogue: Catalogue;
}

/**
 * GET /v1/models: every model of the deployment's catalogue, the default first, as OpenAI's model list (the openai
 * SDK's `client.models.list()`). The same for every caller: the catalogue is the deployment's.
 */
export function listModels(deps: ListModelsDeps): ModelList {
  return toModelList(deps.catalogue);
}
