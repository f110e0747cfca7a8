import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsFaultsSnapshot } from '../../../local/aws-faults/counters';
import { callApi, eventually, waitForTerminalVideo } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess, useLocalStack } from '../../helpers/local-stack';

/**
 * Faults that today's runtime is expected to survive: those the SDK retries by itself, and the Lambda invoke errors
 * the pipeline's Retry names. (Lost answers, transaction conflicts and Sandbox.Timedout are left out here.)
 */
const SURVIVABLE_FAULTS = {
  rate: 0.03,
  seed: 7,
  dynamodb: { kinds: ['throughput', 'throttle', 'internal', 'reset'] },
  s3: { kinds: ['slowdown', 'internal', 'reset'] },
  sfn: { kinds: ['throttle', 'reset'] },
  lambda: { rate: 0.2, kinds: ['service', 'too-many-requests'] },
};

let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { LOCAL_AWS_FAULTS: JSON.stringify(SURVIVABLE_FAULTS) } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('LOCAL_AWS_FAULTS', () => {
  it('completes a video while faults are injected, and counts them at GET /__local/aws-faults', async () => {
    const token = await stack.token(`faults-${Date.now()}`);

    const created = await callApi(stack, '/v1/videos', {
      method: 'POST',
      token,
      json: { prompt: 'A kite in a storm' },
    });
    const video = await waitForTerminalVideo(stack, token, created.body.id, 90_000);
    // The reconciliation schedule keeps calling DynamoDB every second, so faults keep being drawn.
    const counters = await eventually('a fault being injected', async () => {
      const reply = await callApi(stack, '/__local/aws-faults');
      const snapshot = reply.body as AwsFaultsSnapshot;
      return Object.values(snapshot.injected).some((count) => count > 0) ? snapshot : undefined;
    });

    expect(created.status).toBe(202);
    expect(video.status).toBe('completed');
    expect(counters.requests.dynamodb).toBeGreaterThan(0);
    expect(counters.requests.sfn).toBeGreaterThan(0);
    expect(counters.requests.s3).toBeGreaterThan(0);
    expect(counters.requests.lambda).toBeGreaterThan(0);
    for (const key of Object.keys(counters.injected)) {
      const [service, kind] = key.split(':') as [keyof typeof SURVIVABLE_FAULTS, string];
      expect((SURVIVABLE_FAULTS[service] as { kinds: string[] }).kinds).toContain(kind);
    }
    expect(counters.multipart.open).toEqual([]);
  }, 120_000);

  it('serves no /__local/aws-faults when LOCAL_AWS_FAULTS is unset', async () => {
    const plain = useLocalStack();

    const reply = await callApi(plain, '/__local/aws-faults');

    expect(reply.status).toBe(404);
  });
});
