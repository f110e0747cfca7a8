import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../local/provider-emulator/webhooks';
import { emulator, eventually, executionArnOf, executionHistory, sfnClient } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, uniquePrompt, uniqueUser, waitForVideo } from './support';

// The provider webhook receiver through the local HTTP API: signed as the emulator signs, under the provider secret's
// webhookSecret read from the local Secrets Manager. A video whose provider job never finishes on its own (the
// emulator's never_finish fault) waits in WaitForProviderWebhook, its task token stored against the job; what the
// receiver may and may not do to that token (and so to the waiting execution) is what is checked.
const stack = useLocalStack();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
const documents = DynamoDBDocumentClient.from(dynamodb);
let api: ContractClient;
let secret: string;
let table: string;
let job: string;
const prompt = uniquePrompt('provider webhook');
/** The task token the video's execution stored as its wait began. */
let token: string;
let videoId: string;
let userToken: string;

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
  userToken = await stack.token(user);
  const video = await createVideo(api, userToken, { prompt, model: 'sora-2', seconds: '4' });
  videoId = video.id;
  job = await eventually(`the provider job of ${video.id}`, async () => {
    const found = (await emulator.jobs(stack)).data.find((candidate) => candidate.prompt === prompt)?.id;
    if (found === undefined) return undefined;
    const claim = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: `PROVIDERJOB#${found}`, sk: 'CLAIM' } }),
    );
    return claim.Item?.videoId === video.id ? found : undefined;
  });
  token = await eventually('the execution waiting for the provider’s webhook', async () => {
    const stored = await storedToken();
    return typeof stored === 'string' ? stored : undefined;
  });
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
    expect(await storedToken()).toBe(token);
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
    expect(await storedToken()).toBe(token);
  });

  it('returns 200 not_finished, recording the event but keeping the token, while the provider says the job still runs', async () => {
    const reply = await deliver(event(job));

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ received: true, outcome: 'not_finished' });
    expect(await storedToken()).toBe(token);
    expect(await recordedEvents()).toBe(1);
  });

  it('takes the token once the emulator finishes the job and sends its own signed event to the receiver', async () => {
    await emulator.finish(stack, { match: prompt, status: 'completed' });

    await eventually('the emulator’s webhook taking the task token', async () =>
      (await storedToken()) === undefined ? true : undefined,
    );
    expect(await recordedEvents()).toBe(2);
    await waitForVideo(api, userToken, videoId, (status) => status === 'completed');
  });
});

/** POSTs one signed event twice at once: the provider's retry of a delivery (same webhook-id and timestamp). */
async function deliverTwice(body: string) {
  const id = `wh_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
  return Promise.all([0, 1].map(() => api.call('POST', '/v1/provider/webhooks', { body, headers })));
}

/** The emulator's job id of the one video made with `jobPrompt`, once the execution waits on its task token. */
async function waitingJob(jobPrompt: string): Promise<string> {
  return eventually('the execution waiting on its task token', async () => {
    const found = (await emulator.jobs(stack)).data.find((candidate) => candidate.prompt === jobPrompt)?.id;
    if (found === undefined) return undefined;
    const item = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: `PROVIDERJOB#${found}`, sk: 'TASKTOKEN' } }),
    );
    return item.Item === undefined ? undefined : found;
  });
}

describe('the pipeline waiting for the provider’s webhook', () => {
  it('completes the video by polling when the webhook is lost (the wait times out into the fallback)', async () => {
    const lost = uniquePrompt('lost provider webhook');
    await emulator.faults(stack, { drop_webhook: { match: lost, count: 1 } });
    const user = await stack.token(uniqueUser('provider-webhook-lost'));
    const video = await createVideo(api, user, { prompt: lost, model: 'sora-2', seconds: '4' });

    const done = await waitForVideo(api, user, video.id, isTerminal, 60_000);

    expect(done).toMatchObject({ status: 'completed', progress: 100 });
  });

  it('settles once for a delivery sent twice, and answers a late one 200 settled without changing the video', async () => {
    const twice = uniquePrompt('duplicate provider webhook');
    await emulator.faults(stack, {
      never_finish: { match: twice, count: 1 },
      drop_webhook: { match: twice, count: 1 },
    });
    const user = await stack.token(uniqueUser('provider-webhook-twice'));
    const video = await createVideo(api, user, { prompt: twice, model: 'sora-2', seconds: '4' });
    const twiceJob = await waitingJob(twice);
    await emulator.finish(stack, { match: twice, status: 'completed' });

    const replies = await deliverTwice(event(twiceJob));
    const done = await waitForVideo(api, user, video.id, isTerminal);
    const late = await deliver(event(twiceJob));
    const after = await api.call('GET', `/v1/videos/${video.id}`, { token: user });

    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    expect(replies.map((reply) => reply.body.outcome).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(completed|late)$/)]),
    );
    expect(
      replies.map((reply) => reply.body.outcome).filter((outcome) => outcome === 'completed').length,
    ).toBeLessThanOrEqual(1);
    expect(done).toMatchObject({ status: 'completed' });
    expect(late.status).toBe(200);
    expect(late.body).toEqual({ received: true, outcome: 'settled' });
    expect(after.body).toMatchObject({ status: 'completed', cost: done.cost, completed_at: done.completed_at });
  });

  it('fails the video with the provider’s code when the provider’s video.failed event resumes the execution', async () => {
    const failing = uniquePrompt('failed provider webhook');
    await emulator.faults(stack, { fail_generation: { match: failing, code: 'moderation_blocked', count: 1 } });
    const user = await stack.token(uniqueUser('provider-webhook-failed'));
    const video = await createVideo(api, user, { prompt: failing, model: 'sora-2', seconds: '4' });

    const done = await waitForVideo(api, user, video.id, isTerminal);

    expect(done).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked' } });
  });

  it('moves progress while the execution waits: GET reads the provider’s progress through its cache', async () => {
    const slow = uniquePrompt('progress while waiting');
    await emulator.faults(stack, { never_finish: { match: slow, count: 1 } });
    const user = await stack.token(uniqueUser('provider-webhook-progress'));
    const video = await createVideo(api, user, { prompt: slow, model: 'sora-2', seconds: '4' });
    await waitingJob(slow);

    const seen = await waitForVideo(api, user, video.id, (status) => status === 'in_progress', 20_000);
    // Still waiting: no poll has run, so the progress came from the read (the polls after a timeout also mirror it).
    const sfn = sfnClient(stack);
    const entered = (await executionHistory(sfn, executionArnOf(stack, video.id)))
      .filter((entry) => entry.type === 'TaskStateEntered')
      .map((entry) => entry.stateEnteredEventDetails?.name);
    sfn.destroy();
    await emulator.finish(stack, { match: slow, status: 'completed' });

    expect(seen.progress).toBeGreaterThan(0);
    expect(entered).toContain('WaitForProviderWebhook');
    expect(entered).not.toContain('PollGenerationJob');
  });
});
