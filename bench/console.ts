import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildConsole } from '../console/build';
import { closeServer, listen } from '../local/http';
import { launchChromium } from '../test/helpers/browser';
import { runLine, withDeadline, writeResultsSection } from './support';

/**
 * The web console's static bundle: each file's size raw and gzipped (what CloudFront serves compressed), and its
 * first render in headless chromium: from navigation start to the first page with data on screen (the Users page's
 * table with one row per video), against a stub API on 127.0.0.1 answering fixed JSON at once, so the figure is the
 * console's own cost (parse, boot, render), not the API's. A benchmark: no budget, exits 0.
 * Usage: npm run bench -- console [--runs N]
 */
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const loadBefore = loadavg()[0] ?? 0;

const dir = buildConsole(join(tmpdir(), `reelflow-console-bench-${process.pid}`)).outdir;
const sizes = await Promise.all(
  ['app.js', 'app.css', 'index.html'].map(async (file) => {
    const bytes = await readFile(join(dir, file));
    return { file, raw: (await stat(join(dir, file))).size, gzip: gzipSync(bytes, { level: 9 }).length };
  }),
);

const videos = {
  object: 'list',
  data: Array.from({ length: 20 }, (_, index) => ({
    id: `vid_bench${String(index).padStart(21, '0')}`,
    object: 'video',
    status: index % 3 === 0 ? 'in_progress' : 'failed',
    progress: 40,
    prompt: `A benchmark video ${index}`,
    model: 'sora-2',
    seconds: '4',
    size: '720x1280',
    created_at: 1_760_000_000,
    completed_at: null,
    error: index % 3 === 0 ? null : { code: 'moderation_blocked', message: 'blocked' },
  })),
  has_more: false,
  next_cursor: null,
};
const claims = Buffer.from(
  JSON.stringify({ sub: 'bench', username: 'bench', 'cognito:groups': [], exp: 4_000_000_000 }),
).toString('base64url');
const token = `e30.${claims}.sig`;

const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  if (path === '/console/config.json') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ authorizeUrl: '/oauth2/authorize', tokenUrl: '/oauth2/token', clientId: 'bench' }));
    return;
  }
  if (path === '/v1/videos') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(videos));
    return;
  }
  const file = path === '/console/' ? 'index.html' : path.replace(/^\/console\//, '');
  const body = await readFile(join(dir, file)).catch(() => undefined);
  const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
  response.writeHead(body ? 200 : 404, { 'content-type': type }).end(body);
});
const port = await listen(server, 0);
const url = `http://127.0.0.1:${port}/console/`;

const browser = await launchChromium();
const samples: Array<{ rendered: number; data: number }> = [];
try {
  for (let run = 0; run < runs + 1; run++) {
    // A fresh context per run: nothing cached, as a first visit.
    const context = await browser.newContext();
    await context.addInitScript(`sessionStorage.setItem('reelflow.console.session', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    await withDeadline('first render', 30_000, page.goto(url));
    await page
      .locator('tr[data-video-id]')
      .nth(videos.data.length - 1)
      .waitFor({ timeout: 30_000 });
    const timing = await page.evaluate(() => ({
      rendered: performance.getEntriesByName('console-rendered')[0]?.startTime ?? Number.NaN,
      data: performance.now(),
    }));
    await context.close();
    // The first run warms chromium itself (its processes, disk cache of the binary): not a sample.
    if (run > 0) samples.push(timing);
  }
} finally {
  await browser.close();
  await closeServer(server);
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const p90 = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.ceil(numbers.length * 0.9) - 1] ?? Number.NaN;
const rendered = samples.map((sample) => sample.rendered);
const withData = samples.map((sample) => sample.data);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const total = sizes.reduce((sum, size) => ({ raw: sum.raw + size.raw, gzip: sum.gzip + size.gzip }), {
  raw: 0,
  gzip: 0,
});

const lines = [
  '## console: the web console’s bundle size and first render in headless chromium',
  '',
  `Command: \`npm run bench -- console --runs ${runs}\``,
  '',
  `${runLine(loadBefore)} (render times vary with load; sizes do not). Browser: Debian's chromium, headless, through playwright-core.`,
  '',
  'Bundle (`npm run build:console`: esbuild, minified ESM; preact + uPlot):',
  '',
  '| file | raw | gzip -9 |',
  '| --- | --- | --- |',
  ...sizes.map((size) => `| ${size.file} | ${kib(size.raw)} | ${kib(size.gzip)} |`),
  `| **total** | **${kib(total.raw)}** | **${kib(total.gzip)}** |`,
  '',
  `First render (${samples.length} runs after one warm-up, each in a fresh browser context; a stub API on 127.0.0.1 answers at once with 20 videos):`,
  '',
  `- navigation start → app rendered (\`console-rendered\` mark, after config.json): median ${median(rendered).toFixed(0)} ms, p90 ${p90(rendered).toFixed(0)} ms`,
  `- navigation start → the Users table with all 20 rows on screen: median ${median(withData).toFixed(0)} ms, p90 ${p90(withData).toFixed(0)} ms`,
  '',
];
writeResultsSection('console', lines);
console.log(lines.join('\n'));
