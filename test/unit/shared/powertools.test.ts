import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, redactUrlQueries } from '../../../shared/observability/powertools';
import { tracer } from '../../../shared/observability/tracing';

const PRESIGNED =
  'https://reelflow-videos.s3.us-east-1.amazonaws.com/videos/alice/vid_1/video.mp4' +
  '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=deadbeef';

/** Makes `target` behave as inside a traced Lambda, and returns the spy on what it writes into the trace. */
function traced(target: Tracer) {
  const subsegment = { close: () => undefined, addNewSubsegment: () => subsegment };
  vi.spyOn(target, 'isTracingEnabled').mockReturnValue(true);
  vi.spyOn(target, 'getSegment').mockReturnValue(subsegment as never);
  vi.spyOn(target, 'setSegment').mockImplementation(() => undefined);
  vi.spyOn(target, 'annotateColdStart').mockImplementation(() => undefined);
  vi.spyOn(target, 'addServiceNameAnnotation').mockImplementation(() => undefined);
  return vi.spyOn(target, 'putMetadata').mockImplementation(() => undefined);
}

const answer = { statusCode: 302, headers: { location: PRESIGNED }, body: '{"prompt":"A red kite"}' };

describe('powertools', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('records a plain Tracer’s handler response (the control: what the shared tracer must not do)', async () => {
    // Prepare
    const plain = new Tracer();
    const putMetadata = traced(plain);
    const handler = middy()
      .use(captureLambdaHandler(plain))
      .handler(async () => answer);

    // Act
    await handler({}, {} as never);

    // Assess
    expect(putMetadata).toHaveBeenCalledWith(expect.stringContaining('response'), answer);
  });

  it('never records a handler’s response in the trace, whatever the middleware options say', async () => {
    // Prepare
    const putMetadata = traced(tracer);
    const handler = middy()
      .use(captureLambdaHandler(tracer, { captureResponse: true }))
      .handler(async () => answer);

    // Act
    await handler({}, {} as never);
    tracer.addResponseAsMetadata(answer, 'method');

    // Assess
    expect(putMetadata).not.toHaveBeenCalled();
  });

  it('cuts the query string (signature, credential) off every URL in a log line', () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);

    // Act
    logger.info(`Redirecting to ${PRESIGNED}`, { location: PRESIGNED, nested: { urls: [PRESIGNED] } });
    logger.error('Download failed', new Error(`GET ${PRESIGNED} answered 403`));

    // Assess
    const out = lines.join('');
    expect(out).toContain('vid_1/video.mp4?[redacted]');
    expect(out).not.toContain('X-Amz-Signature');
    expect(out).not.toContain('X-Amz-Credential');
    expect(out.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('leaves text without a URL query alone', () => {
    expect(redactUrlQueries('message', 'Video stored at videos/alice/vid_1/video.mp4?')).toBe(
      'Video stored at videos/alice/vid_1/video.mp4?',
    );
    expect(redactUrlQueries('url', 'https://provider.example/v1/videos/video_1')).toBe(
      'https://provider.example/v1/videos/video_1',
    );
    expect(redactUrlQueries('bytes', 42)).toBe(42);
  });
});
