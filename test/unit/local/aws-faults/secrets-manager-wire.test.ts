import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../local/aws-faults/config';
import { FaultCounters } from '../../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../../local/aws-faults/proxy';
import { type SecretsManagerServer, startSecretsManagerServer } from '../../../../local/secrets-manager/server';
import { SecretStore } from '../../../../local/secrets-manager/store';
import { isTransientAwsError } from '../../../../shared/aws/transient-errors';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let dataDir: string;
let server: SecretsManagerServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-sm-faults-'));
  server = await startSecretsManagerServer(await SecretStore.open(join(dataDir, 'secrets.json')));
  const direct = new SecretsManagerClient({ region: 'us-east-1', endpoint: server.url, credentials: CREDENTIALS });
  await direct.send(new CreateSecretCommand({ Name: 'provider', SecretString: '{"apiKey":"sk-test"}' }));
  direct.destroy();
});

afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function through(script: Array<FaultKind<'secretsmanager'> | undefined>, maxAttempts: number) {
  const counters = new FaultCounters();
  const proxy = await startFaultProxy({
    service: 'secretsmanager',
    upstream: server.url,
    decider: scriptedDecider<'secretsmanager'>(script),
    counters,
  });
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: proxy.url,
    credentials: CREDENTIALS,
    maxAttempts,
  });
  const close = async () => {
    client.destroy();
    await proxy.close();
  };
  return { client, counters, close };
}

describe('fault proxy in front of the local Secrets Manager', () => {
  it.each([
    ['throttle', 'ThrottlingException', 400],
    ['internal', 'InternalServiceError', 500],
  ] as const)('surfaces %s as %s (HTTP %i), which the runtime counts as transient', async (kind, name, status) => {
    const { client, close } = await through([kind], 1);

    const error = (await client.send(new GetSecretValueCommand({ SecretId: 'provider' })).catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    await close();

    expect(error.name).toBe(name);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each(['throttle', 'internal', 'reset', 'lost'] as const)(
    'lets the SDK retry %s and read the secret on the next attempt',
    async (kind) => {
      const { client, counters, close } = await through([kind], 3);

      const output = await client.send(new GetSecretValueCommand({ SecretId: 'provider' }));
      await close();

      expect(output.SecretString).toBe('{"apiKey":"sk-test"}');
      expect(output.$metadata.attempts).toBe(2);
      expect(counters.snapshot().injected[`secretsmanager:${kind}`]).toBe(1);
    },
  );
});
