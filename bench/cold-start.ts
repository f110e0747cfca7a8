import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { buildApp } from '../infra/app';
import { BUNDLE_ALIASES } from '../infra/constructs/app-function';
import { LOCAL_REGION, LocalTemplate } from '../local/template/resolve';
import { writeResultsSection } from './support';

/**
 * Issue "Lean functions": every function's bundle as CDK synthesizes it (size of index.mjs, without its .map) and
 * its import time in a fresh `node` per sample, next to a reference handler (one DynamoDB GetItem) bundled the same
 * way; bytes attributed to packages from an esbuild metafile; the issue's budgets checked. A benchmark: exits 0
 * whether the budgets pass or not.
 * Usage: npm run bench -- cold-start [--runs N] [--json FILE]
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = `${ROOT}bench/fixtures/import-once.mjs`;
const KIB = 1024;
type Kind = 'api' | 'pipeline' | 'schedule' | 'reference';
/**
 * The issue's budgets; scheduled functions (the reconciler, the erasure, the webhook dispatcher) are held to the
 * pipeline's: nobody waits on them either.
 */
const BUDGETS = { api: { kib: 600, ratio: 1.5 }, pipeline: { kib: 900, ratio: 2 }, schedule: { kib: 900, ratio: 2 } };

/** AppFunction's bundling (infra/constructs/app-function.ts) as aws-cdk-lib's NodejsFunction passes it to esbuild. */
const ESBUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  alias: { ...BUNDLE_ALIASES },
};
/** The issue's yardstick: the reference as a minimal handler is bundled by default, with the SDK's whole credential chain. */
const ESBUILD_DEFAULT_SDK: BuildOptions = { ...ESBUILD, alias: {} };

interface Target {
  name: string;
  kind: Kind;
  bundle: string;
  env: Record<string, string>;
  metafile: Metafile;
  /** The metafile build's .mjs size: attribution is exact when it equals the asset's. */
  metaBytes: number;
  samples: Array<{ ms: number; cpuMs: number; calls: string[] }>;
}
type Row = Awaited<ReturnType<typeof toRow>>;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, json: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
const loadBefore = loadavg()[0] ?? 0;
const tmp = await mkdtemp(join(tmpdir(), 'reelflow-bench-cold-start-'));
try {
  const targets = [
    await referenceTarget(tmp, 'reference', ESBUILD_DEFAULT_SDK),
    await referenceTarget(tmp, 'reference-env-credentials', ESBUILD),
    ...(await synthesizedFunctions(join(tmp, 'cdk.out'))),
  ];
  // Round-robin, after one unrecorded pass that warms the page cache: load changes on a shared machine spread over
  // every function instead of landing on a few.
  for (let run = 0; run <= runs; run++) {
    console.error(run === 0 ? 'warm-up pass' : `run ${run}/${runs}`);
    for (const target of targets) {
      const sampled = await sample(target);
      if (run > 0) target.samples.push(sampled);
    }
  }
  const referenceMs = median(targets[0]?.samples.map((s) => s.ms) ?? []);
  const envReferenceMs = median(targets[1]?.samples.map((s) => s.ms) ?? []);
  const referenceCpuMs = median(targets[0]?.samples.map((s) => s.cpuMs) ?? []);
  const rows: Row[] = [];
  for (const target of targets) rows.push(await toRow(target, referenceMs, envReferenceMs, referenceCpuMs));
  const table = markdownTable(rows);
  console.log(table);
  writeResults(rows, table);
  if (values.json) await writeFile(values.json, `${JSON.stringify({ runs, loadBefore, rows }, null, 2)}\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}

async function toRow(
  { name, kind, bundle, metaBytes, metafile, samples }: Target,
  referenceMs: number,
  envReferenceMs: number,
  referenceCpuMs: number,
) {
  const [bytes, mapBytes] = [(await stat(bundle)).size, (await stat(`${bundle}.map`)).size];
  const samplesMs = samples.map((s) => s.ms);
  const medianMs = median(samplesMs);
  const ratio = medianMs / referenceMs;
  const envRatio = medianMs / envReferenceMs;
  const budget = kind === 'reference' ? '' : verdict(kind, bytes, ratio);
  const cpuMedianMs = median(samples.map((s) => s.cpuMs));
  const cpuRatio = cpuMedianMs / referenceCpuMs;
  const cpuBudget = kind === 'reference' ? '' : verdict(kind, bytes, cpuRatio);
  const calls = [...new Set(samples.flatMap((s) => s.calls))];
  return {
    ...{ name, kind, bytes, mapBytes, metaBytes, medianMs, ratio, envRatio, samplesMs, budget, calls },
    ...{ cpuMedianMs, cpuRatio, cpuBudget },
    ...packages(metafile),
  };
}

/**
 * The reference handler bundled like an AppFunction, with `options` deciding the credential chain (the budgets'
 * reference keeps the SDK's default one; the second row shows it with AppFunction's aliases); its metafile comes
 * from the same build.
 */
async function referenceTarget(dir: string, name: string, options: BuildOptions): Promise<Target> {
  const bundle = join(dir, name, 'index.mjs');
  const entryPoints = [join(ROOT, 'bench/fixtures/reference-handler.ts')];
  const { metafile } = await build({ ...options, entryPoints, outfile: bundle, metafile: true });
  const env = {
    ...runtimeEnv('reference', 512, dirname(bundle)),
    // AppFunction's defaults, which the real functions carry in the template.
    ...{ POWERTOOLS_METRICS_NAMESPACE: 'reelflow', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' },
    TABLE_NAME: 'reelflow-table',
  };
  const metaBytes = (await stat(bundle)).size;
  return { name, kind: 'reference', bundle, env, metafile, metaBytes, samples: [] };
}

/** Synthesizes the app with bundling, then each function's asset, kind, environment and metafile re-bundle. */
async function synthesizedFunctions(outdir: string): Promise<Target[]> {
  console.error('synthesizing the CDK app (bundles every function)');
  const assembly = buildApp({ context: { 'aws:cdk:enable-asset-metadata': true }, outdir }).synth();
  const template = new LocalTemplate(assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })));
  const targets: Target[] = [];
  for (const { stackName, logicalId, resource } of template.resourcesOfType('AWS::Lambda::Function')) {
    const handler = resource.Metadata?.['reelflow:handler'];
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof handler !== 'string') continue; // CDK's own functions (custom resources)
    if (typeof assetPath !== 'string') throw new Error(`${logicalId} has no aws:asset:path metadata`);
    const name = basename(dirname(handler));
    const bundle = join(outdir, assetPath, 'index.mjs');
    const props = resource.Properties ?? {};
    const variables = template.resolve(stackName, (props.Environment as { Variables?: unknown })?.Variables ?? {});
    const env = {
      ...runtimeEnv(template.physicalName(stackName, logicalId), Number(props.MemorySize ?? 128), dirname(bundle)),
      ...Object.fromEntries(Object.entries(variables as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
    };
    console.error(`metafile: ${name}`);
    const outfile = join(outdir, '..', 'metafile', name, 'index.mjs');
    const { metafile } = await build({ ...ESBUILD, entryPoints: [join(ROOT, handler)], outfile, metafile: true });
    const [kind, metaBytes] = [kindOf(template, logicalId), (await stat(outfile)).size];
    targets.push({ name, kind, bundle, env, metafile, metaBytes, samples: [] });
  }
  const order: Kind[] = ['api', 'schedule', 'pipeline'];
  return targets.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
}

/** What invokes the function: an EventBridge rule, the state machine, or the HTTP API (a Lambda permission). */
function kindOf(template: LocalTemplate, logicalId: string): Kind {
  const mentions = (type: string, principal?: string) =>
    template.resourcesOfType(type).some(({ resource }) => {
      const invoker = !principal || resource.Properties?.Principal === principal;
      return invoker && JSON.stringify(resource).includes(`"${logicalId}"`);
    });
  if (mentions('AWS::Events::Rule')) return 'schedule';
  if (mentions('AWS::StepFunctions::StateMachine')) return 'pipeline';
  if (mentions('AWS::Lambda::Permission', 'apigateway.amazonaws.com')) return 'api';
  throw new Error(`nothing in the template invokes ${logicalId}`);
}

/** What Lambda's nodejs runtime sets, with dummy credentials and an endpoint that refuses (nothing reaches AWS). */
function runtimeEnv(functionName: string, memorySize: number, taskRoot: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'bench-dummy-key-id',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret-key',
    // Port 9 (discard) refuses: an SDK call at import fails at once, and the child records the attempt.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
  };
}

async function sample({ bundle, env }: Target): Promise<{ ms: number; cpuMs: number; calls: string[] }> {
  const args = [CHILD, pathToFileURL(bundle).href];
  const options = { env, cwd: dirname(bundle), timeout: 60_000 };
  const { stdout } = await promisify(execFile)(process.execPath, args, options);
  const result = JSON.parse(stdout) as { ms: number; cpuMs: number; handler: string; calls: string[] };
  if (result.handler !== 'function') throw new Error(`${bundle} exports no handler function`);
  return { ms: result.ms, cpuMs: result.cpuMs, calls: result.calls };
}

/** Output bytes by package (the last node_modules/<package> of each input), the repo's own code as `(reelflow)`. */
function packages(metafile: Metafile): { packages: Array<{ name: string; bytes: number }> } {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1] ?? '(reelflow)';
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return { packages: [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes) };
}

function verdict(kind: Exclude<Kind, 'reference'>, bytes: number, ratio: number): string {
  const { kib, ratio: maxRatio } = BUDGETS[kind];
  const over = [bytes > kib * KIB ? `size > ${kib} KiB` : '', ratio > maxRatio ? `time > ${maxRatio}×` : ''];
  return over.some(Boolean) ? `FAIL (${over.filter(Boolean).join(', ')})` : 'PASS';
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function markdownTable(rows: Row[]): string {
  const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
  const top3 = (r: Row) =>
    r.packages
      .slice(0, 3)
      .map((p) => `${p.name} ${kib(p.bytes)}`)
      .join(', ');
  const cells = (r: Row) =>
    [
      r.name,
      r.kind,
      `${r.bytes} (${kib(r.bytes)})`,
      r.medianMs.toFixed(1),
      `${r.ratio.toFixed(2)}×`,
      `${r.envRatio.toFixed(2)}×`,
      r.cpuMedianMs.toFixed(1),
      `${r.cpuRatio.toFixed(2)}×`,
      top3(r),
      r.budget,
      r.cpuBudget,
    ].join(' | ');
  return [
    '| function | kind | bytes (index.mjs) | import ms (median) | × reference | × reference-env-credentials | CPU ms (median) | CPU × reference | top 3 packages by bytes | budget | budget on CPU time |',
    '| -------- | ---- | ----------------: | -----------------: | ----------: | --------------------------: | --------------: | --------------: | ----------------------- | ------ | ------------------ |',
    ...rows.map((r) => `| ${cells(r)} |`),
  ].join('\n');
}

/** Replaces this benchmark's section of bench/RESULTS.md (or appends it). */
function writeResults(rows: Row[], table: string): void {
  const sh = (command: string, ...args: string[]) => execFileSync(command, args, { encoding: 'utf8' }).trimEnd();
  const [loadAfter, cores] = [loadavg()[0] ?? 0, Number(sh('nproc'))];
  const busy = Math.max(loadBefore, loadAfter) > cores;
  const functions = rows.filter((r) => r.kind !== 'reference');
  const passed = functions.filter((r) => r.budget === 'PASS').length;
  const cpuPassed = functions.filter((r) => r.cpuBudget === 'PASS').length;
  const rebundled = rows.filter((r) => r.metaBytes === r.bytes).length;
  const calls = rows.filter((r) => r.calls.length > 0).map((r) => `${r.name}: ${r.calls.join(', ')}`);
  const section = `## cold-start: bundle size and import time of every function, next to a one-GetItem reference

Command: \`${['npm run bench -- cold-start', ...process.argv.slice(2)].join(' ')}\`

Run: ${new Date().toISOString()}; Node.js ${process.version} (Lambda runs nodejs22.x); \`nproc\`: ${cores};
1-minute load average ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end${
    busy
      ? ` — **the machine was shared and busy** (load above its ${cores} cores): every import time is inflated,
compare the ratios to the reference (taken in the same rounds) rather than milliseconds.`
      : '.'
  }

\`\`\`text
$ free -h
${sh('free', '-h')}
\`\`\`

Bytes: the \`index.mjs\` of each function's asset in the synthesized cloud assembly (\`aws:asset:path\`), as
NodejsFunction bundles it with AppFunction's options (ESM, minify, keepNames, sourcemap, bundled AWS SDK, createRequire
banner); **the .mjs alone, the .mjs.map is not counted** (its size is in \`--json\`). The reference is
\`bench/fixtures/reference-handler.ts\` (module-scope DynamoDBClient, one GetItem) bundled by esbuild with the same
options but the SDK's default credential chain: the minimal handler as anyone would bundle it, the yardstick the budgets
use. \`reference-env-credentials\` is the same handler with AppFunction's alias too (\`BUNDLE_ALIASES\`: the SDK's
credential chain reduced to its environment link, as Lambda supplies credentials); its column shows the ratio against it.
Packages: each handler re-bundled with the same options and a metafile, output bytes summed per package;
\`(reelflow)\` is the repo's own code. The re-bundle has the size of CDK's bundle for ${rebundled} of ${rows.length}.

Import ms: a fresh \`node\` per sample with the function's synthesized environment (tokens resolved to local names and
us-east-1 ARNs; it includes \`NODE_OPTIONS=--enable-source-maps\`, as in Lambda), Lambda's runtime variables, dummy
credentials and an endpoint that refuses; \`performance.now()\` around \`await import(bundle)\`, and the CPU time the
child spent in that import (\`process.cpuUsage()\`, user + system): on an idle machine the two agree (an import is
CPU-bound); on a busy one the wall clock also counts the wait for a core, the CPU time hardly does. Median of
${rows[0]?.samplesMs.length} sample(s) per bundle after one unrecorded warm-up, round-robin across the bundles.${
    Number(process.versions.node.split('.')[0]) < 22
      ? ' On this Node the bundled AWS SDK also emits a NodeVersionSupportWarning at import (every row alike).'
      : ''
  }

${table}

Budgets (KiB = 1024 bytes): API ≤ 600 KiB and ≤ 1.5× the reference's import time; pipeline ≤ 900 KiB and ≤ 2×; the
scheduled functions (schedule) are held to the pipeline's. **${passed} of ${functions.length} functions pass** on the wall clock,
**${cpuPassed} of ${functions.length}** on CPU time (the same budgets against the reference's CPU time).
${
  calls.length
    ? `Connections attempted at import (recorded in the child): ${calls.join('; ')}.`
    : 'No bundle opened a TCP connection or sent a UDP datagram at import (recorded in the child, until 100 ms after).'
}
`;
  writeResultsSection('cold-start', section.split('\n'));
}
