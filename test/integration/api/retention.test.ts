import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, eventually } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { isTerminal, storedState, uniquePrompt, uniqueUser, waitForVideo } from './support';

// What a delete leaves behind, read from the local services directly (no route shows the tables or the bucket).
const stack = useLocalStack();
const { s3, bucketName, everyItem, objectsUnder, destroy } = storedState(stack);
let api: ContractClient;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
});
afterAll(() => {
  destroy();
  expectCovered(api, 'retention');
});

describe('retention', () => {
  it('leaves no prompt, no metadata, no object and no provider copy of a deleted video; a replay of its key answers 409', async () => {
    const userId = uniqueUser('retention-delete');
    const token = await stack.token(userId);
    const prompt = uniquePrompt('A private kite over a private hill');
    const secret = `meta-${Date.now()}-private`;
    const body = { prompt, metadata: { note: secret } };
    const idempotencyKey = `retention-${Date.now()}`;
    const created = await api.call('POST', '/v1/videos', {
      token,
      json: body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(created.status).toBe(202);
    const done = await waitForVideo(api, token, created.body.id, isTerminal);
    expect(done.status).toBe('completed');
    const before = await everyItem();
    // The create's answer (in the Powertools record) and the video both hold the prompt until the delete.
    expect(before.filter((item) => item.includes(prompt)).length).toBeGreaterThanOrEqual(2);
    const keys = await objectsUnder(`videos/${userId}/${done.id}/`);
    expect(keys).toHaveLength(3);
    // RecordCompletion re-tagged them: the bucket's lifecycle expires only objects still tagged pending.
    const bucket = await bucketName();
    for (const Key of keys) {
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key }));
      expect(TagSet, Key).toEqual([{ Key: 'reelflow-state', Value: 'completed' }]);
    }

    const jobsBefore = (await emulator.jobs(stack)).data.filter((job) => job.prompt === prompt);

    const deleted = await api.call('DELETE', `/v1/videos/${done.id}`, { token });

    expect(deleted.status).toBe(200);
    // The provider's copy goes too, deleted by the reconciler (every LOCAL_SCHEDULE_MS) from the delete's work item.
    expect(jobsBefore).toHaveLength(1);
    await eventually(
      `provider copy of ${done.id} deleted`,
      async () => ((await emulator.jobs(stack)).data.some((job) => job.prompt === prompt) ? undefined : true),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const after = await everyItem();
    expect(after.filter((item) => item.includes(prompt) || item.includes(secret))).toEqual([]);
    expect(await objectsUnder(`videos/${userId}/${done.id}/`)).toEqual([]);
    // The cost records stay: the charge is still in the user's usage and in the ledger.
    const usage = await api.call('GET', `/v1/usage?month=${new Date().toISOString().slice(0, 7)}`, { token });
    expect(usage.body.charged_micros).toBe(done.cost.charged_micros);
    expect(after.some((item) => item.includes(`LEDGER#`) && item.includes(done.id))).toBe(true);
    // The same key and body again: the key still stands for the deleted video, so no second video and no prompt back.
    const replay = await api.call('POST', '/v1/videos', {
      token,
      json: body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('idempotency_key_reused');
    expect(JSON.stringify(replay.body)).not.toContain(prompt);
  });
});
