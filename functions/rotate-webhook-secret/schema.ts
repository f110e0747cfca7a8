import * as z from 'zod/mini';
import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { rotateWebhookSecretBodySchema, webhookEndpointIdPathSchema } from '../../shared/webhooks/schemas';
import type { RotateWebhookSecretInput } from './rotate-webhook-secret';

/** Reads the endpoint id from the path; a body, if any, must be an empty JSON object. */
export function parseRotateWebhookSecretRequest(
  event: { pathParameters?: Record<string, string | undefined>; body?: unknown },
  caller: Caller,
): RotateWebhookSecretInput {
  parseRequest(z.optional(rotateWebhookSecretBodySchema()), event.body);
  return { caller, endpointId: parseRequest(webhookEndpointIdPathSchema(), event.pathParameters ?? {}).id };
}
