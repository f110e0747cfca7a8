import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { TRANSIENT_PROVIDER_ERRORS, TRANSIENT_TASK_ERRORS } from '../../shared/aws/transient-errors';
import {
  ContentExpiredError,
  DownloadInterruptedError,
  GenerationFailedError,
  PermanentProviderError,
  RetryableProviderError,
  TransientAwsError,
} from '../../shared/errors';
import { maxPipelineSeconds, maxTaskVisitSeconds, TASK_TIMEOUT_SECONDS } from '../../shared/pipeline/duration';
import { maxTotalWaitSeconds, POLL_POLICY } from '../../shared/pipeline/poll-policy';
import { STATE_NAMES, videoPipelineDefinition, videoPipelineTimeout } from '../../state-machines/video-pipeline';
import { type AslState, stateMachineOf } from './asl';

const FUNCTION_ARNS = {
  createGenerationJob: 'arn:aws:lambda:us-east-1:123456789012:function:create-generation-job',
  pollGenerationJob: 'arn:aws:lambda:us-east-1:123456789012:function:poll-generation-job',
  storeVideo: 'arn:aws:lambda:us-east-1:123456789012:function:store-video',
  recordCompletion: 'arn:aws:lambda:us-east-1:123456789012:function:record-completion',
  recordFailure: 'arn:aws:lambda:us-east-1:123456789012:function:record-failure',
  waitForProviderWebhook: 'arn:aws:lambda:us-east-1:123456789012:function:wait-for-provider-webhook',
} as const;

function synthesizeDefinition() {
  const stack = new Stack(new App(), 'PipelineDefinition');
  const fn = (name: keyof typeof FUNCTION_ARNS) => lambda.Function.fromFunctionArn(stack, name, FUNCTION_ARNS[name]);
  new sfn.StateMachine(stack, 'StateMachine', {
    definitionBody: videoPipelineDefinition(stack, {
      createGenerationJob: fn('createGenerationJob'),
      pollGenerationJob: fn('pollGenerationJob'),
      storeVideo: fn('storeVideo'),
      recordCompletion: fn('recordCompletion'),
      recordFailure: fn('recordFailure'),
      waitForProviderWebhook: fn('waitForProviderWebhook'),
    }),
    timeout: videoPipelineTimeout(),
  });
  return stateMachineOf(Template.fromStack(stack)).asl;
}

const TRANSIENT_RETRIER = {
  ErrorEquals: [...TRANSIENT_TASK_ERRORS],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};
const CATCH_INTO_RECORD_FAILURE = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' }];

describe('video-pipeline definition', () => {
  const asl = synthesizeDefinition();
  const state = (name: string): AslState => {
    const found = asl.States[name];
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };

  it('returns exactly the named states of the contract, starting at CreateGenerationJob', () => {
    expect(Object.keys(asl.States).sort()).toEqual(Object.values(STATE_NAMES).sort());
    expect(asl.StartAt).toBe('CreateGenerationJob');
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('returns a whole-execution timeout covering every wait, task attempt at its timeout and retry', () => {
    // 7 attempts × 60 s + retries waiting 2+4+8+16+32+60 s, per visit of a 60 s task.
    expect(maxTaskVisitSeconds(60)).toBe(7 * 60 + 122);
    expect(asl.TimeoutSeconds).toBe(maxPipelineSeconds());
    expect(asl.TimeoutSeconds).toBeGreaterThan(
      maxTotalWaitSeconds() +
        (POLL_POLICY.maxPolls + 1) * 7 * TASK_TIMEOUT_SECONDS.pollGenerationJob +
        7 * TASK_TIMEOUT_SECONDS.storeVideo,
    );
  });

  it('routes a rate-limited create through WaitForProviderRateLimit and a gated one through WaitForProviderAdmission back to CreateGenerationJob, an accepted job to the poll loop', () => {
    expect(state('IsProviderRateLimited')).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.job.status', StringEquals: 'rate_limited', Next: 'WaitForProviderRateLimit' },
        { Variable: '$.job.status', StringEquals: 'waiting_for_provider', Next: 'WaitForProviderAdmission' },
      ],
      Default: 'DoesProviderSendWebhooks',
    });
    for (const wait of ['WaitForProviderRateLimit', 'WaitForProviderAdmission']) {
      expect(state(wait)).toMatchObject({
        Type: 'Wait',
        SecondsPath: '$.job.waitSeconds',
        Next: 'CreateGenerationJob',
      });
    }
  });

  it('invokes each task function by ARN with the state as payload and the result at the contract path', () => {
    const expected: Array<[string, string, string | undefined, string]> = [
      ['CreateGenerationJob', FUNCTION_ARNS.createGenerationJob, '$.job', 'IsProviderRateLimited'],
      ['PollGenerationJob', FUNCTION_ARNS.pollGenerationJob, '$.job', 'IsGenerationFinished'],
      ['StoreVideoInS3', FUNCTION_ARNS.storeVideo, '$.stored', 'RecordCompletion'],
      ['RecordCompletion', FUNCTION_ARNS.recordCompletion, undefined, 'VideoReady'],
      ['RecordFailure', FUNCTION_ARNS.recordFailure, undefined, 'VideoFailed'],
    ];
    for (const [name, resource, resultPath, next] of expected) {
      const task = state(name);
      expect({ name, Type: task.Type, Resource: task.Resource, ResultPath: task.ResultPath, Next: task.Next }).toEqual({
        name,
        Type: 'Task',
        Resource: resource,
        ResultPath: resultPath,
        Next: next,
      });
      expect(task.Parameters, `${name} passes the whole state`).toBeUndefined();
    }
  });

  it('returns the provider-facing tasks retrying only transient errors and catching all into RecordFailure', () => {
    for (const name of ['CreateGenerationJob', 'PollGenerationJob', 'StoreVideoInS3']) {
      expect(state(name).Retry, name).toEqual([TRANSIENT_RETRIER]);
      expect(state(name).Catch, name).toEqual(CATCH_INTO_RECORD_FAILURE);
    }
    // Settling a stored video is idempotent: any handler error is retried before the video could end failed.
    expect(state('RecordCompletion').Retry).toEqual([
      { ...TRANSIENT_RETRIER, ErrorEquals: [...TRANSIENT_TASK_ERRORS, 'States.TaskFailed'] },
    ]);
    expect(state('RecordCompletion').Catch).toEqual(CATCH_INTO_RECORD_FAILURE);
    const permanent = [
      new PermanentProviderError('x').name,
      new GenerationFailedError('moderation_blocked', 'x').name,
      new ContentExpiredError('x').name,
    ];
    for (const name of ['CreateGenerationJob', 'PollGenerationJob', 'StoreVideoInS3']) {
      const retried = state(name).Retry?.flatMap((retrier) => retrier.ErrorEquals as string[]);
      for (const error of [...permanent, 'States.ALL', 'States.TaskFailed']) expect(retried, name).not.toContain(error);
    }
  });

  it('returns RecordFailure with retries but no catch, ending in VideoFailed with the caught Error and Cause', () => {
    expect(state('RecordFailure').Retry?.length).toBeGreaterThan(0);
    expect(state('RecordFailure').Catch).toBeUndefined();
    expect(state('VideoFailed')).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
    expect(state('VideoReady').Type).toBe('Succeed');
  });

  it('returns the poll loop: wait for $.job.waitSeconds, poll, store when completed, otherwise wait again', () => {
    expect(state('WaitBeforePoll')).toEqual({
      Type: 'Wait',
      Comment: expect.any(String),
      SecondsPath: '$.job.waitSeconds',
      Next: 'PollGenerationJob',
    });
    expect(state('IsGenerationFinished')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.job.status', StringEquals: 'completed', Next: 'StoreVideoInS3' }],
      Default: 'WaitBeforePoll',
    });
  });

  it('routes a job whose provider sends webhooks to WaitForProviderWebhook, with polling as its fallback', () => {
    expect(state('DoesProviderSendWebhooks')).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.job.webhooks', IsPresent: true },
            { Variable: '$.job.webhooks', BooleanEquals: true },
          ],
          Next: 'WaitForProviderWebhook',
        },
      ],
      Default: 'WaitBeforePoll',
    });
    const wait = state('WaitForProviderWebhook');
    expect(wait).toMatchObject({
      Type: 'Task',
      // The partition stays a Ref until deployed (the local engine resolves it).
      Resource: `arn:\${Ref:AWS::Partition}:states:::lambda:invoke.waitForTaskToken`,
      TimeoutSecondsPath: '$.job.webhookWaitSeconds',
      ResultPath: '$.job',
      ResultSelector: { 'status.$': '$.status', 'resumedBy.$': '$.resumedBy', polls: 0, waitSeconds: 1 },
      Next: 'PollGenerationJob',
      Catch: [
        { ErrorEquals: ['GenerationFailedError'], ResultPath: '$.failure', Next: 'RecordFailure' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.webhookWait', Next: 'WaitBeforePoll' },
      ],
    });
    expect(wait.Parameters).toEqual({
      FunctionName: FUNCTION_ARNS.waitForProviderWebhook,
      Payload: {
        'videoId.$': '$.videoId',
        'userId.$': '$.userId',
        'providerVideoId.$': '$.job.providerVideoId',
        'taskToken.$': '$$.Task.Token',
        'webhookWaitSeconds.$': '$.job.webhookWaitSeconds',
      },
    });
    expect(wait.Retry).toEqual([TRANSIENT_RETRIER]);
  });

  it('names its retried errors exactly as shared/errors.ts names the thrown errors', () => {
    expect(TRANSIENT_PROVIDER_ERRORS).toEqual([
      new RetryableProviderError('x').name,
      new DownloadInterruptedError('x').name,
    ]);
    expect(TRANSIENT_TASK_ERRORS).toContain(new TransientAwsError('x').name);
  });
});
