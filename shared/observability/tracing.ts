import { Tracer } from '@aws-lambda-powertools/tracer';

// The Powertools Tracer, only for the functions that stay inside their cold-start budget with it (the pipeline's tasks
// but StoreVideoInS3, the webhook dispatch and delivery): docs/ARCHITECTURE.md, "What a function bundles" (why, and
// which functions must not load it) and "Tracing" (what the untraced functions' traces lack).

/**
 * A Tracer that never writes a handler's or a method's result into a trace. Responses carry prompts, metadata and
 * presigned URLs; X-Ray keeps them where neither a delete nor an erasure reaches. Overriding the one method that
 * both `captureLambdaHandler` and `captureMethod` call makes this hold whatever options a handler passes and
 * whatever `POWERTOOLS_TRACER_CAPTURE_RESPONSE` says.
 */
export class ResponseFreeTracer extends Tracer {
  override addResponseAsMetadata(_data?: unknown, _methodName?: string): void {}
}

/**
 * The module-scope tracer of a traced function; the service name comes from POWERTOOLS_SERVICE_NAME. It does not
 * patch outgoing HTTP(S) (`captureHTTPsRequests: false`): a function whose requests may be traced opts in with
 * {@link traceOutgoingRequests}. deliver-webhook must not: its requests go to customers' URLs, whose paths often are
 * secret tokens (X-Ray would keep them) and which would receive our `X-Amzn-Trace-Id` header.
 */
export const tracer = new ResponseFreeTracer({ captureHTTPsRequests: false });

/**
 * Records every outgoing HTTP(S) request of this process (node:http, node:https and fetch) as a subsegment and adds
 * `X-Amzn-Trace-Id` to it, as the Tracer's default `captureHTTPsRequests` does. Only for functions whose requests go
 * to the provider or to AWS (presigned S3 requests); never where a URL is a customer's. Call it once, at module scope.
 */
export function traceOutgoingRequests(): void {
  if (!tracer.isTracingEnabled()) return;
  tracer.provider.captureHTTPsGlobal();
  tracer.provider.instrumentFetch();
}

/**
 * Records every call of these module-scope clients (shared/aws/) as an X-Ray subsegment. It adds a middleware to
 * each client's stack, so a DynamoDBDocumentClient made `from` a traced client is traced too (they share the stack).
 * Call it once, at module scope in the handler, for the clients the function uses.
 */
export function traceAwsClients(...clients: Array<Parameters<Tracer['captureAWSv3Client']>[0]>): void {
  for (const client of clients) tracer.captureAWSv3Client(client);
}
