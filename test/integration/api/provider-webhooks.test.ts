import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../local/provider-emulator/webhooks';
import { emulator, eventually } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, uniquePrompt, uniqueUser } from './support';

// The provider webhook receiver through the local HTTP API: signed as the emulator signs, under the provider secret's
// webhookSecret read from the local Secrets Manager. A video whose provider job never finishes on its own (the
// emulator's never_finish fault) gets a task token item, as the waiting step will store it; what the receiver may
// and may not do to that item is what is checked.
const stack = useLocalStack();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
const documents = DynamoDBDocumentClient.from(dynamodb);
let api: ContractClient;
let secret: string;
let table: string;
let job: string;
const prompt = uniquePrompt('provider webhook');
// Well-formed but issued by no execution: the engine answers TaskDoesNotExist, which the receiver takes as late.
const TOKEN = randomBytes(48).toString('base64url');

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  const secrets = new SecretsManagerClient({
    endpoint: stack.secretsManagerEndpoint,
    region: 'us-east-1',
    credentials,
  });
  for (const { ARN } of (await secrets.send(new ListSecretsCommand({}))).SecretList ?? []) {
    const value = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString ?? '{}');
    if (typeof value.webhookSecret === 'string') secret = value.webhookSecret;
  }
  secrets.destroy();
  expect(secret).toBeTypeOf('string');
  table = ((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).find((name) =>
    /StorageTable/.test(name),
  )!;

  await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });
  const user = uniqueUser('provider-webhook');
  const video = await createVideo(api, await stack.token(user), { prompt, model: 'sora-2', seconds: '4' });
  job = await eventually(`the provider job of ${video.id}`, async () => {
    const found = (await emulator.jobs(stack)).data.find((candidate) => candidate.prompt === prompt)?.id;
    if (found === undefined) return undefined;
    const claim = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: `PROVIDERJOB#${found}`, sk: 'CLAIM' } }),
    );
    return claim.Item?.videoId === video.id ? found : undefined;
  });
  await documents.send(
    new PutCommand({
      TableName: table,
      Item: { pk: `PROVIDERJOB#${job}`, sk: 'TASKTOKEN', taskToken: TOKEN, videoId: video.id, storedAt: 1 },
    }),
  );
});

afterAll(async () => {
  // The job ends (if the test did not end it), so the video is not left polling.
  await emulator.finish(stack, { match: prompt, status: 'completed' });
  documents.destroy();
  dynamodb.destroy();
  expectCovered(api, 'provider-webhooks');
});

function event(jobId: string, type = 'video.completed'): string {
  return JSON.stringify({
    id: `evt_${randomBytes(8).toString('hex')}`,
    object: 'event',
    created_at: 0,
    type,
    data: { id: jobId },
  });
}

/** POSTs `body` signed per Standard Webhooks (with `secret` and `timestamp` unless overridden). */
function deliver(body: string, options: { signWith?: string; timestamp?: number; signature?: string } = {}) {
  const id = `wh_${randomBytes(8).toString('hex')}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return api.call('POST', '/v1/provider/webhooks', {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': options.signature ?? signWebhook(options.signWith ?? secret, id, timestamp, body),
    },
  });
}

async function storedToken(): Promise<unknown> {
  return (
    await documents.send(new GetCommand({ TableName: table, Key: { pk: `PROVIDERJOB#${job}`, sk: 'TASKTOKEN' } }))
  ).Item?.taskToken;
}

async function recordedEvents(): Promise<number> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: { ':pk': `PROVIDERJOB#${job}`, ':events': 'EVENT#' },
    }),
  );
  return Items.length;
}

describe('POST /v1/provider/webhooks', () => {
  it('returns 401 unauthenticated and leaves the task token and events untouched for a forged signature, a wrong secret or a 10-minute-old timestamp', async () => {
    const replies = [
      await deliver(event(job), { signature: `v1,${randomBytes(32).toString('base64')}` }),
      await deliver(event(job), { signWith: 'not-the-provider-secret' }),
      await deliver(event(job), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      await deliver(event(job), { signature: '' }),
    ];

    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.body.error).toMatchObject({ code: 'unauthenticated', type: 'authentication_error' });
    }
    expect(await storedToken()).toBe(TOKEN);
    expect(await recordedEvents()).toBe(0);
  });

  it('returns 200 unknown_job for a correctly signed event about a job no video claimed', async () => {
    const reply = await deliver(event(`video_${randomBytes(8).toString('hex')}`));

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ received: true, outcome: 'unknown_job' });
  });

  it('returns 413 payload_too_large for a body over 64 KiB and 400 invalid_json for a signed body that is not JSON', async () => {
    const large = await deliver(JSON.stringify({ padding: 'x'.repeat(64 * 1024) }));
    const malformed = await deliver('{"id": nope');

    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('payload_too_large');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    expect(await storedToken()).toBe(TOKEN);
  });

  it('returns 200 not_finished, recording the event but keeping the token, while the provider says the job still runs', async () => {
    const reply = await deliver(event(job));

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ received: true, outcome: 'not_finished' });
    expect(await storedToken()).toBe(TOKEN);
    expect(await recordedEvents()).toBe(1);
  });

  it('takes the token once the emulator finishes the job and sends its own signed event to the receiver', async () => {
    await emulator.finish(stack, { match: prompt, status: 'completed' });

    await eventually('the emulator’s webhook taking the task token', async () =>
      (await storedToken()) === undefined ? true : undefined,
    );
    expect(await recordedEvents()).toBe(2);
  });
});
