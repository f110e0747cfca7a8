import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';
import { DEFAULT_CATALOGUE } from '../shared/catalogue/default-catalogue';
import {
  type Catalogue,
  MAX_CATALOGUE_JSON_BYTES,
  parseCatalogue,
  parseCatalogueJson,
} from '../shared/catalogue/schema';

/** The repository root: function entries and the lock file are resolved from here. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CDK context keys this app reads. */
export const CONTEXT_KEYS = {
  /** The provider's OpenAI-compatible base URL, e.g. `https://example.openai.azure.com/openai/v1`. */
  providerBaseUrl: 'reelflow:providerBaseUrl',
  /** Origins allowed by the HTTP API's CORS preflight (array of strings). */
  corsAllowOrigins: 'reelflow:corsAllowOrigins',
  /** Email address subscribed to the alarm topic (optional: without it, subscribe to the topic out of band). */
  alarmEmail: 'reelflow:alarmEmail',
  /** The admission gate: jobs the provider account runs at once (PROVIDER_MAX_CONCURRENT_JOBS; default 2). */
  providerMaxConcurrentJobs: 'reelflow:providerMaxConcurrentJobs',
  /** The admission gate: requests per minute to the provider account (PROVIDER_REQUESTS_PER_MINUTE; default 20). */
  providerRequestsPerMinute: 'reelflow:providerRequestsPerMinute',
  /**
   * The model catalogue (docs/CATALOGUE.md): a JSON object in cdk.json, or on the command line its JSON text or the
   * path of a JSON file (`-c reelflow:catalogue=./catalogue.json`); the default catalogue when unset.
   */
  catalogue: 'reelflow:catalogue',
} as const;

/**
 * Settings the model catalogue replaced: a deployment that still sets one (as context or in the environment) is
 * stopped at synth, since it would no longer do what it says.
 */
export const REPLACED_SETTINGS = ['PRICE_TABLE', 'ALLOWED_MODELS', 'reelflow:priceTable', 'reelflow:allowedModels'];

/** The admission gate's limits when the context sets none: what a small provider account can live with. */
export const DEFAULT_PROVIDER_LIMITS = { maxConcurrentJobs: 2, requestsPerMinute: 20 } as const;

/** Deployment settings read from CDK context, validated once. */
export interface ReelflowConfig {
  readonly providerBaseUrl: string;
  readonly corsAllowOrigins: string[];
  readonly alarmEmail: string | undefined;
  /** The admission gate's limits for the provider account. */
  readonly providerLimits: { readonly maxConcurrentJobs: number; readonly requestsPerMinute: number };
  /** The model catalogue, checked. */
  readonly catalogue: Catalogue;
  /** The model catalogue as the compact JSON the functions get (MODEL_CATALOGUE). */
  readonly catalogueJson: string;
}

/** The `context` block of cdk.json: the defaults `cdk` itself applies, so that `buildApp()` behaves the same. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Reads and validates the app's context.
 * @throws Error with a plain message when a value is missing or invalid, so `cdk synth` stops at once.
 */
export function readConfig(node: Node, env: Record<string, string | undefined> = process.env): ReelflowConfig {
  const providerBaseUrl = node.tryGetContext(CONTEXT_KEYS.providerBaseUrl) as unknown;
  if (typeof providerBaseUrl !== 'string' || !isHttpsUrl(providerBaseUrl)) {
    throw new Error(
      `Context "${CONTEXT_KEYS.providerBaseUrl}" must be an https URL (got ${JSON.stringify(providerBaseUrl ?? null)}); ` +
        `set it in cdk.json or pass -c ${CONTEXT_KEYS.providerBaseUrl}=https://...`,
    );
  }
  const origins = (node.tryGetContext(CONTEXT_KEYS.corsAllowOrigins) as unknown) ?? ['*'];
  if (!Array.isArray(origins) || origins.length === 0 || !origins.every((o) => typeof o === 'string' && o !== '')) {
    throw new Error(`Context "${CONTEXT_KEYS.corsAllowOrigins}" must be a non-empty array of origins`);
  }
  const alarmEmail = node.tryGetContext(CONTEXT_KEYS.alarmEmail) as unknown;
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail))) {
    throw new Error(
      `Context "${CONTEXT_KEYS.alarmEmail}" must be an email address (got ${JSON.stringify(alarmEmail)})`,
    );
  }
  const positive = (key: string, fallback: number): number => {
    const raw = node.tryGetContext(key) as unknown;
    if (raw === undefined) return fallback;
    const value = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`Context "${key}" must be a positive integer (got ${JSON.stringify(raw)})`);
    }
    return value;
  };
  const catalogue = readCatalogue(node, env);
  return {
    catalogue,
    catalogueJson: JSON.stringify(catalogue),
    providerLimits: {
      maxConcurrentJobs: positive(CONTEXT_KEYS.providerMaxConcurrentJobs, DEFAULT_PROVIDER_LIMITS.maxConcurrentJobs),
      requestsPerMinute: positive(CONTEXT_KEYS.providerRequestsPerMinute, DEFAULT_PROVIDER_LIMITS.requestsPerMinute),
    },
    providerBaseUrl: providerBaseUrl.replace(/\/+$/, ''),
    corsAllowOrigins: origins as string[],
    alarmEmail: alarmEmail as string | undefined,
  };
}

/**
 * The catalogue of context `reelflow:catalogue` (an object, JSON text or a JSON file's path), or the default; checked,
 * with every problem named.
 * @throws Error when it is invalid, too large for a function's environment, or a replaced setting is still set.
 */
function readCatalogue(node: Node, env: Record<string, string | undefined>): Catalogue {
  const key = CONTEXT_KEYS.catalogue;
  const replaced = REPLACED_SETTINGS.filter(
    (name) => node.tryGetContext(name) !== undefined || (!name.includes(':') && env[name] !== undefined),
  );
  if (replaced.length > 0) {
    throw new Error(
      `${replaced.join(' and ')} ${replaced.length === 1 ? 'is' : 'are'} no longer read: models, their seconds, sizes ` +
        `and prices are the model catalogue now. Remove ${replaced.length === 1 ? 'it' : 'them'} and set context ` +
        `"${key}" instead (docs/CATALOGUE.md)`,
    );
  }
  const raw = node.tryGetContext(key) as unknown;
  let catalogue: Catalogue;
  if (raw === undefined) {
    catalogue = DEFAULT_CATALOGUE;
  } else if (typeof raw === 'string' && raw.trim().startsWith('{')) {
    catalogue = parseCatalogueJson(raw, `Context "${key}"`);
  } else if (typeof raw === 'string') {
    const path = resolve(raw);
    let json: string;
    try {
      json = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`Context "${key}" names the file ${path}, which cannot be read: ${(error as Error).message}`);
    }
    catalogue = parseCatalogueJson(json, `Context "${key}" (${path})`);
  } else {
    catalogue = parseCatalogue(raw, `Context "${key}"`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(catalogue));
  if (bytes > MAX_CATALOGUE_JSON_BYTES) {
    throw new Error(
      `Context "${key}" is ${bytes} bytes as compact JSON: at most ${MAX_CATALOGUE_JSON_BYTES} fit beside the other ` +
        'settings in a function’s environment (Lambda allows 4 KB in all); shorten it or split the deployment',
    );
  }
  return catalogue;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
