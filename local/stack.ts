import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildConsole } from '../console/build';
import { CONTEXT_KEYS } from '../infra/config';
import { DEFAULT_CATALOGUE } from '../shared/catalogue/default-catalogue';
import { localCors, localRoutes } from './api-server/routes';
import { startLocalApi } from './api-server/server';
import { createAwsFaultLayer } from './aws-faults/index';
import type { LocalConfig } from './config';
import { localStateMachines } from './engine/definition';
import { LocalStepFunctionsEngine } from './engine/engine';
import { startStepFunctionsServer } from './engine/server';
import { freePort } from './http';
import { describeFunctions, LambdaRuntime } from './lambda/runtime';
import { startEmulator } from './provider-emulator/index';
import { PROVIDER_WEBHOOK_PATH, providerWebhooks } from './provider-webhooks';
import { localSchedules, startLocalScheduler } from './scheduler/scheduler';
import { startLocalSecretsManager } from './secrets-manager/index';
import { createTablesFromTemplate, startDynamoDbLocal } from './services/dynamodb-local';
import { startS3Local } from './services/s3-local';
import { LOCAL_REGION } from './template/resolve';
import { synthesizeApp } from './template/synth';
import { type LocalIssuer, localIssuerUrl, openLocalIssuer } from './token/issuer';

/** The running local stack: every stand-in's address, and one way to stop them all. */
export interface LocalStack {
  baseUrl: string;
  /** The web console (`/console/`), signing in through the local issuer's authorization-code + PKCE flow. */
  consoleUrl: string;
  providerUrl: string;
  /** The emulator's control origin (`/__emulator/*`), when the built-in emulator runs. */
  emulatorOrigin: string | undefined;
  stepFunctionsEndpoint: string;
  dynamodbEndpoint: string;
  /** DynamoDB Local's java process (its own process group). */
  dynamodbPid: number;
  s3Endpoint: string;
  /** The local Secrets Manager endpoint (AWS JSON 1.1), holding the template's secrets. */
  secretsManagerEndpoint: string;
  /** How the provider's job events reach the pipeline (start-up prints it): webhooks to the receiver, or polling only. */
  providerWebhooks: string;
  stateMachineArns: string[];
  tables: string[];
  buckets: string[];
  /** The model catalogue the functions got: where it came from and its models (start-up prints it). */
  catalogue: string;
  /** The EventBridge schedules running locally (`<rule>: <expression> → <function>`), and those skipped. */
  schedules: string[];
  issuer: LocalIssuer;
  stop(): Promise<void>;
}

/** s3rver accepts only its own key pair; DynamoDB Local accepts any, so both use this one. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Brings the embedded stack up: DynamoDB Local, s3rver, the provider emulator, the synthesized CDK app, its tables and
 * bucket, the functions (each with its template environment resolved to local values), the local Step Functions
 * engine and the local HTTP API. On a failure, what was started is stopped again.
 */
export async function startLocalStack(
  config: LocalConfig,
  log: (line: string) => void = () => undefined,
): Promise<LocalStack> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) {
      await step().catch((error: unknown) => console.error('local stack: stopping:', error));
    }
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    Object.assign(process.env, awsEnvironment(config));
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    log('starting DynamoDB Local and synthesizing the CDK app...');
    const [dynamodb, template] = await Promise.all([
      startDynamoDbLocal({
        dataDir: config.dataDir,
        port: await freePort(),
        clientConfig: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
        // The JVM starts alongside the CDK synthesis: on a busy two-core machine that takes well over a minute.
        deadlineMs: 180_000,
      }).then((running) => {
        stops.push(running.stop);
        return running;
      }),
      synthesizeApp(
        join(config.dataDir, 'cdk.out'),
        config.catalogue === undefined ? {} : { [CONTEXT_KEYS.catalogue]: config.catalogue.catalogue },
      ),
    ]);

    const s3 = await startS3Local({ dataDir: config.dataDir, port: 0, template });
    stops.push(s3.stop);

    // The functions read the provider key from the secret their PROVIDER_SECRET_ARN names, as in AWS.
    const secrets = await startLocalSecretsManager({ dataDir: config.dataDir, template });
    stops.push(() => secrets.close());
    const providerSecretArns = [
      ...new Set(
        describeFunctions(template, (environment) => environment).flatMap(
          (fn) => fn.environment.PROVIDER_SECRET_ARN ?? [],
        ),
      ),
    ];
    const webhooks = providerWebhooks(
      config,
      providerSecretArns.map((arn) => secrets.read(arn)),
    );

    let providerUrl = config.providerBaseUrl;
    let providerApiKey = config.providerApiKey;
    let emulatorOrigin: string | undefined;
    if (!providerUrl) {
      const emulator = await startEmulator({
        port: 0,
        jobMs: config.emulatorJobMs,
        apiKey: providerApiKey,
        timeScale: config.timeScale ?? 1,
        webhook: webhooks.emulatorTarget,
        ...(config.emulatorMaxConcurrentJobs === undefined
          ? {}
          : { maxConcurrentJobs: config.emulatorMaxConcurrentJobs }),
      });
      stops.push(() => emulator.close());
      providerUrl = emulator.url;
      providerApiKey = emulator.apiKey;
      emulatorOrigin = emulator.origin;
    }
    if (!providerApiKey) throw new Error('PROVIDER_BASE_URL is set: set PROVIDER_API_KEY too');

    const client = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamodb.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const tables = await createTablesFromTemplate(client, template).finally(() => client.destroy());

    const functions = describeFunctions(template, (environment) =>
      localizeEnvironment(environment, {
        providerUrl: providerUrl!,
        limits: config.providerLimits,
        webhooks: config.providerWebhooks,
        webhookWaitSeconds: config.providerWebhookWaitSeconds,
      }),
    );
    for (const arn of new Set(functions.flatMap((fn) => fn.environment.PROVIDER_SECRET_ARN ?? []))) {
      await secrets.merge(arn, { apiKey: providerApiKey });
    }
    const runtime = new LambdaRuntime(
      functions.map((fn) => ({ ...fn, timeoutSeconds: fn.timeoutSeconds * config.lambdaTimeoutFactor })),
    );
    const machines = localStateMachines(template, runtime);
    // LOCAL_AWS_FAULTS: the functions reach DynamoDB, S3 and Step Functions through fault-injecting proxies (the
    // stack's own set-up and the endpoints printed for tests stay direct); unset, no proxy runs at all.
    const faults = config.awsFaults && createAwsFaultLayer(config.awsFaults);
    if (faults) stops.push(() => faults.close());
    const functionsEndpoint = (service: 'dynamodb' | 's3' | 'sfn' | 'secretsmanager', url: string) =>
      faults ? faults.proxy(service, url) : Promise.resolve(url);
    const functionsS3Endpoint = await functionsEndpoint('s3', s3.endpoint);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: await functionsEndpoint('dynamodb', dynamodb.endpoint),
      AWS_ENDPOINT_URL_S3: functionsS3Endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: await functionsEndpoint('secretsmanager', secrets.url),
    });
    const engine = new LocalStepFunctionsEngine({
      machines,
      runtime,
      dataDir: config.dataDir,
      localWaitMs: config.localWaitMs,
      timeScale: config.timeScale,
      taskRepeat: config.taskRepeat,
      lambdaFaults: faults ? faults.lambda : undefined,
    });
    const stepFunctions = await startStepFunctionsServer(engine);
    stops.push(() => stepFunctions.close());
    stops.push(() => engine.shutdown());
    process.env.AWS_ENDPOINT_URL_SFN = await functionsEndpoint('sfn', stepFunctions.url);

    // Only now, with every endpoint and name in process.env, are the handler modules imported.
    await runtime.load();
    // Then the executions a stop left running resume: a Task they re-enter finds its handler loaded (before, a resumed
    // Task could run while the modules were still loading, fail as "No local function" and exhaust its retries).
    await engine.open();

    const { schedules, skipped } = localSchedules(template, (arn) => runtime.find(arn) !== undefined);
    const scheduler = startLocalScheduler(schedules, runtime, {
      overrideMs: config.localScheduleMs,
      log: (line) => log(line),
      runsFile: join(config.dataDir, 'schedule-runs.json'),
    });
    stops.push(() => scheduler.stop());

    // The console is rebuilt on every start (esbuild takes well under a second), so it never lags the source.
    const consoleDir = buildConsole(join(config.dataDir, 'console')).outdir;
    const api = await startLocalApi({
      routes: localRoutes(template, runtime),
      cors: localCors(template),
      runtime,
      port: config.port,
      host: config.host,
      issuer: (port) => openLocalIssuer({ dataDir: config.dataDir, issuer: localIssuerUrl(port) }),
      log,
      localRoutes: faults ? { '/__local/aws-faults': faults.snapshot } : undefined,
      consoleDir,
      // The presigned URLs the functions hand out point at the S3 endpoint they were given.
      consoleMediaOrigin: new URL(functionsS3Endpoint).origin,
    });
    stops.push(() => api.close());
    // Known only now (PORT may be 0): the emulator's sender reads its target at each delivery.
    if (webhooks.emulatorTarget) webhooks.emulatorTarget.url = `${api.baseUrl}${PROVIDER_WEBHOOK_PATH}`;

    return {
      baseUrl: api.baseUrl,
      consoleUrl: `${api.baseUrl}/console/`,
      providerUrl,
      emulatorOrigin,
      stepFunctionsEndpoint: stepFunctions.url,
      dynamodbEndpoint: dynamodb.endpoint,
      dynamodbPid: dynamodb.pid,
      s3Endpoint: s3.endpoint,
      secretsManagerEndpoint: secrets.url,
      providerWebhooks: webhooks.describe(api.baseUrl),
      catalogue: describeCatalogue(config.catalogue),
      stateMachineArns: machines.map((machine) => machine.arn),
      tables,
      buckets: s3.buckets,
      schedules: [
        ...schedules.map(
          (schedule) =>
            `${schedule.rule}: ${config.localScheduleMs === undefined ? schedule.expression : `every ${config.localScheduleMs} ms (LOCAL_SCHEDULE_MS)`} → ${runtime.find(schedule.functionArn)?.functionName}`,
        ),
        ...skipped.map((line) => `skipped ${line}`),
      ],
      issuer: api.issuer,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The catalogue line of the start-up banner: its source and its models with their providers. */
export function describeCatalogue(given: LocalConfig['catalogue']): string {
  const catalogue = given?.catalogue ?? DEFAULT_CATALOGUE;
  const models = catalogue.models.map(
    (model) => `${model.id} (${model.route.map((step) => step.provider).join(', ')})`,
  );
  const source = given === undefined ? 'the default (REELFLOW_CATALOGUE unset)' : `${given.path} (REELFLOW_CATALOGUE)`;
  return `${source}, prices ${catalogue.price_version}: ${models.join(', ')}`;
}

/** What every function sees locally besides its own template environment. */
function awsEnvironment(config: Pick<LocalConfig, 'metrics' | 'imageUrlAllowPrivateHosts'>): Record<string, string> {
  const metrics = config.metrics;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    // s3rver predates the SDK's default CRC checksums; send and check them only where S3 requires them.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: metrics ? 'false' : 'true',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // Read by create-video only; infra never sets it.
    IMAGE_URL_ALLOW_PRIVATE_HOSTS: config.imageUrlAllowPrivateHosts,
    // Webhook receivers on this machine (http, loopback); infra never sets it, so AWS takes public https URLs only.
    WEBHOOK_URL_ALLOW_LOCAL_HOSTS: '127.0.0.1,localhost',
  };
}

/**
 * A function's template environment, made local: the provider is the emulator (or PROVIDER_BASE_URL), with the
 * admission gate's limits `npm start` was given. PROVIDER_SECRET_ARN stays: the local Secrets Manager serves that secret.
 */
export function localizeEnvironment(
  environment: Record<string, string>,
  provider: {
    providerUrl: string;
    limits?: Record<string, string>;
    webhooks?: boolean;
    webhookWaitSeconds?: number | undefined;
  },
): Record<string, string> {
  if (environment.PROVIDER_BASE_URL === undefined) return environment;
  // PROVIDER_WEBHOOKS=off for `npm start`: the emulator sends no events, so the pipeline must not wait for them.
  const routing = environment.PROVIDER_WEBHOOKS !== undefined;
  const webhooks: Record<string, string> = {
    ...(routing && provider.webhooks === false ? { PROVIDER_WEBHOOKS: 'off' } : {}),
    ...(routing && provider.webhookWaitSeconds !== undefined
      ? { PROVIDER_WEBHOOK_WAIT_SECONDS: String(provider.webhookWaitSeconds) }
      : {}),
  };
  return { ...environment, ...provider.limits, ...webhooks, PROVIDER_BASE_URL: provider.providerUrl };
}
