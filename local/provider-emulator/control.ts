import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiError } from './api-error';
import { type FaultState, faultsSchema } from './faults';
import { isLoopbackAddress, sendJson } from './http-reply';
import { type Body, readBody } from './request-body';

/** What the control routes act on. */
export interface ControlTarget {
  faults: FaultState;
  emulator: { snapshot(): Promise<unknown>; reset(): void; finish(request: FinishJobs): string[] };
}

/** The body of `POST /__emulator/jobs/finish`: end unfinished jobs whose prompt contains `match`, now. */
export const finishJobsSchema = z
  .object({
    match: z.string().min(1),
    status: z.enum(['completed', 'failed']),
    code: z.string().min(1).optional(),
    message: z.string().min(1).optional(),
  })
  .strict();
export type FinishJobs = z.infer<typeof finishJobsSchema>;

/**
 * The emulator's own `/__emulator/*` routes, for tests and benchmarks (loopback clients only): read and set faults
 * (`GET`/`POST /__emulator/faults`), list jobs with request counters (`GET /__emulator/jobs`), end running jobs
 * now (`POST /__emulator/jobs/finish`), reset everything (`POST /__emulator/reset`).
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  target: ControlTarget,
): Promise<void> {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    req.resume();
    sendJson(res, 403, new ApiError(403, 'Control routes answer loopback clients only.').toJSON(), {});
    return;
  }
  const key = `${req.method} ${url.pathname}`;
  if (key === 'POST /__emulator/jobs/finish') {
    const request = await validBody(req, res, finishJobsSchema);
    if (request !== undefined) sendJson(res, 200, { finished: target.emulator.finish(request) }, {});
    return;
  }
  if (key === 'POST /__emulator/faults') {
    const faults = await validBody(req, res, faultsSchema);
    if (faults === undefined) return;
    target.faults.merge(faults);
    sendJson(res, 200, { faults: target.faults.current() }, {});
    return;
  }
  req.resume();
  if (key === 'GET /__emulator/faults') {
    sendJson(res, 200, { faults: target.faults.current() }, {});
  } else if (key === 'POST /__emulator/reset') {
    target.emulator.reset();
    sendJson(res, 200, { reset: true }, {});
  } else if (key === 'GET /__emulator/jobs') {
    sendJson(res, 200, await target.emulator.snapshot(), {});
  } else {
    sendJson(res, 404, { error: { message: `Unknown control route ${key}` } }, {});
  }
}

/** The request's JSON body parsed by `schema`, or undefined once a 400 was sent (unreadable or invalid body). */
async function validBody<S extends z.ZodType>(
  req: IncomingMessage,
  res: ServerResponse,
  schema: S,
): Promise<z.infer<S> | undefined> {
  let body: Body;
  try {
    body = await readBody(req);
  } catch (error) {
    sendJson(res, 400, { error: { message: (error as Error).message } }, {});
    return undefined;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    sendJson(res, 400, { error: { message: parsed.error.message } }, {});
    return undefined;
  }
  return parsed.data;
}
