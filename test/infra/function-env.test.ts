import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { REPO_ROOT } from '../../infra/config';
import { HANDLER_METADATA_KEY } from '../../infra/constructs/app-function';
import { synthesizeApp } from './app-fixture';

// Every function's environment as infra synthesizes it must satisfy the schema the function parses at cold start
// (functions/<name>/env.ts): a variable infra forgets or misspells fails here, not at the first deployed request.

interface SynthesizedFunction {
  logicalId: string;
  handler: string;
  variables: Record<string, unknown>;
}

/**
 * A CloudFormation value with its tokens (Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, ...) replaced by a plausible
 * string: an ARN-shaped value naming what the token referred to, which passes any "non-empty name or ARN" check.
 */
function plausibleValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') {
    const [intrinsic, argument] = Object.entries(value)[0] ?? [];
    if (intrinsic === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map(plausibleValue).join(separator);
    }
    const target = JSON.stringify(argument).replace(/[^A-Za-z0-9]+/g, '-');
    return `arn:aws:local:us-east-1:000000000000:${target}`;
  }
  throw new Error(`Cannot stand in for ${JSON.stringify(value)}`);
}

/** The problems `schema` finds in `variables` (tokens made plausible); empty when the environment is valid. */
function envProblems(schema: z.ZodType, variables: Record<string, unknown>): string[] {
  const env = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, plausibleValue(value)]));
  const result = schema.safeParse(env);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** The zod schema a function's env.ts exports (its one `...EnvSchema` export). */
async function envSchemaOf(handler: string): Promise<z.ZodType> {
  const module = (await import(pathToFileURL(join(REPO_ROOT, dirname(handler), 'env.ts')).href)) as Record<
    string,
    unknown
  >;
  const schemas = Object.entries(module).filter(([name]) => name.endsWith('EnvSchema'));
  if (schemas.length !== 1) throw new Error(`${handler}: expected one *EnvSchema export, found ${schemas.length}`);
  return schemas[0]![1] as z.ZodType;
}

describe("each function's synthesized environment", () => {
  let functions: SynthesizedFunction[];
  const schemas = new Map<string, z.ZodType>();

  beforeAll(async () => {
    const { statelessTemplate } = synthesizeApp();
    const resources = statelessTemplate.findResources('AWS::Lambda::Function') as Record<
      string,
      { Metadata?: Record<string, unknown>; Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    functions = Object.entries(resources).flatMap(([logicalId, resource]) => {
      const handler = resource.Metadata?.[HANDLER_METADATA_KEY];
      // CDK's own functions (log retention, custom resources) have no handler module of ours.
      if (typeof handler !== 'string') return [];
      return [{ logicalId, handler, variables: resource.Properties.Environment?.Variables ?? {} }];
    });
    for (const { handler } of functions) schemas.set(handler, await envSchemaOf(handler));
  });

  it('covers every function folder', () => {
    // 41 folders under functions/, each deployed once.
    expect(new Set(functions.map((fn) => fn.handler)).size).toBe(41);
  });

  it("parses with the function's own env schema", () => {
    const failures = functions.flatMap(({ logicalId, handler, variables }) =>
      envProblems(schemas.get(handler)!, variables).map((problem) => `${logicalId} (${handler}): ${problem}`),
    );
    expect(failures).toEqual([]);
  });

  it('fails on a missing or misnamed variable', () => {
    const storeVideo = functions.find((fn) => fn.handler === 'functions/store-video/handler.ts')!;
    const schema = schemas.get(storeVideo.handler)!;
    const { BUCKET_NAME, ...withoutBucket } = storeVideo.variables;
    expect(BUCKET_NAME).toBeDefined();
    expect(envProblems(schema, withoutBucket)).toEqual([expect.stringMatching(/^BUCKET_NAME: /)]);
    expect(envProblems(schema, { ...withoutBucket, BUCKET: BUCKET_NAME })).toEqual([
      expect.stringMatching(/^BUCKET_NAME: /),
    ]);
  });

  it('stands in for CloudFormation tokens with plausible strings', () => {
    expect(plausibleValue({ Ref: 'Table' })).toBe('arn:aws:local:us-east-1:000000000000:-Table-');
    expect(plausibleValue({ 'Fn::Join': ['', ['https://', { Ref: 'Api' }, '/v1']] })).toMatch(/^https:\/\/arn.*\/v1$/);
  });
});
