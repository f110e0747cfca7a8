import { invalidParam } from './api-error';
import { type Job, toResource } from './jobs';
import { parseListQuery } from './validation';

/** `GET /v1/videos`: one page of `all` (oldest first) as the provider lists it (`limit`, `order`, `after`). */
export function listPage(all: Job[], query: URLSearchParams): unknown {
  const { limit, order, after } = parseListQuery(query);
  const ordered = order === 'desc' ? [...all].reverse() : all;
  let start = 0;
  if (after !== null) {
    const index = ordered.findIndex((job) => job.id === after);
    if (index < 0) throw invalidParam('after', `No video found with id '${after}'.`);
    start = index + 1;
  }
  const page = ordered.slice(start, start + limit);
  return {
    object: 'list',
    data: page.map(toResource),
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: ordered.length > start + limit,
  };
}
