import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataPair, runCli } from '../../../cli/program';
import { fakeFetch, jsonResponse, memoryStream, type RecordedRequest, videoFixture } from './support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelflow-cli-program-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the CLI against `routes` with an instant sleep; returns its exit code, output and requests. */
async function run(
  argv: string[],
  routes: Record<string, (request: RecordedRequest) => Response>,
  env: Record<string, string> = { REELFLOW_TOKEN: 'env-token' },
) {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const api = fakeFetch(routes);
  const code = await runCli(argv, { stdout, stderr, env, fetch: api.fetch, sleep: async () => {} });
  return { code, stdout: stdout.text(), stderr: stderr.text(), requests: api.requests };
}

/** Runs the CLI against one route that answers `body` as JSON with `status`. */
function runAnswering(argv: string[], route: string, status: number, body: unknown) {
  return run(argv, { [route]: () => jsonResponse(status, body) });
}

/** A one-record page of `GET /v1/admin/audit`; more pages follow when `nextCursor` is given. */
function auditPage(record: Record<string, unknown> & { id: string }, nextCursor: string | null = null) {
  return {
    object: 'list',
    data: [{ object: 'audit_record', ...record }],
    first_id: record.id,
    last_id: record.id,
    has_more: nextCursor !== null,
    next_cursor: nextCursor,
  };
}

const REDRIVE_ROUTE = 'POST /v1/admin/videos/vid_01TEST/redrive';

const created = (request: RecordedRequest) => jsonResponse(202, videoFixture({ ...JSON.parse(request.body!) }));

describe('cli program', () => {
  it('sends every create flag in the body, the key as Idempotency-Key, to the default base URL', async () => {
    // Act
    const result = await run(
      [
        'create',
        'a red kite over hills',
        '--model',
        'sora-2-pro',
        '--seconds',
        '8',
        '--size',
        '1792x1024',
        '--metadata',
        'team=kites',
        '--metadata',
        'note=a=b',
        '--idempotency-key',
        'k-1',
      ],
      { 'POST /v1/videos': created },
    );

    // Assess
    expect(result.code).toBe(0);
    const [request] = result.requests;
    expect(request?.url).toBe('http://localhost:3000/v1/videos');
    expect(JSON.parse(request!.body!)).toEqual({
      prompt: 'a red kite over hills',
      model: 'sora-2-pro',
      seconds: '8',
      size: '1792x1024',
      metadata: { team: 'kites', note: 'a=b' },
    });
    expect(request?.headers.get('idempotency-key')).toBe('k-1');
    expect(request?.headers.get('authorization')).toBe('Bearer env-token');
    expect(result.stdout).toMatch(/^id +vid_01TEST\nstatus +queued \(0%\)\n/);
  });

  it('retries a create whose answer was lost with the same generated Idempotency-Key', async () => {
    // Prepare
    let calls = 0;

    // Act
    const result = await run(['create', 'a kite'], {
      'POST /v1/videos': (request) => {
        calls += 1;
        if (calls === 1) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        if (calls === 2) return jsonResponse(503, { error: { code: 'provider_unavailable', message: 'later' } });
        return created(request);
      },
    });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const keys = result.requests.map((request) => request.headers.get('idempotency-key'));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^reelflow-cli-[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it('does not retry a create the API refused with a 4xx or 429', async () => {
    // Act
    const result = await run(['create', 'a kite'], {
      'POST /v1/videos': () =>
        jsonResponse(429, { error: { code: 'quota_exceeded', message: 'Too many today' } }, { 'retry-after': '60' }),
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.requests).toHaveLength(1);
    expect(result.stderr).toBe('error: quota_exceeded: Too many today; retry after 60 s (request req-header)\n');
  });

  it('sends only the prompt when no create flag is given, so the API applies its defaults', async () => {
    // Act
    const result = await run(['create', 'just a prompt'], { 'POST /v1/videos': created });

    // Assess
    expect(JSON.parse(result.requests[0]!.body!)).toEqual({ prompt: 'just a prompt' });
  });

  it('prefers --base-url and --token (before or after the command) over the environment', async () => {
    // Act
    const result = await run(
      ['--base-url', 'http://api.example:8080/', 'get', 'vid_01TEST', '--token', 'flag-token'],
      { 'GET /v1/videos/vid_01TEST': () => jsonResponse(200, videoFixture()) },
      { REELFLOW_BASE_URL: 'http://env.example', REELFLOW_TOKEN: 'env-token' },
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.requests[0]?.url).toBe('http://api.example:8080/v1/videos/vid_01TEST');
    expect(result.requests[0]?.headers.get('authorization')).toBe('Bearer flag-token');
  });

  it('uses REELFLOW_BASE_URL when no flag is given', async () => {
    // Act
    const result = await run(
      ['get', 'vid_01TEST'],
      { 'GET /v1/videos/vid_01TEST': () => jsonResponse(200, videoFixture()) },
      { REELFLOW_BASE_URL: 'http://env.example', REELFLOW_TOKEN: 'env-token' },
    );

    // Assess
    expect(result.requests[0]?.url).toBe('http://env.example/v1/videos/vid_01TEST');
  });

  it('prints the raw JSON when --json is given', async () => {
    // Prepare
    const video = videoFixture({ metadata: { a: '1' } });

    // Act
    const result = await runAnswering(['get', 'vid_01TEST', '--json'], 'GET /v1/videos/vid_01TEST', 200, video);

    // Assess
    expect(JSON.parse(result.stdout)).toEqual(video);
  });

  it('exits 1 with exactly one stderr line when the API answers an error', async () => {
    // Act
    const result = await runAnswering(['create', 'x', '--seconds', '5'], 'POST /v1/videos', 400, {
      error: { code: 'invalid_parameter', message: 'seconds must be one of 4, 8, 12', request_id: 'r-1' },
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: invalid_parameter: seconds must be one of 4, 8, 12 (request r-1)\n');
    expect(result.stdout).toBe('');
  });

  it('exits non-zero with one line and sends nothing when an argument is malformed', async () => {
    // Act
    const missing = await run(['create'], {});
    const badPair = await run(['create', 'x', '--metadata', 'novalue'], {});
    const badVariant = await run(['download', 'vid_1', '--variant', 'gif'], {});
    const unknown = await run(['list', '--colour'], {});

    // Assess
    for (const result of [missing, badPair, badVariant, unknown]) {
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: /);
      expect(result.requests).toEqual([]);
    }
    expect(badPair.stderr).toContain('expected key=value');
  });

  it('waits with progress lines, prints the video and saves the MP4 when --wait --out is given', async () => {
    // Prepare
    const bytes = Buffer.from('fake mp4 bytes');
    const digest = createHash('sha256').update(bytes).digest('hex');
    const polls = [
      videoFixture({ status: 'in_progress', progress: 40 }),
      videoFixture({ status: 'storing', progress: 100 }),
      videoFixture({
        status: 'completed',
        progress: 100,
        content: { content_type: 'video/mp4', bytes: bytes.length, sha256: digest, variants: ['video'] },
      }),
    ];
    let poll = 0;
    const out = join(dir, 'waited.mp4');

    // Act
    const result = await run(['create', 'a kite', '--wait', '--out', out], {
      'POST /v1/videos': created,
      'GET /v1/videos/vid_01TEST': () => jsonResponse(200, polls[Math.min(poll++, polls.length - 1)]),
      'GET /v1/videos/vid_01TEST/content?variant=video': () =>
        new Response(null, { status: 302, headers: { location: 'http://storage.example/v.mp4?sig=1' } }),
      'GET /v.mp4': () => new Response(bytes, { headers: { 'content-type': 'video/mp4' } }),
    });

    // Assess
    expect(result.stderr).toBe(
      'vid_01TEST queued 0%\nvid_01TEST in_progress 40%\nvid_01TEST storing 100%\nvid_01TEST completed 100%\n',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^status +completed$/m);
    expect(result.stdout).toMatch(
      new RegExp(`saved video of vid_01TEST to ${out} \\(14 B, sha256 verified\\)\\n$`.replaceAll('/', '\\/')),
    );
    expect(await readFile(out, 'utf8')).toBe('fake mp4 bytes');
    const download = result.requests.find((request) => request.url.startsWith('http://storage.example'));
    expect(download?.headers.get('authorization')).toBeNull();
  });

  it('exits 1 and removes the file when the download does not match the recorded sha256', async () => {
    // Prepare
    const completed = videoFixture({
      status: 'completed',
      progress: 100,
      content: { content_type: 'video/mp4', bytes: 5, sha256: 'f'.repeat(64), variants: ['video'] },
    });
    const out = join(dir, 'corrupt.mp4');

    // Act
    const result = await run(['download', 'vid_01TEST', '--out', out], {
      'GET /v1/videos/vid_01TEST': () => jsonResponse(200, completed),
      'GET /v1/videos/vid_01TEST/content?variant=video': () =>
        new Response(null, { status: 302, headers: { location: 'http://storage.example/v.mp4' } }),
      'GET /v.mp4': () => new Response('other'),
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: checksum_mismatch: the downloaded video does not match its sha256 .*\n$/);
    await expect(access(out)).rejects.toThrow();
  });

  it("exits 1 with the video's error code and message when the waited video fails", async () => {
    // Act
    const result = await run(['create', 'a kite', '--wait'], {
      'POST /v1/videos': created,
      'GET /v1/videos/vid_01TEST': () =>
        jsonResponse(
          200,
          videoFixture({ status: 'failed', error: { code: 'moderation_blocked', message: 'The prompt was blocked' } }),
        ),
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').at(-2)).toBe(
      'error: moderation_blocked: The prompt was blocked (video vid_01TEST)',
    );
    expect(result.stdout).toBe('');
  });

  it('pages through next_cursor with --all and prints one table', async () => {
    // Act
    const result = await run(['list', '--limit', '1', '--all', '--status', 'completed'], {
      'GET /v1/videos?limit=1&status=completed': () =>
        jsonResponse(200, {
          object: 'list',
          data: [videoFixture({ id: 'vid_B', status: 'completed', progress: 100 })],
          has_more: true,
          next_cursor: 'c1',
        }),
      'GET /v1/videos?limit=1&status=completed&after=c1': () =>
        jsonResponse(200, {
          object: 'list',
          data: [videoFixture({ id: 'vid_A', status: 'completed', progress: 100 })],
          has_more: false,
          next_cursor: null,
        }),
    });

    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +STATUS +PROGRESS +MODEL +SECONDS +SIZE +CREATED +PROMPT$/);
    expect(lines.slice(1).map((line) => line.split(' ')[0])).toEqual(['vid_B', 'vid_A']);
  });

  it('prints the CSV export as it came and asks for format=csv with the user filter', async () => {
    // Act
    const result = await run(['costs', '--month', '2026-11', '--user', 'alice', '--csv'], {
      'GET /v1/admin/costs?month=2026-11&user_id=alice&format=csv': () =>
        new Response('user_id,charged_micros\nalice,400000\n', { headers: { 'content-type': 'text/csv' } }),
    });

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('user_id,charged_micros\nalice,400000\n');
  });

  it('shows usage money fields in dollars', async () => {
    // Act
    const result = await runAnswering(['usage', '--month', '2026-11'], 'GET /v1/usage?month=2026-11', 200, {
      month: '2026-11',
      videos: 3,
      seconds: 16,
      charged_micros: 1_200_000,
      reserved_micros: 400_000,
      budget_micros: 50_000_000,
    });

    // Assess
    expect(result.stdout).toBe(
      [
        'month     2026-11',
        'videos    3',
        'seconds   16',
        'charged   $1.20',
        'reserved  $0.40',
        'budget    $50.00',
        '',
      ].join('\n'),
    );
  });

  it('shows audit records with only the changed values, and the cursor of the next page', async () => {
    // Act
    const result = await runAnswering(
      ['audit', '--user', 'bob', '--month', '2026-11', '--limit', '1'],
      'GET /v1/admin/audit?user_id=bob&month=2026-11&limit=1',
      200,
      auditPage(
        {
          id: 'aud_01',
          action: 'user_limits.updated',
          actor_user_id: 'fin',
          user_id: 'bob',
          old_values: { budget_micros: 100_000_000, max_active: 100, max_per_day: 1000 },
          new_values: { budget_micros: 2_000_000, max_active: 100, max_per_day: 5 },
          request_id: 'req-1',
          created_at: 1_763_700_000,
        },
        'CURSOR',
      ),
    );

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('budget $100.00 → $2.00; max per day 1000 → 5');
    expect(result.stdout).not.toContain('max active');
    expect(result.stdout).toMatch(/fin +bob/);
    expect(result.stdout).toContain('req-1');
    expect(result.stdout).toContain('more: --after CURSOR');
  });

  it('redrives with admin redrive and prints the state it continues from and its audit record', async () => {
    // Act
    const result = await runAnswering(['admin', 'redrive', 'vid_01TEST'], REDRIVE_ROUTE, 202, {
      object: 'video.redrive',
      video_id: 'vid_01TEST',
      execution_arn: 'arn:aws:states:us-east-1:1:execution:Pipeline:vid_01TEST',
      status: 'RUNNING',
      redrive_count: 1,
      redriven_at: 1_795_000_100,
      restarted_state: 'RecordFailure',
      audit_id: 'aud_01',
    });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'redriven vid_01TEST from RecordFailure (redrive 1, audit aud_01); follow it with: reelflow admin execution vid_01TEST\n',
    );
  });

  it('erases a user with admin erase-user and prints the erasure’s progress', async () => {
    // Act
    const result = await runAnswering(['admin', 'erase-user', 'bob'], 'DELETE /v1/admin/users/bob', 202, {
      id: 'era_01',
      object: 'user.erasure',
      user_id: 'bob',
      status: 'pending',
      requested_by: 'fin',
      requested_at: 1_795_000_100,
      completed_at: null,
      videos_erased: 0,
      videos_cancelled: 0,
      objects_deleted: 0,
    });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'erasure era_01 of bob: pending (videos erased 0, cancelled 0, objects deleted 0); run again to follow it\n',
    );
  });

  it('shows an erasure in the audit records by its id', async () => {
    // Act
    const result = await runAnswering(
      ['audit', '--user', 'bob'],
      'GET /v1/admin/audit?user_id=bob',
      200,
      auditPage({
        id: 'aud_02',
        action: 'user.erased',
        actor_user_id: 'fin',
        user_id: 'bob',
        erasure_id: 'era_01',
        request_id: 'req-2',
        created_at: 1_795_000_100,
      }),
    );

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("erasure era_01 of the user's data");
    expect(result.stdout).toMatch(/fin +bob/);
  });

  it('exits 1 with the reason on one line when admin redrive is refused', async () => {
    // Act
    const result = await runAnswering(['admin', 'redrive', 'vid_01TEST'], REDRIVE_ROUTE, 409, {
      error: {
        code: 'invalid_state',
        message: 'The execution of vid_01TEST ended in VideoFailed: RecordFailure already settled the video',
        request_id: 'r-9',
      },
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: invalid_state: The execution of vid_01TEST ended in VideoFailed: RecordFailure already settled the video (request r-9)\n',
    );
  });

  it('shows an execution timeline and a redrive audit record', async () => {
    // Act
    const timeline = await runAnswering(
      ['admin', 'execution', 'vid_01TEST'],
      'GET /v1/admin/videos/vid_01TEST/execution',
      200,
      {
        object: 'video.execution',
        video_id: 'vid_01TEST',
        user_id: 'bob',
        execution_arn: 'arn',
        status: 'FAILED',
        started_at: 1_795_000_000,
        stopped_at: 1_795_000_060,
        error: { error: 'ValidationException', cause: '{}' },
        redrive_count: 0,
        redriven_at: null,
        states: [
          {
            name: 'RecordFailure',
            type: 'Task',
            started_at: 1_795_000_010,
            ended_at: 1_795_000_060,
            offset_ms: 10_000,
            duration_ms: 50_000,
            attempts: 7,
            retries: 6,
            outcome: 'failed',
            error: { error: 'ValidationException', cause: '{}' },
          },
        ],
      },
    );
    const audit = await runAnswering(
      ['audit', '--user', 'bob'],
      'GET /v1/admin/audit?user_id=bob',
      200,
      auditPage({
        id: 'aud_02',
        action: 'video.redriven',
        actor_user_id: 'ops',
        user_id: 'bob',
        video_id: 'vid_01TEST',
        old_values: { execution_status: 'FAILED', redrive_count: 0 },
        new_values: { execution_status: 'RUNNING', redrive_count: 1 },
        request_id: 'req-2',
        created_at: 1_795_000_100,
      }),
    );

    // Assess
    expect(timeline.code, timeline.stderr).toBe(0);
    expect(timeline.stdout).toMatch(/RecordFailure +Task +\+10\.0 s +50\.0 s +6 +failed +ValidationException/);
    expect(audit.stdout).toContain('redrive of vid_01TEST: execution status FAILED → RUNNING; redrive count 0 → 1');
  });

  it('returns a merged object for repeated --metadata and rejects a pair without a key', () => {
    // Act / Assess
    expect(metadataPair('b=2', metadataPair('a=1', undefined))).toEqual({ a: '1', b: '2' });
    expect(() => metadataPair('=x', undefined)).toThrow('expected key=value');
  });
});
