import { faultsSchema } from './faults';
import { startEmulator } from './server';

/**
 * `npm run emulator`: the provider emulator alone. Environment: EMULATOR_PORT (4010), EMULATOR_HOST (127.0.0.1),
 * EMULATOR_API_KEY (sk-emulator), EMULATOR_JOB_MS (30000), EMULATOR_MAX_CONCURRENT_JOBS (unset: no limit),
 * EMULATOR_WEBHOOK_URL + EMULATOR_WEBHOOK_SECRET,
 * EMULATOR_FAULTS (JSON of the `Faults` type).
 */
function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

const webhookUrl = process.env.EMULATOR_WEBHOOK_URL;
const webhookSecret = process.env.EMULATOR_WEBHOOK_SECRET;
if (webhookUrl && !webhookSecret) throw new Error('EMULATOR_WEBHOOK_URL is set but EMULATOR_WEBHOOK_SECRET is not');

const emulator = await startEmulator({
  port: intFromEnv('EMULATOR_PORT', 4010),
  host: process.env.EMULATOR_HOST || '127.0.0.1',
  apiKey: process.env.EMULATOR_API_KEY || 'sk-emulator',
  jobMs: intFromEnv('EMULATOR_JOB_MS', 30_000),
  ...(process.env.EMULATOR_MAX_CONCURRENT_JOBS
    ? { maxConcurrentJobs: Math.max(1, intFromEnv('EMULATOR_MAX_CONCURRENT_JOBS', 1)) }
    : {}),
  webhook: webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined,
  faults: process.env.EMULATOR_FAULTS ? faultsSchema.parse(JSON.parse(process.env.EMULATOR_FAULTS)) : undefined,
});
console.log(`provider emulator ready at ${emulator.url} (control routes at ${emulator.origin}/__emulator/)`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`provider emulator: ${signal}, stopping`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
