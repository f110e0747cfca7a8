import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, emulator, waitForTerminalVideo } from '../../helpers/api';
import { inspectMp4 } from '../../helpers/iso-bmff';
import { useLocalStack } from '../../helpers/local-stack';

// The real CLI as a child process (`node --import tsx cli/main.ts ...`, what `npm run cli` and the bin run) against
// its worker's local stack. Its stderr is a pipe, so progress comes as one line per change.
const stack = useLocalStack();
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelflow-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; kills it and fails past `timeoutMs`. */
function reelflow(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REELFLOW_BASE_URL: stack.baseUrl, REELFLOW_TOKEN: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reelflow ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A user id and prompt no other test uses. */
function unique(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Node prints experimental/deprecation warnings of its own on some versions; they are not the CLI's output. */
function cliLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !/^\(node:\d+\)|^\(Use `node --trace/.test(line));
}

describe('reelflow CLI against the local stack', () => {
  it('creates, waits with progress and saves a playable MP4 of the requested size, then gets and lists it', async () => {
    // Prepare
    const token = await stack.token(unique('cli-kite'));
    const out = join(dir, 'kite.mp4');
    const env = { REELFLOW_TOKEN: token };

    // Act
    const created = await reelflow(
      [
        'create',
        'a red kite over hills',
        '--size',
        '1280x720',
        '--metadata',
        'source=cli-test',
        '--wait',
        '--out',
        out,
      ],
      env,
    );

    // Assess
    expect(created.code, created.stderr).toBe(0);
    const id = /^id +(vid_\w+)$/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const progress = cliLines(created.stderr);
    expect(progress[0]).toBe(`${id} queued 0%`);
    expect(progress.at(-1)).toBe(`${id} completed 100%`);
    expect(created.stdout).toMatch(/^status +completed$/m);
    expect(created.stdout).toContain(`saved video of ${id} to ${out} (`);
    expect(created.stdout).toContain('sha256 verified');
    const mp4 = inspectMp4(await readFile(out));
    expect(mp4.topLevel).toEqual(expect.arrayContaining(['ftyp', 'moov']));
    expect(mp4).toMatchObject({ width: 1280, height: 720, durationSeconds: 4 });

    const shown = await reelflow(['get', id!], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id +${id}$`, 'm'));
    expect(shown.stdout).toMatch(/^metadata +source=cli-test$/m);
    const asJson = await reelflow(['get', id!, '--json'], env);
    const api = await callApi(stack, `/v1/videos/${id}`, { token });
    expect(JSON.parse(asJson.stdout)).toEqual(api.body);

    const listed = await reelflow(['list'], env);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID +STATUS/);
    expect(rows[1]).toMatch(new RegExp(`^${id} +completed +100% +sora-2 +4 +1280x720 `));
  });

  it('saves the thumbnail variant through the content redirect', async () => {
    // Prepare
    const token = await stack.token(unique('cli-thumb'));
    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: unique('thumb') } });
    const id = created.body.id as string;
    await waitForTerminalVideo(stack, token, id);
    const out = join(dir, 'thumb.webp');

    // Act
    const run = await reelflow(['download', id, '--variant', 'thumbnail', '--out', out], { REELFLOW_TOKEN: token });

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^saved thumbnail of ${id} to ${out} \\(`));
    const bytes = await readFile(out);
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(bytes.subarray(8, 12).toString()).toBe('WEBP');
  });

  it("exits 1 with the video's error code and message when generation fails", async () => {
    // Prepare
    const prompt = unique('a kite the provider blocks');
    await emulator.faults(stack, {
      fail_generation: { code: 'moderation_blocked', message: 'Blocked by the CLI test', match: prompt, count: 1 },
    });

    // Act
    const run = await reelflow(['create', prompt, '--wait'], { REELFLOW_TOKEN: await stack.token(unique('cli-fail')) });

    // Assess
    expect(run.code).toBe(1);
    expect(cliLines(run.stderr).at(-1)).toMatch(
      /^error: moderation_blocked: Blocked by the CLI test \(video vid_\w+\)$/,
    );
    expect(run.stdout).toBe('');
  });

  it('remixes a completed video, waits and saves the new MP4', async () => {
    // Prepare
    const token = await stack.token(unique('cli-remix'));
    const source = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: unique('kite') } });
    await waitForTerminalVideo(stack, token, source.body.id);
    const out = join(dir, 'remix.mp4');

    // Act
    const run = await reelflow(['remix', source.body.id, 'the same kite at night', '--wait', '--out', out], {
      REELFLOW_TOKEN: token,
    });

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^remixed from +${source.body.id}$`, 'm'));
    expect(run.stdout).toMatch(/^status +completed$/m);
    expect(inspectMp4(await readFile(out)).topLevel).toEqual(expect.arrayContaining(['ftyp', 'moov']));
  });

  it('cancels an unfinished video, then reports invalid_state in one line for a second cancel', async () => {
    // Prepare: a job that never finishes at the provider, so the cancel cannot race its completion
    const token = await stack.token(unique('cli-cancel'));
    const prompt = unique('a kite that never lands');
    await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });
    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt } });

    // Act
    const first = await reelflow(['cancel', created.body.id], { REELFLOW_TOKEN: token });
    const second = await reelflow(['cancel', created.body.id], { REELFLOW_TOKEN: token });

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^status +cancelled/m);
    expect(second.code).toBe(1);
    expect(cliLines(second.stderr)).toEqual([expect.stringMatching(/^error: invalid_state: .+ \(request \S+\)$/)]);
  });

  it('deletes a finished video, after which get answers not_found', async () => {
    // Prepare
    const token = await stack.token(unique('cli-delete'));
    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: unique('gone') } });
    await waitForTerminalVideo(stack, token, created.body.id);

    // Act
    const deleted = await reelflow(['delete', created.body.id], { REELFLOW_TOKEN: token });
    const after = await reelflow(['get', created.body.id], { REELFLOW_TOKEN: token });

    // Assess
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted ${created.body.id}\n`);
    expect(after.code).toBe(1);
    expect(cliLines(after.stderr)).toEqual([expect.stringMatching(/^error: not_found: /)]);
  });

  it("shows the caller's usage and, for finance only, the month's costs as a table and as raw CSV", async () => {
    // Prepare
    const user = unique('cli-money');
    const token = await stack.token(user);
    const finance = await stack.token(unique('cli-finance'), ['finance']);
    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: unique('paid') } });
    const video = await waitForTerminalVideo(stack, token, created.body.id);
    const month = new Date(video.created_at * 1000).toISOString().slice(0, 7);

    // Act
    const usage = await reelflow(['usage', '--month', month, '--json'], { REELFLOW_TOKEN: token });
    const usageText = await reelflow(['usage', '--month', month], { REELFLOW_TOKEN: token });
    const forbidden = await reelflow(['costs', '--month', month], { REELFLOW_TOKEN: token });
    const ledger = await reelflow(['costs', '--month', month, '--user', user], { REELFLOW_TOKEN: finance });
    const csv = await reelflow(['costs', '--month', month, '--user', user, '--csv'], { REELFLOW_TOKEN: finance });

    // Assess
    expect(usage.code, usage.stderr).toBe(0);
    expect(JSON.parse(usage.stdout)).toMatchObject({ month, videos: 1, charged_micros: video.cost.charged_micros });
    expect(usageText.stdout).toMatch(/^charged +\$\d+\.\d{2,6}$/m);
    expect(forbidden.code).toBe(1);
    expect(cliLines(forbidden.stderr)).toEqual([expect.stringMatching(/^error: forbidden: /)]);
    expect(ledger.code, ledger.stderr).toBe(0);
    expect(ledger.stdout).toContain(video.id);
    expect(csv.code, csv.stderr).toBe(0);
    const direct = await fetch(`${stack.baseUrl}/v1/admin/costs?month=${month}&user_id=${user}&format=csv`, {
      headers: { authorization: `Bearer ${finance}` },
    });
    expect(direct.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.stdout).toBe(await direct.text());
    expect(csv.stdout).toContain(video.id);
  });

  it('returns the same video for a repeated --idempotency-key and refuses the key with another prompt', async () => {
    // Prepare
    const env = { REELFLOW_TOKEN: await stack.token(unique('cli-idem')) };
    const key = unique('key');
    const prompt = unique('one kite only');

    // Act
    const first = await reelflow(['create', prompt, '--idempotency-key', key, '--json'], env);
    const again = await reelflow(['create', prompt, '--idempotency-key', key, '--json'], env);
    const other = await reelflow(['create', `${prompt} and another`, '--idempotency-key', key], env);

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).id).toBe(JSON.parse(first.stdout).id);
    expect(other.code).toBe(1);
    expect(cliLines(other.stderr)).toEqual([expect.stringMatching(/^error: idempotency_key_reused: /)]);
  });

  it('prints one unauthenticated line and exits non-zero when the token is bad', async () => {
    // Act
    const run = await reelflow(['list'], { REELFLOW_TOKEN: 'not-a-jwt' });

    // Assess
    expect(run.code).toBe(1);
    expect(cliLines(run.stderr)).toEqual([expect.stringMatching(/^error: unauthenticated: .+ \(request \S+\)$/)]);
    expect(run.stdout).toBe('');
  });

  it('lists the catalogue’s models with their choices and prices, and one model', async () => {
    // Act
    const env = { REELFLOW_TOKEN: await stack.token(unique('cli-models')) };
    const all = await reelflow(['models'], env);
    const one = await reelflow(['models', 'sora-2-pro', '--json'], env);

    // Assess
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /^sora-2\* +4\*, 8, 12 +720x1280\*, 1280x720 +720x1280 \$0\.10\/s, 1280x720 \$0\.10\/s +image, remix, edit, extend +openai$/m,
    );
    expect(all.stdout).toMatch(/^sora-2-pro +4\*, 8, 12 +.*1792x1024 \$0\.50\/s/m);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: 'sora-2-pro', object: 'model', providers: ['openai'] });
  });

  it("prints the API's 400 in one line when --seconds is invalid", async () => {
    // Act
    const run = await reelflow(['create', 'a red kite over hills', '--seconds', '5'], {
      REELFLOW_TOKEN: await stack.token(unique('cli-400')),
    });

    // Assess
    expect(run.code).toBe(1);
    expect(cliLines(run.stderr)).toEqual([
      expect.stringMatching(/^error: invalid_parameter: seconds must be one of 4, 8, 12 \(request \S+\)$/),
    ]);
  });

  it("shows finance the audit trail of a user's limits, newest first, and refuses it without the role", async () => {
    // Prepare
    const user = unique('cli-audited');
    const financeUser = unique('cli-auditor');
    const finance = await stack.token(financeUser, ['finance']);
    for (const json of [{ max_active: 4 }, { max_active: 2 }]) {
      const put = await callApi(stack, `/v1/admin/users/${user}/limits`, { method: 'PUT', token: finance, json });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }

    // Act
    const text = await reelflow(['audit', '--user', user], { REELFLOW_TOKEN: finance });
    const raw = await reelflow(['audit', '--user', user, '--json'], { REELFLOW_TOKEN: finance });
    const forbidden = await reelflow(['audit'], { REELFLOW_TOKEN: await stack.token(user) });

    // Assess
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('max active 4 → 2');
    expect(text.stdout.indexOf('4 → 2')).toBeLessThan(text.stdout.lastIndexOf(' → 4'));
    expect(JSON.parse(raw.stdout).data.map((record: { actor_user_id: string }) => record.actor_user_id)).toEqual([
      financeUser,
      financeUser,
    ]);
    expect(forbidden.code).toBe(1);
    expect(cliLines(forbidden.stderr)).toEqual([expect.stringMatching(/^error: forbidden: /)]);
  });

  it('prints a plain connection error when nothing listens at the base URL', async () => {
    // Prepare: a port that was free a moment ago
    const probe = createServer();
    await new Promise<void>((resolvePromise) => probe.listen(0, '127.0.0.1', resolvePromise));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolvePromise) => probe.close(resolvePromise));

    // Act
    const run = await reelflow(['get', 'vid_x', '--base-url', `http://127.0.0.1:${port}`, '--token', 't']);

    // Assess
    expect(run.code).toBe(1);
    expect(cliLines(run.stderr)).toEqual([
      `error: cannot connect to http://127.0.0.1:${port} (connection refused); is the API running? (npm start)`,
    ]);
  });
});
