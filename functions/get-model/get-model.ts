import { findModel } from '../../shared/catalogue/catalogue';
import { type ModelResource, toModelResource } from '../../shared/catalogue/resource';
import type { Catalogue } from '../../shared/catalogue/schema';
import { NotFoundError } from '../../shared/errors';

/** What GET /v1/models/{id} asks for, validated. */
export interface GetModelInput {
  modelId: string;
}

export interface GetModelDeps {
  catalogue: Catalogue;
}

/** GET /v1/models/{id}: one model of the catalogue (the openai SDK's `client.models.retrieve(id)`); 404 for another id. */
export function getModel(input: GetModelInput, deps: GetModelDeps): ModelResource {
  const model = findModel(deps.catalogue, input.modelId);
  if (model === undefined) {
    throw new NotFoundError(`The model '${input.modelId}' does not exist: GET /v1/models lists the models`);
  }
  return toModelResource(model);
}
