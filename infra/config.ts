import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';

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
} as const;

/** Deployment settings read from CDK context, validated once. */
export interface ReelflowConfig {
  readonly providerBaseUrl: string;
  readonly corsAllowOrigins: string[];
  readonly alarmEmail: string | undefined;
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
export function readConfig(node: Node): ReelflowConfig {
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
  return {
    providerBaseUrl: providerBaseUrl.replace(/\/+$/, ''),
    corsAllowOrigins: origins as string[],
    alarmEmail: alarmEmail as string | undefined,
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
