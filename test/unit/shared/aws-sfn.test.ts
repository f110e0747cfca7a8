import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaultCounters } from '../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../local/aws-faults/decider';
import { type RunningFaultProxy, startFaultProxy } from '../../../local/aws-faults/proxy';
import { StepFunctionsPipelineStarter } from '../../../shared/pipeline/pipeline-starter';

/** A stand-in Step Functions endpoint that accepts every StartExecution. */
let upstream: Server;
let proxy: RunningFaultProxy;
const counters = new FaultCounters();
const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:Pipeline';

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ executionArn: `${ARN}:vid`, startDate: 1_763_700_000 }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({
    service: 'sfn',
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    // A burst longer than the SDK's default three attempts: throttled, dropped, throttled twice, then through.
    decider: scriptedDecider<'sfn'>(['throttle', 'reset', 'throttle', 'throttle']),
    counters,
  });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => upstream?.close(resolve));
  vi.unstubAllEnvs();
});

describe('shared Step Functions client', () => {
  it('starts a video execution through a burst of four transient faults instead of failing the video', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SFN', proxy.url);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.resetModules();
    const { sfn } = await import('../../../shared/aws/sfn');

    await new StepFunctionsPipelineStarter(sfn, ARN).start({ videoId: 'vid', userId: 'alice' });

    expect(counters.snapshot().requests.sfn).toBe(5);
  }, 60_000);
});
