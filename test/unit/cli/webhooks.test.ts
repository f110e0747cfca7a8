import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/program';
import { fakeFetch, jsonResponse, memoryStream, type RecordedRequest } from './support';

async function run(argv: string[], routes: Record<string, (request: RecordedRequest) => Response>) {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const api = fakeFetch(routes);
  const env = { REELFLOW_TOKEN: 'env-token' };
  const code = await runCli(argv, { stdout, stderr, env, fetch: api.fetch, sleep: async () => {} });
  return { code, stdout: stdout.text(), stderr: stderr.text(), requests: api.requests };
}

const endpoint = {
  id: 'we_1',
  object: 'webhook_endpoint',
  url: 'https://hooks.example.com/in',
  events: ['video.completed'],
  status: 'enabled',
  disabled_reason: null,
  disabled_at: null,
  failing_since: null,
  created_at: 1_763_700_000,
};
const page = (data: unknown[], next: string | null = null) => ({
  object: 'list',
  data,
  first_id: null,
  last_id: null,
  has_more: next !== null,
  next_cursor: next,
});

describe('cli webhooks', () => {
  it('adds an endpoint for the given events and prints its secret once', async () => {
    const result = await run(['webhooks', 'add', 'https://hooks.example.com/in', '--events', 'video.completed'], {
      'POST /v1/webhook_endpoints': (request) =>
        jsonResponse(201, { ...endpoint, ...JSON.parse(request.body!), secret: 'whsec_abc' }),
    });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.requests[0]!.body!)).toEqual({
      url: 'https://hooks.example.com/in',
      events: ['video.completed'],
    });
    expect(result.stdout).toContain('secret: whsec_abc');
  });

  it('lists endpoints with a disabled one’s reason and the next page’s cursor', async () => {
    const disabled = {
      ...endpoint,
      id: 'we_2',
      status: 'disabled',
      disabled_reason: 'Disabled: every delivery failed',
    };
    const result = await run(['webhooks', 'list', '--limit', '2'], {
      'GET /v1/webhook_endpoints?limit=2': () => jsonResponse(200, page([endpoint, disabled], 'cur')),
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('we_1');
    expect(result.stdout).toContain('we_2: Disabled: every delivery failed');
    expect(result.stdout).toContain('--after cur');
  });

  it('removes an endpoint and shows a delivery log; an unknown id exits 1 with the API’s error', async () => {
    const delivery = {
      id: 'evt_1',
      object: 'webhook_delivery',
      event_type: 'video.completed',
      video_id: 'vid_1',
      status: 'retrying',
      attempts: 2,
      last_response_code: 500,
      last_error: null,
      last_attempt_at: 1_763_700_100,
      last_duration_ms: 12,
      next_attempt_at: 1_763_700_160,
      created_at: 1_763_700_000,
    };
    const routes = {
      'DELETE /v1/webhook_endpoints/we_1': () =>
        jsonResponse(200, { id: 'we_1', object: 'webhook_endpoint.deleted', deleted: true }),
      'GET /v1/webhook_endpoints/we_1/deliveries': () => jsonResponse(200, page([delivery])),
    };

    const removed = await run(['webhooks', 'remove', 'we_1'], routes);
    const deliveries = await run(['webhooks', 'deliveries', 'we_1'], routes);
    const unknown = await run(['webhooks', 'deliveries', 'we_9'], routes);

    expect(removed.stdout).toContain('removed we_1');
    expect(deliveries.stdout).toMatch(/evt_1\s+video\.completed\s+vid_1\s+retrying\s+2\s+500\s+12 ms/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('not_found');
  });
});
