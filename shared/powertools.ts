import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Module-scope Powertools singletons, shared by every function. The service name comes from
 * POWERTOOLS_SERVICE_NAME (the function's folder name), the namespace from POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'reelflow' });

/** The slice of the Powertools Logger that logic modules use (so tests can pass a fake). */
export type AppLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'appendKeys'>;
/** The slice of the Powertools Metrics that logic modules use. */
export interface AppMetrics {
  addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): unknown;
}
