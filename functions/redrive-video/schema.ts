import { parseRequest } from '../../shared/http/parse-request';
import { requestIdOf } from '../../shared/http/request-id';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { videoIdPathSchema } from '../../shared/video/schemas';
import type { RedriveVideoInput } from './redrive-video';

/** 403 without the operators role (before anything else is looked at), then the video id from the path. */
export function parseRedriveVideoRequest(
  event: { pathParameters?: Record<string, string | undefined>; requestContext?: unknown },
  caller: Caller,
): RedriveVideoInput {
  requireRole(caller, 'operators');
  return {
    caller,
    videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id,
    requestId: requestIdOf(event),
  };
}
