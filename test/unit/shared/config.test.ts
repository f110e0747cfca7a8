import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv, providerEnvSchema, tableEnvSchema } from '../../../shared/config';

const providerTaskEnv = z.object({ ...tableEnvSchema().shape, ...providerEnvSchema().shape });

describe('config', () => {
  it('returns the parsed env with defaults when every variable is set', () => {
    // Act
    const env = parseEnv(providerTaskEnv, {
      TABLE_NAME: 'videos',
      PROVIDER_BASE_URL: 'http://127.0.0.1:4010/v1',
      PROVIDER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:provider-AbCdEf',
    });

    // Assess
    expect(env).toMatchObject({
      TABLE_NAME: 'videos',
      PROVIDER_TIMEOUT_MS: 30_000,
      PROVIDER_SECRET_MAX_AGE_SECONDS: 300,
    });
  });

  it('throws one message naming every missing variable', () => {
    // Act / Assess
    expect(() => parseEnv(providerTaskEnv, { PROVIDER_BASE_URL: 'not a url' })).toThrow(
      /Invalid environment configuration: .*TABLE_NAME.*PROVIDER_BASE_URL/,
    );
  });

  it('throws when the provider secret ARN is missing, whatever key the environment holds', () => {
    // Act / Assess
    expect(() =>
      parseEnv(providerTaskEnv, {
        TABLE_NAME: 't',
        PROVIDER_BASE_URL: 'https://p.example/v1',
        PROVIDER_API_KEY: 'sk-ignored',
      }),
    ).toThrow(/PROVIDER_SECRET_ARN: PROVIDER_SECRET_ARN is required/);
  });
});
