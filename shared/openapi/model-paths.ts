/* The model catalogue's routes of the OpenAPI document (assembled in document.ts). */
import { ERRORS, errorResponse, type Json, jsonContent, ref } from './parts';

const MODEL_ID: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The model id, e.g. sora-2',
  schema: { type: 'string', minLength: 1, maxLength: 64 },
};

/** GET /v1/models and GET /v1/models/{id} (shared/catalogue/): OpenAI's model list, which the openai SDK reads. */
export function modelPaths(): Json {
  return {
    '/v1/models': {
      get: {
        operationId: 'listModels',
        summary:
          'The deployment’s video models (OpenAI’s model list, as client.models.list() reads it): the seconds and ' +
          'sizes a create may ask of each, its defaults, capabilities, price per second by size and providers',
        responses: {
          200: { description: 'Every model, the default first', content: jsonContent(ref('ModelList')) },
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/models/{id}': {
      get: {
        operationId: 'getModel',
        summary: 'One model of the catalogue (client.models.retrieve(id))',
        parameters: [MODEL_ID],
        responses: {
          200: { description: 'The model', content: jsonContent(ref('Model')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: errorResponse('not_found: the catalogue has no model of this id'),
          default: ERRORS.default,
        },
      },
    },
  };
}
