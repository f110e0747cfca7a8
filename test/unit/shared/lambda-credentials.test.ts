import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUNDLE_ALIASES } from '../../../infra/constructs/app-function';
import { defaultProvider } from '../../../shared/aws/lambda-credentials';

describe('the credential chain deployed bundles use (shared/aws/lambda-credentials.ts)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('answers the credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-real-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-token');
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'not-a-real-secret',
      sessionToken: 'session-token',
    });
  });

  it('fails with the SDK’s CredentialsProviderError when the environment has none', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });

  it('replaces the default chain in a bundle built with AppFunction’s aliases, and nothing of the chain remains', async () => {
    const bundleWith = async (alias: Record<string, string>) => {
      const result = await build({
        stdin: {
          contents:
            "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const client = new DynamoDBClient({});",
          resolveDir: process.cwd(),
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
        alias,
      });
      return Object.keys(result.metafile.inputs);
    };
    const chain = (inputs: string[]) =>
      inputs.filter((path) => /credential-provider-(ini|sso|node)|nested-clients/.test(path));
    expect(chain(await bundleWith({}))).not.toEqual([]);
    const aliased = await bundleWith({ ...BUNDLE_ALIASES });
    expect(chain(aliased)).toEqual([]);
    expect(aliased.some((path) => path.endsWith('shared/aws/lambda-credentials.ts'))).toBe(true);
  });
});
