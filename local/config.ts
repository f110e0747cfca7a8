import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { type Catalogue, parseCatalogueJson } from '../shared/catalogue/schema';
import { providerEnvSchema } from '../shared/config';
import { type AwsFaultsConfig, parseAwsFaults } from './aws-faults/config';

/** The local stack's configuration, from the environment variables local/README.md documents (its Configuration table). */
export interface LocalConfig {
  /** The local API's port (`PORT`, default 3000; 0 picks a free one). */
  port: number;
  /** The interface the local API listens on (`HOST`, default `127.0.0.1`: not reachable from the network). */
  host: string;
  /** Where DynamoDB Local, s3rver, the engine and the issuer keep their data (`REELFLOW_DATA_DIR`, default `.local`). */
  dataDir: string;
  /** A real `/v1/videos` provider (`PROVIDER_BASE_URL`); unset runs the built-in emulator. */
  providerBaseUrl: string | undefined;
  /**
   * The key for `providerBaseUrl` (`PROVIDER_API_KEY`), or for the emulator to require. The local stack puts it into
   * the provider secret of the local Secrets Manager; the functions never see this variable.
   */
  providerApiKey: string | undefined;
  /** How long an emulated generation takes (`EMULATOR_JOB_MS`). */
  emulatorJobMs: number;
  /**
   * The admission gate's limits and lease for the local functions (`PROVIDER_MAX_CONCURRENT_JOBS`,
   * `PROVIDER_REQUESTS_PER_MINUTE`, `PROVIDER_SLOT_LEASE_SECONDS`); unset keeps the deployment's. Under
   * `LOCAL_TIME_SCALE` the gate's durations shrink with every other wait: its rate window
   * (`PROVIDER_RATE_WINDOW_SECONDS`, 60 s × the scale, as the emulator's) and its lease (given or default, × the scale).
   */
  providerLimits: Partial<Record<GateSetting, string>>;
  /** The emulator refuses a create over this many running jobs with 429 (`EMULATOR_MAX_CONCURRENT_JOBS`; unset: no limit). */
  emulatorMaxConcurrentJobs: number | undefined;
  /** When set, every Wait state and retry pause of the local engine lasts this many ms (`LOCAL_WAIT_MS`). */
  localWaitMs: number | undefined;
  /**
   * When set (`LOCAL_TIME_SCALE`, a positive number, e.g. `0.1`): the engine's Wait states and retry pauses, the
   * emulator's job durations (`EMULATOR_JOB_MS` and per-job ones) and its requests-per-minute window all last this
   * times their own time, so their ratios hold. Not with `LOCAL_WAIT_MS`, which makes every wait one constant.
   */
  timeScale: number | undefined;
  /**
   * Test aid (`LOCAL_TASK_REPEAT`, default 1): the engine invokes every Task's function this many times in a row
   * with the same input and keeps the last result, as an at-least-once delivery or a redriven step would.
   */
  taskRepeat: number;
  /**
   * Test aid (`LOCAL_LAMBDA_TIMEOUT_FACTOR`, default 1): every function's timeout is multiplied by it. All functions
   * share one local process, so under a load test an invocation can wait for the event loop far longer than a Lambda,
   * which has its own sandbox, ever would; load tests scale timeouts instead of failing on that artefact.
   */
  lambdaTimeoutFactor: number;
  /** When set, every EventBridge schedule of the template fires at this interval in ms (`LOCAL_SCHEDULE_MS`). */
  localScheduleMs: number | undefined;
  /**
   * Whether functions print their CloudWatch metrics as EMF JSON lines on stdout (`LOCAL_METRICS=1`; default off, as
   * the lines are noisy): how tests observe the metrics the alarms read.
   */
  metrics: boolean;
  /** When set, AWS faults are injected between the functions and the local services (`LOCAL_AWS_FAULTS`). */
  awsFaults: AwsFaultsConfig | undefined;
  /**
   * Test aid (`LOCAL_IMAGE_URL_ALLOW_PRIVATE_HOSTS`, comma-separated, default none): host names an `image_url` may
   * use over http and resolve to a private address, so a test can serve images from a local server; every other
   * name and address stays behind the SSRF guard.
   */
  imageUrlAllowPrivateHosts: string;
  /**
   * Whether the provider's webhooks are used (`PROVIDER_WEBHOOKS`, `on` by default; `off` forces the polling path):
   * on, the emulator sends its signed events to the local receiver (`POST /v1/provider/webhooks`).
   */
  providerWebhooks: boolean;
  /**
   * How long an execution waits for the provider's webhook before polling takes over (`PROVIDER_WEBHOOK_WAIT_SECONDS`,
   * whole seconds; default the pipeline's own, about 1.5× the expected job time). Not scaled by LOCAL_WAIT_MS: tests
   * set it short to see the fallback.
   */
  providerWebhookWaitSeconds: number | undefined;
  /**
   * The model catalogue of the JSON file `REELFLOW_CATALOGUE` names, checked at start (docs/CATALOGUE.md); unset, the
   * default catalogue. Given to the CDK app as context `reelflow:catalogue`, so the functions get it as in AWS.
   */
  catalogue: { catalogue: Catalogue; path: string } | undefined;
}

/** Reads the local stack configuration; throws one clear error for a malformed value. */
export function readLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  return {
    catalogue: catalogue(env),
    port: integer(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.REELFLOW_DATA_DIR || '.local'),
    providerBaseUrl: env.PROVIDER_BASE_URL || undefined,
    providerApiKey: env.PROVIDER_API_KEY || undefined,
    emulatorJobMs: integer(env, 'EMULATOR_JOB_MS', 30_000),
    providerLimits: providerLimits(env, timeScale(env)),
    emulatorMaxConcurrentJobs: env.EMULATOR_MAX_CONCURRENT_JOBS
      ? Math.max(1, integer(env, 'EMULATOR_MAX_CONCURRENT_JOBS', 1))
      : undefined,
    localWaitMs: env.LOCAL_WAIT_MS ? integer(env, 'LOCAL_WAIT_MS', 0) : undefined,
    timeScale: timeScale(env),
    taskRepeat: Math.max(1, integer(env, 'LOCAL_TASK_REPEAT', 1)),
    lambdaTimeoutFactor: Math.max(1, integer(env, 'LOCAL_LAMBDA_TIMEOUT_FACTOR', 1)),
    localScheduleMs: env.LOCAL_SCHEDULE_MS ? Math.max(1, integer(env, 'LOCAL_SCHEDULE_MS', 0)) : undefined,
    metrics: env.LOCAL_METRICS === '1' || env.LOCAL_METRICS === 'true',
    awsFaults: parseAwsFaults(env.LOCAL_AWS_FAULTS),
    imageUrlAllowPrivateHosts: env.LOCAL_IMAGE_URL_ALLOW_PRIVATE_HOSTS ?? '',
    providerWebhooks: onOff(env, 'PROVIDER_WEBHOOKS', true),
    providerWebhookWaitSeconds: env.PROVIDER_WEBHOOK_WAIT_SECONDS
      ? Math.max(1, integer(env, 'PROVIDER_WEBHOOK_WAIT_SECONDS', 1))
      : undefined,
  };
}

/** Settings the model catalogue replaced; a start with one of them set would not do what it says, so it stops. */
const REPLACED_SETTINGS = ['PRICE_TABLE', 'ALLOWED_MODELS'];

function catalogue(env: NodeJS.ProcessEnv): LocalConfig['catalogue'] {
  const replaced = REPLACED_SETTINGS.filter((name) => env[name] !== undefined);
  if (replaced.length > 0) {
    throw new Error(
      `${replaced.join(' and ')} ${replaced.length === 1 ? 'is' : 'are'} no longer read: models, their seconds, sizes ` +
        'and prices are the model catalogue now. Unset it and set REELFLOW_CATALOGUE to the path of a catalogue ' +
        'JSON file instead (docs/CATALOGUE.md; unset, the default catalogue)',
    );
  }
  const file = env.REELFLOW_CATALOGUE;
  if (file === undefined || file === '') return undefined;
  const path = resolve(file);
  let json: string;
  try {
    json = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`REELFLOW_CATALOGUE names ${path}, which cannot be read: ${(error as Error).message}`);
  }
  return { catalogue: parseCatalogueJson(json, `REELFLOW_CATALOGUE (${path})`), path };
}

type GateSetting =
  | 'PROVIDER_MAX_CONCURRENT_JOBS'
  | 'PROVIDER_REQUESTS_PER_MINUTE'
  | 'PROVIDER_SLOT_LEASE_SECONDS'
  | 'PROVIDER_RATE_WINDOW_SECONDS';

function providerLimits(env: NodeJS.ProcessEnv, scale: number | undefined): Partial<Record<GateSetting, string>> {
  const limits: Partial<Record<GateSetting, string>> = Object.fromEntries(
    (['PROVIDER_MAX_CONCURRENT_JOBS', 'PROVIDER_REQUESTS_PER_MINUTE', 'PROVIDER_SLOT_LEASE_SECONDS'] as const)
      .filter((name) => env[name])
      .map((name) => [name, String(Math.max(1, integer(env, name, 1)))]),
  );
  if (scale === undefined) return limits;
  // The functions only read durations: the scaled clock of a local run is these two settings.
  const lease = Number(
    limits.PROVIDER_SLOT_LEASE_SECONDS ?? z.parse(providerEnvSchema().shape.PROVIDER_SLOT_LEASE_SECONDS, undefined),
  );
  return {
    ...limits,
    PROVIDER_SLOT_LEASE_SECONDS: String(Math.max(1, lease * scale)),
    PROVIDER_RATE_WINDOW_SECONDS: String(60 * scale),
  };
}

function timeScale(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.LOCAL_TIME_SCALE;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`LOCAL_TIME_SCALE must be a positive number, got "${raw}"`);
  if (env.LOCAL_WAIT_MS) {
    throw new Error('Set LOCAL_TIME_SCALE or LOCAL_WAIT_MS, not both: one scales every wait, the other replaces it');
  }
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be on or off, got "${raw}"`);
}
