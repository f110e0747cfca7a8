import { Tracer } from '@aws-lambda-powertools/tracer';

/*
 * The Powertools Tracer, for the functions that nobody waits on: the pipeline's tasks, the webhook deliveries and
 * the scheduled jobs. The API functions do not import this module: the Tracer bundles aws-xray-sdk-core (with
 * cls-hooked and semver, ~125 KiB) and loading it was the largest part of an API function's cold start over the
 * one-GetItem reference (bench/RESULTS.md, cold-start). Every function keeps Lambda's active tracing, so an API
 * call still shows in X-Ray as its Lambda segment (initialization, invocation, overhead); docs/ARCHITECTURE.md
 * lists what the API functions' traces no longer carry.
 */

/**
 * A Tracer that never writes a handler's or a method's result into a trace. Responses carry prompts, metadata and
 * presigned URLs; X-Ray keeps them where neither a delete nor an erasure reaches. Overriding the one method that
 * both `captureLambdaHandler` and `captureMethod` call makes this hold whatever options a handler passes and
 * whatever `POWERTOOLS_TRACER_CAPTURE_RESPONSE` says.
 */
export class ResponseFreeTracer extends Tracer {
  override addResponseAsMetadata(_data?: unknown, _methodName?: string): void {}
}

/** The module-scope tracer of a traced function; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const tracer = new ResponseFreeTracer();

/**
 * Records every call of these module-scope clients (shared/aws/) as an X-Ray subsegment. It adds a middleware to
 * each client's stack, so a DynamoDBDocumentClient made `from` a traced client is traced too (they share the stack).
 * Call it once, at module scope in the handler, for the clients the function uses.
 */
export function traceAwsClients(...clients: Array<Parameters<Tracer['captureAWSv3Client']>[0]>): void {
  for (const client of clients) tracer.captureAWSv3Client(client);
}
