import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Matches the query string of any URL in a text: where a presigned URL carries its signature and credential. */
const URL_QUERY = /(https?:\/\/[^\s?#"'<>]+)\?[^\s#"'<>]*/gi;

/**
 * Logger JSON replacer that cuts the query string off every URL in a log line (message, fields, error messages and
 * stacks): a presigned URL (S3's, or a provider's download redirect) is a bearer credential until it expires.
 */
export function redactUrlQueries(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(URL_QUERY, '$1?[redacted]') : value;
}

/**
 * Module-scope Powertools singletons, shared by every function. The service name comes from
 * POWERTOOLS_SERVICE_NAME (the function's folder name), the namespace from POWERTOOLS_METRICS_NAMESPACE.
 * The tracer is not here: only the functions that trace import it (shared/observability/tracing.ts; which and why:
 * docs/ARCHITECTURE.md, "What a function bundles").
 */
export const logger = new Logger({ jsonReplacerFn: redactUrlQueries });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'reelflow' });

/** The slice of the Powertools Logger that logic modules use (so tests can pass a fake). */
export type AppLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'appendKeys'>;
/** The slice of the Powertools Metrics that logic modules use. */
export interface AppMetrics {
  addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): unknown;
}
