import { parseRequest } from '../../shared/http/parse-request';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { videoIdPathSchema } from '../../shared/video/schemas';
import type { GetVideoExecutionInput } from './get-video-execution';

/** 403 without the operators role (before anything else is looked at), then the video id from the path. */
export function parseGetVideoExecutionRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetVideoExecutionInput {
  requireRole(caller, 'operators');
  return { videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id };
}
