import * as z from 'zod/mini';
import { DEFAULT_CATALOGUE } from '../catalogue/default-catalogue';
import { modelListSchema, modelResourceSchema } from '../catalogue/resource';
import { errorEnvelopeSchema, healthSchema } from '../http/schemas';
import {
  auditListSchema,
  limitsResourceSchema,
  limitsUpdateSchema,
  usageResourceSchema,
  userErasureResourceSchema,
} from '../money/schemas';
import { adminVideoListSchema, videoExecutionSchema, videoRedriveSchema } from '../operators/schemas';
import {
  cancelVideoBodySchema,
  createUploadBodySchema,
  createVideoBodySchema,
  deletedVideoSchema,
  editVideoBodySchema,
  extendVideoBodySchema,
  inputReferenceSchema,
  remixVideoBodySchema,
  uploadResourceSchema,
  videoListSchema,
  videoResourceSchema,
} from '../video/schemas';
import {
  createWebhookEndpointBodySchema,
  deletedWebhookEndpointSchema,
  rotateWebhookSecretBodySchema,
  webhookDeliveryListSchema,
  webhookEndpointListSchema,
  webhookEndpointResourceSchema,
} from '../webhooks/schemas';
import { modelPaths } from './model-paths';
import { moneyPaths } from './money-paths';
import { operatorPaths } from './operator-paths';
import type { Json } from './parts';
import { videoPaths } from './video-paths';
import { webhookPaths } from './webhook-paths';

type ZodType = z.ZodMiniType;

/*
 * GET /v1/openapi.json: an OpenAPI 3.1 document built from the zod schemas that validate the requests and type
 * the responses (shared/video/schemas.ts), through z.toJSONSchema, so the document cannot drift from the code.
 */

/** `input_reference` in the document: a file part (multipart), or one of the two objects (JSON or bracketed form). */
const INPUT_REFERENCE_FORMS: Json = {
  oneOf: [
    { type: 'string', format: 'binary', description: 'An image file part (multipart/form-data), at most 4.4 MB' },
    {
      type: 'object',
      properties: { file_id: { type: 'string', description: 'The id POST /v1/uploads returned' } },
      required: ['file_id'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { image_url: { type: 'string', format: 'uri', description: 'A public https URL of the image' } },
      required: ['image_url'],
      additionalProperties: false,
    },
  ],
};

/**
 * z.toJSONSchema options for the API's schemas: the one check zod cannot express in JSON Schema (`input_reference`)
 * is written out by hand.
 */
export const JSON_SCHEMA_OVERRIDES = {
  unrepresentable: 'any',
  override: ({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
    if (zodSchema === inputReferenceSchema()) Object.assign(jsonSchema, INPUT_REFERENCE_FORMS);
  },
} as const;

/** Response schemas, by component name (output shapes). */
function responseSchemas(): Record<string, ZodType> {
  return {
    Video: videoResourceSchema(),
    VideoList: videoListSchema(),
    DeletedVideo: deletedVideoSchema(),
    Error: errorEnvelopeSchema(),
    Health: healthSchema(),
    Model: modelResourceSchema(),
    ModelList: modelListSchema(),
    Upload: uploadResourceSchema(),
    Usage: usageResourceSchema(),
    UserLimits: limitsResourceSchema(),
    AuditList: auditListSchema(),
    UserErasure: userErasureResourceSchema(),
    AdminVideoList: adminVideoListSchema(),
    VideoExecution: videoExecutionSchema(),
    VideoRedrive: videoRedriveSchema(),
    WebhookEndpoint: webhookEndpointResourceSchema(),
    WebhookEndpointList: webhookEndpointListSchema(),
    DeletedWebhookEndpoint: deletedWebhookEndpointSchema(),
    WebhookDeliveryList: webhookDeliveryListSchema(),
  };
}

/**
 * Request body schemas, by component name (input shapes: defaults make fields optional). A create's JSON Schema is the
 * same whatever the catalogue (its values are per model, at GET /v1/models), so the document needs none of its own.
 */
function requestSchemas(): Record<string, ZodType> {
  return {
    CreateVideoRequest: createVideoBodySchema({ catalogue: DEFAULT_CATALOGUE }),
    RemixVideoRequest: remixVideoBodySchema(),
    EditVideoRequest: editVideoBodySchema(),
    ExtendVideoRequest: extendVideoBodySchema(),
    CancelVideoRequest: cancelVideoBodySchema(),
    CreateUploadRequest: createUploadBodySchema(),
    UserLimitsUpdate: limitsUpdateSchema(),
    CreateWebhookEndpointRequest: createWebhookEndpointBodySchema(),
    RotateWebhookSecretRequest: rotateWebhookSecretBodySchema(),
  };
}

/** Component schemas of one direction; schemas used inside others become `$ref`s to `#/components/schemas/...`. */
function componentSchemas(schemas: Record<string, ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    ...JSON_SCHEMA_OVERRIDES,
  }).schemas as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]),
  );
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'reelflow API',
      version: '1.0.0',
      description:
        'Turns text prompts into stored MP4 videos. JSON in and out; times are Unix seconds; money is integer ' +
        'micro-USD in *_micros fields. Every response carries x-request-id; errors repeat it in the body.',
    },
    security: [{ bearerAuth: [] }],
    paths: { ...videoPaths(), ...modelPaths(), ...moneyPaths(), ...operatorPaths(), ...webhookPaths() },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito access token (locally: `npm run token -- --user ID`); roles in cognito:groups',
        },
      },
      schemas: {
        ...componentSchemas(responseSchemas(), 'output'),
        ...componentSchemas(requestSchemas(), 'input'),
      },
    },
  };
}
