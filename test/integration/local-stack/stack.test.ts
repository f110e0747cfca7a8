import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi, eventually, executionHistory } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';

const stack = useLocalStack();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials });
const secrets = new SecretsManagerClient({ endpoint: stack.secretsManagerEndpoint, region: 'us-east-1', credentials });

afterAll(() => {
  for (const client of [dynamodb, s3, sfn, secrets]) client.destroy();
});

const api = (path: string, init: Parameters<typeof callApi>[2] = {}) => callApi(stack, path, init);

describe('local stack (npm start)', () => {
  it('answers GET /v1/health without a token', async () => {
    const response = await api('/v1/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'abc.def.ghi'],
  ])('answers 401 unauthenticated on POST /v1/videos with %s', async (_, token) => {
    const response = await api('/v1/videos', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'never created' }),
    });

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
  });

  it('has created the template tables (keys, GSIs, TTL) and buckets (videos, the console’s)', async () => {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const main = TableNames.find((name) => /StorageTable/.test(name));
    const idempotency = TableNames.find((name) => /Idempotency/.test(name));

    expect(main).toBeDefined();
    expect(idempotency).toBeDefined();
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: main }));
    expect(Table?.KeySchema?.map((key) => key.AttributeName)).toEqual(['pk', 'sk']);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(['gsi1', 'gsi2', 'gsi3']);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: idempotency }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
    const mainTtl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: main }));
    expect(mainTtl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'purgeAt' });
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    // The videos bucket (stateful stack) and the console's static files bucket (stateless stack).
    expect(Buckets).toHaveLength(2);
    for (const bucket of Buckets) {
      await expect(s3.send(new HeadBucketCommand({ Bucket: bucket.Name }))).resolves.toBeDefined();
    }
  });

  it("serves the template's provider secret, holding a key the emulator accepts and a generated webhook secret", async () => {
    const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
    expect(SecretList).toHaveLength(1);

    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: SecretList[0]!.ARN }));
    const value = JSON.parse(String(SecretString)) as { apiKey: string; webhookSecret: string };
    expect(value.webhookSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    const accepted = await fetch(`${stack.emulatorUrl}/videos`, {
      headers: { authorization: `Bearer ${value.apiKey}` },
    });
    const refused = await fetch(`${stack.emulatorUrl}/videos`, { headers: { authorization: 'Bearer not-the-key' } });
    expect([accepted.status, refused.status]).toEqual([200, 401]);
  });

  it('runs the synthesized state machine end to end and shows the states in GetExecutionHistory', async () => {
    const token = await stack.token(`stack-e2e-${Date.now()}`);

    const created = await api('/v1/videos', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'A lighthouse in a storm' }),
    });
    expect(created.status).toBe(202);
    const videoId = created.body.id as string;
    const video = await eventually('the video completing', async () => {
      const current = await api(`/v1/videos/${videoId}`, { token });
      return ['completed', 'failed'].includes(current.body.status) ? current.body : undefined;
    });

    expect(video).toMatchObject({ status: 'completed', error: null });
    const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${videoId}`;
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('SUCCEEDED');
    const events = await executionHistory(sfn, executionArn);
    const entered = [...new Set(events.flatMap((event) => event.stateEnteredEventDetails?.name ?? []))];
    // Webhooks are on by default: the emulator's event wakes the wait, one poll confirms.
    expect(entered).toEqual([
      'CreateGenerationJob',
      'IsProviderRateLimited',
      'DoesProviderSendWebhooks',
      'WaitForProviderWebhook',
      'PollGenerationJob',
      'IsGenerationFinished',
      'StoreVideoInS3',
      'RecordCompletion',
      'VideoReady',
    ]);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('ends in VideoFailed with the Fail state Error/Cause from the template when the provider fails the job', async () => {
    const token = await stack.token(`stack-fail-${Date.now()}`);
    const prompt = `A forbidden scene ${Date.now()}`;
    await fetch(`${stack.emulatorOrigin}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail_generation: { match: prompt, code: 'moderation_blocked', count: 1 } }),
    });

    const created = await api('/v1/videos', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt }),
    });
    const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${created.body.id}`;
    const execution = await eventually('the execution ending', async () => {
      const current = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return current.status === 'RUNNING' ? undefined : current;
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'GenerationFailedError' });
    expect(execution.cause).toContain('moderation_blocked');
    const video = await api(`/v1/videos/${created.body.id}`, { token });
    expect(video.body).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked' } });
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5 }),
    );
    expect(events[0]?.executionFailedEventDetails?.error).toBe('GenerationFailedError');
    expect(events.some((event) => event.stateEnteredEventDetails?.name === 'VideoFailed')).toBe(true);
  });

  it('accepts the JWT that npm run token prints (and only a JWT) for the stack data dir and port', async () => {
    const port = new URL(stack.baseUrl).port;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/token/cli.ts', '--user', 'cli-user', '--groups', 'finance'],
      {
        env: { ...process.env, PORT: port, REELFLOW_DATA_DIR: stack.dataDir },
      },
    );

    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const response = await api('/v1/videos', { token: stdout.trim() });
    expect(response.status).toBe(200);
  });
});
