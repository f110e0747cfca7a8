import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { type CompactJWSHeaderParameters, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { expect } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../../local/token/issuer';
import { emulator, eventually } from '../../helpers/api';
import type { LocalStackClient } from '../../helpers/local-stack';
import type { ContractClient } from './contract';

/** A prompt no other test uses, so emulator jobs and faults can be matched to one test. */
export function uniquePrompt(label: string): string {
  return `${label} ${Date.now()}-${randomUUID().slice(0, 8)}`;
}

/** A user id no other test uses. */
export function uniqueUser(label: string): string {
  return `${label}-${randomUUID()}`;
}

/** Creates a video and returns it (asserting the 202 and its Location). */
// biome-ignore lint/suspicious/noExplicitAny: the video resource as JSON
export async function createVideo(api: ContractClient, token: string, body: Record<string, unknown>): Promise<any> {
  const reply = await api.call('POST', '/v1/videos', { token, json: body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  expect(reply.headers.get('location')).toBe(`/v1/videos/${reply.body.id}`);
  return reply.body;
}

/** Waits until the video's status satisfies `done` (through the checked client) and returns the video. */
export function waitForVideo(
  api: ContractClient,
  token: string,
  videoId: string,
  done: (status: string) => boolean,
  timeoutMs = 60_000,
  // biome-ignore lint/suspicious/noExplicitAny: the video resource as JSON
): Promise<any> {
  return eventually(
    `video ${videoId} reaching the expected status`,
    async () => {
      const reply = await api.call('GET', `/v1/videos/${videoId}`, { token });
      return done(reply.body?.status) ? reply.body : undefined;
    },
    { timeoutMs, intervalMs: 150 },
  );
}

export const isTerminal = (status: string) => ['completed', 'failed', 'cancelled'].includes(status);

/** Emulator jobs whose prompt is exactly `prompt`. */
export async function jobsFor(stack: LocalStackClient, prompt: string) {
  const { data } = await emulator.jobs(stack);
  return data.filter((job) => job.prompt === prompt);
}

/** A job as the provider's own API shows it (the emulator's `/v1/videos/{id}`, with its default key). */
export async function providerJob(stack: LocalStackClient, providerVideoId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.emulatorUrl}/videos/${providerVideoId}`, {
    headers: { authorization: 'Bearer sk-emulator' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Mints tokens the local issuer did NOT issue as they are (bad signature, expired, `alg: none`, no `sub`, another
 * issuer) or that it issued for another use (an ID token), from the stack's own key where a valid signature is
 * needed, so each one is wrong in exactly one way.
 */
export async function badTokens(stack: LocalStackClient, userId: string): Promise<Record<string, string>> {
  const privateJwk = JSON.parse(await readFile(join(stack.dataDir, 'issuer', 'signing-key.json'), 'utf8')) as JWK;
  const key = await importJWK(privateJwk, 'ES256');
  const header: CompactJWSHeaderParameters = { alg: 'ES256', kid: privateJwk.kid ?? 'local', typ: 'JWT' };
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    token_use: 'access',
    client_id: LOCAL_CLIENT_ID,
    'cognito:groups': [],
    username: userId,
  };
  const sign = (
    payload: JWTPayload,
    signingKey: Awaited<ReturnType<typeof importJWK>> = key,
    options: { iss?: string } = {},
  ) =>
    new SignJWT(payload)
      .setProtectedHeader(header)
      .setIssuer(options.iss ?? stack.issuer)
      .setAudience(LOCAL_CLIENT_ID)
      .setIssuedAt(now - 120)
      .setJti(randomUUID())
      .sign(signingKey);
  const otherKey = (await generateKeyPair('ES256')).privateKey;
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return {
    'a wrong signature': await sign({ ...claims, sub: userId, exp: now + 600 }, otherKey),
    'an expired token': await sign({ ...claims, sub: userId, exp: now - 60 }),
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
      ...claims,
      sub: userId,
      iss: stack.issuer,
      aud: LOCAL_CLIENT_ID,
      exp: now + 600,
    })}.`,
    'no sub': await sign({ ...claims, exp: now + 600 }),
    'another issuer': await sign({ ...claims, sub: userId, exp: now + 600 }, key, { iss: 'https://issuer.example' }),
    'an ID token': await sign({ ...claims, token_use: 'id', sub: userId, exp: now + 600 }),
  };
}

/** Every item of every table of the stack (the main table and the Powertools idempotency table), as JSON text. */
export async function everyStoredItem(dynamodb: DynamoDBClient, documents: DynamoDBDocumentClient): Promise<string[]> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  expect(TableNames.some((name) => /StorageTable/.test(name))).toBe(true);
  expect(TableNames.some((name) => /Idempotency/.test(name))).toBe(true);
  const items: string[] = [];
  for (const TableName of TableNames) {
    for await (const page of paginateScan({ client: documents }, { TableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) items.push(JSON.stringify(item));
    }
  }
  return items;
}

/**
 * The stack's tables and bucket read directly, for what no route shows (what a delete or an erasure leaves): every
 * stored item, the bucket's name, the object keys under a prefix. `destroy` the clients after the file.
 */
export function storedState(stack: LocalStackClient) {
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  const bucketName = async (): Promise<string> => {
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    return Buckets[0]!.Name!;
  };
  return {
    s3,
    bucketName,
    /** Every item of every table of the stack, as JSON text. */
    everyItem: () => everyStoredItem(dynamodb, documents),
    async objectsUnder(prefix: string): Promise<string[]> {
      const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: await bucketName(), Prefix: prefix }));
      return Contents.map((object) => object.Key ?? '');
    },
    destroy(): void {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
