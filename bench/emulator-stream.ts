import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { procStatusKib, runLine, withDeadline, writeResultsSection } from './support';

/**
 * Streams a synthetic video from the provider emulator (run as a child process so its RSS is its own) to a reader
 * that discards it, sampling the emulator's VmRSS. Passes when RSS growth stays under 64 MiB.
 * Usage: npm run bench -- emulator-stream [bytes]   (default 1 GiB)
 */
const MIB = 1024 * 1024;
const BYTES = Number(process.argv[2] ?? 1024 * MIB);
const LIMIT_MIB = 64;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOAD_BEFORE = loadavg()[0] ?? 0;

const emulator = spawn(process.execPath, ['--import', 'tsx', 'local/provider-emulator/main.ts'], {
  cwd: ROOT,
  env: {
    ...process.env,
    EMULATOR_PORT: '0',
    EMULATOR_JOB_MS: '200',
    EMULATOR_FAULTS: JSON.stringify({ synthetic_video_bytes: BYTES }),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const pid = emulator.pid;
if (pid === undefined) throw new Error('emulator did not start');

try {
  const url = await withDeadline(
    'emulator ready line',
    30_000,
    new Promise<string>((resolve) => {
      let output = '';
      emulator.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /ready at (http:\/\/\S+\/v1)/.exec(output)?.[1];
        if (found) resolve(found);
      });
    }),
  );
  const client = new OpenAI({ baseURL: url, apiKey: 'sk-emulator', maxRetries: 0, timeout: 600_000 });
  const video = await client.videos.create({ prompt: 'benchmark: stream a synthetic video', size: '1280x720' });
  await withDeadline(
    'job completion',
    30_000,
    (async () => {
      while ((await client.videos.retrieve(video.id)).status !== 'completed') {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
  );

  const beforeKib = procStatusKib(pid, 'VmRSS');
  let peakKib = beforeKib;
  const sampler = setInterval(() => {
    peakKib = Math.max(peakKib, procStatusKib(pid, 'VmRSS'));
  }, 20);
  const started = process.hrtime.bigint();
  const response = await client.videos.downloadContent(video.id);
  const contentLength = Number(response.headers.get('content-length'));
  let received = 0;
  await withDeadline(
    'download',
    600_000,
    (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    })(),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peakKib = Math.max(peakKib, procStatusKib(pid, 'VmRSS'));
  const hwmKib = procStatusKib(pid, 'VmHWM');

  if (received !== BYTES || contentLength !== BYTES) {
    throw new Error(`expected ${BYTES} bytes, Content-Length ${contentLength}, received ${received}`);
  }
  const mib = (kib: number) => kib / 1024;
  const growthMib = mib(peakKib - beforeKib);
  const figures = {
    bytes: BYTES,
    rssBeforeMib: mib(beforeKib),
    rssPeakMib: mib(peakKib),
    rssGrowthMib: growthMib,
    vmHwmMib: mib(hwmKib),
    seconds,
    mbPerSecond: BYTES / 1e6 / seconds,
    passed: growthMib < LIMIT_MIB,
  };
  console.log(JSON.stringify(figures, null, 2));
  writeResults(figures);
  if (!figures.passed) process.exitCode = 1;
} finally {
  emulator.kill('SIGTERM');
}

function writeResults(f: {
  bytes: number;
  rssBeforeMib: number;
  rssPeakMib: number;
  rssGrowthMib: number;
  vmHwmMib: number;
  seconds: number;
  mbPerSecond: number;
  passed: boolean;
}): void {
  const command = `npm run bench -- emulator-stream${process.argv[2] ? ` ${process.argv[2]}` : ''}`;
  writeResultsSection('emulator-stream', [
    '## emulator-stream: streaming a synthetic video from the provider emulator',
    '',
    `Command: \`${command}\``,
    '',
    `${runLine(LOAD_BEFORE)} (throughput varies with load, RSS growth does not).`,
    '',
    'The emulator runs as a child process (`local/provider-emulator/main.ts`) serving a synthetic MP4 ' +
      '(`synthetic_video_bytes`); the benchmark downloads it through the openai SDK (`videos.downloadContent`) into ' +
      "a reader that discards the bytes, sampling the emulator's `VmRSS` from `/proc/<pid>/status` every 20 ms.",
    '',
    `- bytes streamed: ${f.bytes} (${(f.bytes / 1024 ** 3).toFixed(2)} GiB)`,
    `- emulator RSS before: ${f.rssBeforeMib.toFixed(1)} MiB`,
    `- emulator RSS peak during the download: ${f.rssPeakMib.toFixed(1)} MiB`,
    `- **emulator RSS growth: ${f.rssGrowthMib.toFixed(1)} MiB** (limit ${LIMIT_MIB} MiB: ${f.passed ? 'pass' : 'FAIL'})`,
    `- emulator VmHWM (lifetime peak RSS): ${f.vmHwmMib.toFixed(1)} MiB`,
    `- duration: ${f.seconds.toFixed(2)} s`,
    `- throughput: ${f.mbPerSecond.toFixed(0)} MB/s`,
    '',
  ]);
}
