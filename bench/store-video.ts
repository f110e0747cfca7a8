import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import OpenAI from 'openai';
import { UPLOAD_PART_BYTES, UPLOAD_QUEUE_SIZE } from '../functions/store-video/store-video';
import { freePort } from '../local/http';
import { describeFunctions } from '../local/lambda/runtime';
import { startEmulator } from '../local/provider-emulator/index';
import { startLocalSecretsManager } from '../local/secrets-manager/index';
import { createTablesFromTemplate, startDynamoDbLocal } from '../local/services/dynamodb-local';
import { startS3Local } from '../local/services/s3-local';
import { localizeEnvironment } from '../local/stack';
import { LOCAL_REGION } from '../local/template/resolve';
import { synthesizeApp } from '../local/template/synth';
import { newVideoId } from '../shared/ids';
import type { StoredContent } from '../shared/pipeline/types';
import { toItem } from '../shared/video/item';
import { unixSeconds, type VideoRecord } from '../shared/video/video';
import { procStatusKib, runLine, withDeadline, writeResultsSection } from './support';

/**
 * Stores a synthetic video (default 1 GiB) through the real StoreVideoInS3 handler, in a child process whose
 * VmRSS is sampled every 20 ms, against s3rver, DynamoDB Local and the provider emulator on loopback. In the same run,
 * a plain copy of the same bytes between the same two servers (one lib-storage Upload, no hashing, no DynamoDB), also
 * in a child process. Passes when the store's RSS growth stays under 100 MiB.
 * Usage: npm run bench -- store-video [bytes]
 */
const MIB = 1024 * 1024;
const LIMIT_MIB = 100;
const SAMPLE_MS = 20;
const CHILD_FILE = fileURLToPath(new URL('./workers/store-video-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** s3rver accepts only its own key pair; DynamoDB Local accepts any (as in local/stack.ts). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

import { CHILD_ROLE_VARIABLE, type ChildMessage, type Role, type Work } from './workers/store-video-child';

interface Measured {
  rssBeforeMib: number;
  rssPeakMib: number;
  rssGrowthMib: number;
  vmHwmMib: number;
  seconds: number;
  mbPerSecond: number;
  stored?: StoredContent;
}

await runBenchmark(Number(process.argv[2] ?? 1024 * MIB));

// ---------------------------------------------------------------------------------------------------------------
// The parent: the stand-ins, the video record and provider job, the two measured children, the results.

async function runBenchmark(bytes: number): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const dataDir = await mkdtemp(join(tmpdir(), 'reelflow-bench-store-video-'));
  const stops: Array<() => Promise<unknown>> = [async () => rm(dataDir, { recursive: true, force: true })];
  try {
    const [template, dynamodb] = await Promise.all([
      synthesizeApp(join(dataDir, 'cdk.out')),
      startDynamoDbLocal({
        dataDir,
        port: await freePort(),
        clientConfig: { region: LOCAL_REGION, credentials: CREDENTIALS },
      }),
    ]);
    stops.push(dynamodb.stop);
    const s3Local = await startS3Local({ dataDir, port: 0, template });
    stops.push(s3Local.stop);
    const emulator = await startEmulator({ port: 0, jobMs: 200, faults: { synthetic_video_bytes: bytes } });
    stops.push(emulator.close);

    const dynamodbClient = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamodb.endpoint,
      credentials: CREDENTIALS,
    });
    stops.push(async () => dynamodbClient.destroy());
    await createTablesFromTemplate(dynamodbClient, template);
    const fn = describeFunctions(template, (environment) =>
      localizeEnvironment(environment, { providerUrl: emulator.url }),
    ).find((candidate) => candidate.handlerModule.endsWith('functions/store-video/handler.ts'));
    if (!fn) throw new Error('the template has no StoreVideoInS3 function');
    const tableName = fn.environment.TABLE_NAME;
    const bucket = fn.environment.BUCKET_NAME;
    const secretArn = fn.environment.PROVIDER_SECRET_ARN;
    if (!tableName || !bucket || !secretArn) {
      throw new Error('StoreVideoInS3 has no TABLE_NAME/BUCKET_NAME/PROVIDER_SECRET_ARN');
    }
    const secrets = await startLocalSecretsManager({ dataDir, template });
    stops.push(secrets.close);
    await secrets.merge(secretArn, { apiKey: emulator.apiKey });

    // The provider job, completed, and the sha256 of the bytes it serves (computed now, outside the timings).
    const provider = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
    const job = await provider.videos.create({ prompt: 'benchmark: store a synthetic video', size: '1280x720' });
    await withDeadline('provider job completion', 30_000, waitForCompletion(provider, job.id));
    const listed = (await (await fetch(`${emulator.origin}/__emulator/jobs`)).json()) as {
      data: Array<{ id: string; content: { bytes: number; sha256: string } | null }>;
    };
    const content = listed.data.find((entry) => entry.id === job.id)?.content;
    if (!content || content.bytes !== bytes) throw new Error(`emulator content: ${JSON.stringify(content)}`);

    // The video record as the pipeline leaves it before StoreVideoInS3.
    const now = unixSeconds(new Date());
    const userId = 'bench-user';
    const videoId = newVideoId();
    const documents = DynamoDBDocumentClient.from(dynamodbClient);
    const record: VideoRecord = {
      videoId,
      userId,
      status: 'in_progress',
      progress: 100,
      prompt: 'benchmark: store a synthetic video',
      model: 'sora-2',
      seconds: '4',
      size: '1280x720',
      metadata: {},
      remixedFromVideoId: null,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      error: null,
      estimatedMicros: 0,
      chargedMicros: null,
      priceVersion: 'bench',
      content: null,
      providerVideoId: job.id,
      providerCreateAttempts: 1,
      providerFirstAttemptAt: now,
    };
    // Written as it stands (no reservation: the bench measures storing, not money).
    await documents.send(new PutCommand({ TableName: tableName, Item: toItem(record) }));

    const childEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...fn.environment,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_S3: s3Local.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      [CHILD_ROLE_VARIABLE]: '',
    };
    const work: Work = {
      videoId,
      userId,
      providerVideoId: job.id,
      copyKey: `bench/plain-copy/${videoId}.mp4`,
      providerApiKey: emulator.apiKey,
    };
    const store = await measureChild('store', childEnv, work, bytes);
    const copy = await measureChild('copy', childEnv, work, bytes);

    // What landed in S3, and whether the handler hashed the bytes the provider served.
    const s3 = new S3Client({
      region: LOCAL_REGION,
      endpoint: s3Local.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    stops.push(async () => s3.destroy());
    const stored = store.stored;
    if (!stored) throw new Error('the handler returned no StoredContent');
    const storedSize = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: stored.key }))).ContentLength;
    const copiedSize = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: work.copyKey }))).ContentLength;
    const problems = [
      storedSize === bytes ? '' : `stored object is ${storedSize} bytes, expected ${bytes}`,
      copiedSize === bytes ? '' : `copied object is ${copiedSize} bytes, expected ${bytes}`,
      stored.bytes === bytes ? '' : `handler counted ${stored.bytes} bytes`,
      stored.sha256 === content.sha256 ? '' : `handler sha256 ${stored.sha256} != emulator ${content.sha256}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(problems.join('; '));

    const { stored: _, ...storeFigures } = store;
    const figures: Figures = { bytes, sha256: stored.sha256, store: storeFigures, copy, passed: false, loadBefore };
    figures.passed = store.rssGrowthMib < LIMIT_MIB;
    console.log(JSON.stringify(figures, null, 2));
    await writeResults(figures);
    const passed = figures.passed;
    if (!passed) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('stopping:', error));
  }
}

/** Runs one child: RSS once it is loaded, VmRSS every SAMPLE_MS while it works, VmHWM when it is done. */
async function measureChild(childRole: Role, env: NodeJS.ProcessEnv, work: Work, bytes: number): Promise<Measured> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_FILE], {
    cwd: ROOT,
    env: { ...env, [CHILD_ROLE_VARIABLE]: childRole },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${childRole} child did not start`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let sampler: NodeJS.Timeout | undefined;
  try {
    await withDeadline(`${childRole} child ready`, 60_000, nextMessage(child, 'ready'));
    const beforeKib = procStatusKib(pid, 'VmRSS');
    let peakKib = beforeKib;
    sampler = setInterval(() => {
      peakKib = Math.max(peakKib, procStatusKib(pid, 'VmRSS'));
    }, SAMPLE_MS);
    child.send(work);
    const done = await withDeadline(`${childRole} child work`, 900_000, nextMessage(child, 'done'));
    clearInterval(sampler);
    peakKib = Math.max(peakKib, procStatusKib(pid, 'VmRSS'));
    const hwmKib = procStatusKib(pid, 'VmHWM');
    return {
      rssBeforeMib: beforeKib / 1024,
      rssPeakMib: peakKib / 1024,
      rssGrowthMib: (peakKib - beforeKib) / 1024,
      vmHwmMib: hwmKib / 1024,
      seconds: done.seconds,
      mbPerSecond: bytes / 1e6 / done.seconds,
      ...(done.stored ? { stored: done.stored } : {}),
    };
  } finally {
    clearInterval(sampler);
    if (child.connected) child.disconnect();
    await withDeadline(`${childRole} child exit`, 10_000, exited).catch(() => child.kill('SIGKILL'));
  }
}

interface Figures {
  bytes: number;
  sha256: string;
  store: Measured;
  copy: Measured;
  passed: boolean;
  loadBefore: number;
}

/** Replaces this benchmark's section of bench/RESULTS.md (or appends it). */
async function writeResults(f: Figures): Promise<void> {
  const command = `npm run bench -- store-video${process.argv[2] ? ` ${process.argv[2]}` : ''}`;
  const row = (name: string, m: Measured) =>
    `| ${name} | ${m.rssBeforeMib.toFixed(1)} | ${m.rssPeakMib.toFixed(1)} | **${m.rssGrowthMib.toFixed(1)}** | ` +
    `${m.vmHwmMib.toFixed(1)} | ${m.seconds.toFixed(2)} | **${m.mbPerSecond.toFixed(0)}** |`;
  writeResultsSection('store-video', [
    '## store-video: StoreVideoInS3 storing a synthetic video, next to a plain copy of the same bytes',
    '',
    `Command: \`${command}\``,
    '',
    `${runLine(f.loadBefore)} (throughput varies with load, RSS growth much less).`,
    '',
    "The benchmark process runs the local stack's stand-ins on loopback: DynamoDB Local (Java), s3rver on a temp dir " +
      'and the provider emulator (`synthetic_video_bytes`), with the table and bucket of the synthesized CDK app. ' +
      'Each measured side runs in its own child process, whose `VmRSS` is read from `/proc/<pid>/status` every ' +
      `${SAMPLE_MS} ms from the moment its code is loaded until it reports done; duration is measured in the child.`,
    '',
    "- **store**: the real `functions/store-video/handler.ts` (the function's template environment, local endpoints) " +
      'invoked with a completed provider job and a video record in DynamoDB: status update, the MP4 streamed through ' +
      'the sha256/count transform into a lib-storage Upload, then the thumbnail and spritesheet.',
    "- **plain copy**: `fetch` of the same job's `GET /v1/videos/{id}/content` piped into one lib-storage Upload " +
      `with the same part size (${UPLOAD_PART_BYTES / MIB} MiB) and queue size (${UPLOAD_QUEUE_SIZE}); no hashing, ` +
      'no DynamoDB.',
    '',
    'The store runs first, then the copy, against the same servers; both share the 2 cores with the servers, so ' +
      'MB/s is noisy (s3rver writes every part to disk and concatenates them on CompleteMultipartUpload, inside both ' +
      "durations). Where the store's RSS growth goes (process.memoryUsage() in the child): ~20 MiB of first-call cost " +
      '(SDK code and clients loaded on the first request: a 16 MiB store grows ~39 MiB), the parts lib-storage holds ' +
      '(~4 parts), and dropped ArrayBuffers the GC has not collected yet (arrayBuffers peaks near 60 MiB with ~15 MiB ' +
      'live). With 8 MiB parts the store grew 110.8 MiB at 1 GiB (over the limit); parts are 5 MiB since.',
    '',
    `Bytes: ${f.bytes} (${(f.bytes / 1024 ** 3).toFixed(2)} GiB). Checked: both objects' HeadObject size equals it, ` +
      `and the handler's sha256 equals the emulator's (\`${f.sha256.slice(0, 16)}…\`).`,
    '',
    '| side | RSS before (MiB) | RSS peak (MiB) | RSS growth (MiB) | VmHWM (MiB) | duration (s) | MB/s |',
    '| ---- | ---------------: | -------------: | ---------------: | ----------: | -----------: | ---: |',
    row('store (StoreVideoInS3)', f.store),
    row('plain copy', f.copy),
    '',
    `Store RSS growth limit ${LIMIT_MIB} MiB: **${f.passed ? 'pass' : 'FAIL'}**. ` +
      `Store throughput is ${((f.store.mbPerSecond / f.copy.mbPerSecond) * 100).toFixed(0)}% of the plain copy's.`,
    '',
  ]);
}

function nextMessage(child: ChildProcess, type: 'ready'): Promise<ChildMessage & { type: 'ready' }>;
function nextMessage(child: ChildProcess, type: 'done'): Promise<ChildMessage & { type: 'done' }>;
function nextMessage(child: ChildProcess, type: 'ready' | 'done'): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'failed') reject(new Error(message.error));
      else if (message.type === type) resolve(message);
      else return;
      cleanup();
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) before '${type}'`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function waitForCompletion(client: OpenAI, id: string): Promise<void> {
  for (;;) {
    const video = await client.videos.retrieve(id);
    if (video.status === 'completed') return;
    if (video.status === 'failed') throw new Error(`provider job ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
