import type { EmulatorRoute } from './faults';

/** A request of the `/v1/videos` API: which operation, and the video id in its path if any. */
export interface RouteMatch {
  name: EmulatorRoute;
  videoId?: string;
}

/** The operation a method and path address; null for anything the API does not serve. */
export function matchRoute(method: string, path: string): RouteMatch | null {
  const parts = path.replace(/\/+$/, '').split('/').slice(1);
  if (parts[0] !== 'v1' || parts[1] !== 'videos') return null;
  const [, , first, second] = parts;
  const videoId = first === undefined ? undefined : safeDecode(first);
  if (parts.length === 2) {
    if (method === 'POST') return { name: 'create' };
    if (method === 'GET') return { name: 'list' };
    return null;
  }
  if (parts.length === 3 && method === 'POST') {
    if (first === 'edits') return { name: 'edit' };
    if (first === 'extensions') return { name: 'extend' };
    return null;
  }
  if (parts.length === 3 && method === 'GET') return { name: 'retrieve', videoId };
  if (parts.length === 3 && method === 'DELETE') return { name: 'delete', videoId };
  if (parts.length === 4 && method === 'GET' && second === 'content') return { name: 'content', videoId };
  if (parts.length === 4 && method === 'POST' && second === 'remix') return { name: 'remix', videoId };
  return null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
