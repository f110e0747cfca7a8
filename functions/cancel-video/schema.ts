import * as z from 'zod/mini';
import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { cancelVideoBodySchema, videoIdPathSchema } from '../../shared/video/schemas';
import type { CancelVideoInput } from './cancel-video';

/** Reads the video id from the path; a body, if any, must be an empty JSON object. */
export function parseCancelVideoRequest(
  event: { body?: unknown; pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): CancelVideoInput {
  parseRequest(z.optional(cancelVideoBodySchema()), event.body);
  return { caller, videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id };
}
