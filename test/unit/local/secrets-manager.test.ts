import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalSecretsManager } from '../../../local/secrets-manager/index';
import { type SecretsManagerServer, startSecretsManagerServer } from '../../../local/secrets-manager/server';
import { SecretStore } from '../../../local/secrets-manager/store';
import { LocalTemplate } from '../../../local/template/resolve';
import { apiKeyResolver } from '../../../shared/provider/api-key';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let dataDir: string;
let server: SecretsManagerServer | undefined;
let client: SecretsManagerClient | undefined;

/** A store under the test's data dir, served over HTTP, and the real SDK client pointed at it. */
async function serve(): Promise<SecretsManagerClient> {
  const store = await SecretStore.open(join(dataDir, 'secrets.json'));
  server = await startSecretsManagerServer(store);
  client = new SecretsManagerClient({ region: 'us-east-1', endpoint: server.url, credentials: CREDENTIALS });
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** One stack with the provider secret as the CDK app synthesizes it. */
function providerSecretTemplate(): LocalTemplate {
  return new LocalTemplate([
    {
      stackName: 'Stateful',
      template: {
        Resources: {
          ProviderSecret: {
            Type: 'AWS::SecretsManager::Secret',
            Properties: {
              Description: 'provider credentials',
              GenerateSecretString: {
                SecretStringTemplate: JSON.stringify({ apiKey: 'replace-with-the-provider-api-key' }),
                GenerateStringKey: 'webhookSecret',
                ExcludePunctuation: true,
                PasswordLength: 48,
              },
            },
          },
        },
      },
    },
  ]);
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-secrets-'));
});

afterEach(async () => {
  client?.destroy();
  await server?.close();
  client = undefined;
  server = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('local secrets manager', () => {
  it('returns the value a CreateSecret stored, by name and by ARN', async () => {
    // Prepare
    const secrets = await serve();
    const created = await secrets.send(new CreateSecretCommand({ Name: 'provider', SecretString: '{"apiKey":"k1"}' }));

    // Act
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: 'provider' }));
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));

    // Assess
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:provider-[A-Za-z0-9]{6}$/);
    expect(byName).toMatchObject({ ARN: created.ARN, Name: 'provider', SecretString: '{"apiKey":"k1"}' });
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byArn.VersionId).toBe(created.VersionId);
  });

  it('returns the new value after PutSecretValue and keeps the old one as AWSPREVIOUS', async () => {
    // Prepare
    const secrets = await serve();
    const created = await secrets.send(new CreateSecretCommand({ Name: 'provider', SecretString: 'v1' }));

    // Act
    const put = await secrets.send(new PutSecretValueCommand({ SecretId: 'provider', SecretString: 'v2' }));
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: 'provider' }));
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: 'provider', VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'provider' }));

    // Assess
    expect(current).toMatchObject({ SecretString: 'v2', VersionId: put.VersionId });
    expect(previous).toMatchObject({ SecretString: 'v1', VersionId: created.VersionId });
    expect(described.VersionIdsToStages).toEqual({
      [String(created.VersionId)]: ['AWSPREVIOUS'],
      [String(put.VersionId)]: ['AWSCURRENT'],
    });
  });

  it('returns the same version when a PutSecretValue is repeated with its ClientRequestToken', async () => {
    // Prepare
    const secrets = await serve();
    await secrets.send(new CreateSecretCommand({ Name: 'provider', SecretString: 'v1' }));
    const token = '6f0e5c1a-59a4-4b5a-9d55-7c3c6a1f0001';

    // Act
    const first = await secrets.send(
      new PutSecretValueCommand({ SecretId: 'provider', SecretString: 'v2', ClientRequestToken: token }),
    );
    const again = await secrets.send(
      new PutSecretValueCommand({ SecretId: 'provider', SecretString: 'v2', ClientRequestToken: token }),
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'provider' }));

    // Assess
    expect([first.VersionId, again.VersionId]).toEqual([token, token]);
    expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(2);
  });

  it('throws ResourceNotFoundException, as AWS shapes it, for a secret that does not exist', async () => {
    // Prepare
    const secrets = await serve();

    // Act
    const get = await rejection(secrets.send(new GetSecretValueCommand({ SecretId: 'missing' })));
    const put = await rejection(secrets.send(new PutSecretValueCommand({ SecretId: 'missing', SecretString: 'x' })));
    const describe = await rejection(secrets.send(new DescribeSecretCommand({ SecretId: 'missing' })));

    // Assess
    for (const error of [get, put, describe]) {
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it('throws ResourceExistsException when a secret of that name already exists', async () => {
    // Prepare
    const secrets = await serve();
    await secrets.send(new CreateSecretCommand({ Name: 'provider', SecretString: 'v1' }));

    // Act
    const error = await rejection(secrets.send(new CreateSecretCommand({ Name: 'provider', SecretString: 'v2' })));

    // Assess
    expect(error).toBeInstanceOf(ResourceExistsException);
  });

  it('returns the secrets of a previous run after a restart, from a file only its owner can read', async () => {
    // Prepare
    const before = await serve();
    await before.send(new CreateSecretCommand({ Name: 'provider', SecretString: 'kept' }));
    before.destroy();
    await server?.close();

    // Act
    const after = await serve();
    const value = await after.send(new GetSecretValueCommand({ SecretId: 'provider' }));

    // Assess
    expect(value.SecretString).toBe('kept');
    expect((await stat(join(dataDir, 'secrets.json'))).mode & 0o777).toBe(0o600);
  });

  it("creates the template's secret at its resolved ARN with the generated key, and merges local fields into it", async () => {
    // Prepare
    const template = providerSecretTemplate();
    const arn = template.physicalName('Stateful', 'ProviderSecret');

    // Act
    const first = await startLocalSecretsManager({ dataDir, template });
    await first.merge(arn, { apiKey: 'sk-local' });
    await first.close();
    const restarted = await startLocalSecretsManager({ dataDir, template });
    await restarted.merge(arn, { apiKey: 'sk-local' });
    server = { url: restarted.url, close: restarted.close };
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: restarted.url, credentials: CREDENTIALS });
    const value = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: arn }));

    // Assess
    expect(restarted.arns).toEqual([arn]);
    const secret = JSON.parse(String(value.SecretString)) as Record<string, string>;
    expect(secret.apiKey).toBe('sk-local');
    expect(secret.webhookSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(described.Description).toBe('provider credentials');
    // The generated value, then the merged one; the restart's identical merge added nothing.
    expect(Object.values(described.VersionIdsToStages ?? {})).toEqual([['AWSPREVIOUS'], ['AWSCURRENT']]);
  });

  it('returns the apiKey the provider client reads through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    // Prepare
    const template = providerSecretTemplate();
    const arn = template.physicalName('Stateful', 'ProviderSecret');
    const local = await startLocalSecretsManager({ dataDir, template });
    server = { url: local.url, close: local.close };
    await local.merge(arn, { apiKey: 'sk-through-the-endpoint' });
    const variables = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    Object.assign(process.env, variables);

    try {
      // Act
      const apiKey = await apiKeyResolver({
        baseURL: 'http://127.0.0.1:9/v1',
        secretArn: arn,
        timeoutMs: 1000,
        secretMaxAgeSeconds: 1,
      })();

      // Assess
      expect(apiKey).toBe('sk-through-the-endpoint');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
