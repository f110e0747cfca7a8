import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TRANSIENT_LAMBDA_ERRORS, TRANSIENT_TASK_ERRORS } from '../shared/aws/transient-errors';
import { maxPipelineSeconds, TRANSIENT_RETRY } from '../shared/pipeline/duration';
import { POLL_POLICY } from '../shared/pipeline/poll-policy';

export { TRANSIENT_RETRY } from '../shared/pipeline/duration';

// The video pipeline: one Standard execution per video (JSONPath), named after the video id; the local stack executes
// exactly this definition. Drawn state by state, with each step's result path: docs/ARCHITECTURE.md, "The path of a
// video".

/** State names, for operators, tests and the local engine. */
export const STATE_NAMES = {
  createGenerationJob: 'CreateGenerationJob',
  isProviderRateLimited: 'IsProviderRateLimited',
  waitForProviderRateLimit: 'WaitForProviderRateLimit',
  waitForProviderAdmission: 'WaitForProviderAdmission',
  doesProviderSendWebhooks: 'DoesProviderSendWebhooks',
  waitForProviderWebhook: 'WaitForProviderWebhook',
  waitBeforePoll: 'WaitBeforePoll',
  pollGenerationJob: 'PollGenerationJob',
  isGenerationFinished: 'IsGenerationFinished',
  storeVideoInS3: 'StoreVideoInS3',
  recordCompletion: 'RecordCompletion',
  videoReady: 'VideoReady',
  recordFailure: 'RecordFailure',
  videoFailed: 'VideoFailed',
} as const;

export type StateName = (typeof STATE_NAMES)[keyof typeof STATE_NAMES];

/**
 * The whole-execution timeout: the longest an execution can honestly run (shared/pipeline/duration.ts: every wait, every
 * task attempt at its function's timeout, every retry), so it only ends a run that is stuck beyond any retry. An
 * execution that ends without RecordFailure anyway (this timeout, RecordFailure out of retries, a stop by an
 * operator) leaves its video unsettled; the deadline watch written at reserve time releases it after this time.
 */
export function videoPipelineTimeout(policy = POLL_POLICY): Duration {
  return Duration.seconds(maxPipelineSeconds(policy));
}

/** The Lambda functions behind the task states. */
export interface VideoPipelineFunctions {
  readonly createGenerationJob: lambda.IFunction;
  readonly pollGenerationJob: lambda.IFunction;
  readonly storeVideo: lambda.IFunction;
  readonly recordCompletion: lambda.IFunction;
  readonly recordFailure: lambda.IFunction;
  readonly waitForProviderWebhook: lambda.IFunction;
}

/** Builds the pipeline's states in `scope` and returns its start. */
export function buildVideoPipeline(scope: Construct, fns: VideoPipelineFunctions): sfn.IChainable {
  const recordFailure = invoke(scope, STATE_NAMES.recordFailure, fns.recordFailure, {
    comment: 'Marks the video failed with an error code derived from $.failure; never overwrites a terminal status',
    // The last chance to mark the video terminal, and idempotent: retry any handler error, not only transient ones.
    retryErrors: [...TRANSIENT_LAMBDA_ERRORS, sfn.Errors.TASKS_FAILED],
  }).next(
    new sfn.Fail(scope, STATE_NAMES.videoFailed, {
      comment: 'The video failed; Error and Cause are those caught from the failing step',
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    }),
  );

  const catchInto = (task: sfn.TaskStateBase): sfn.TaskStateBase =>
    task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

  const createGenerationJob = catchInto(
    invoke(scope, STATE_NAMES.createGenerationJob, fns.createGenerationJob, {
      comment: 'Submits the prompt to the provider and records the provider job id',
      resultPath: '$.job',
    }),
  );
  const waitBeforePoll = new sfn.Wait(scope, STATE_NAMES.waitBeforePoll, {
    comment: 'Growing, jittered, capped wait chosen by the previous step ($.job.waitSeconds)',
    time: sfn.WaitTime.secondsPath('$.job.waitSeconds'),
  });
  const pollGenerationJob = catchInto(
    invoke(scope, STATE_NAMES.pollGenerationJob, fns.pollGenerationJob, {
      comment: 'Reads the provider job status and progress; fails after the maximum number of polls',
      resultPath: '$.job',
    }),
  );
  const storeVideoInS3 = catchInto(
    invoke(scope, STATE_NAMES.storeVideoInS3, fns.storeVideo, {
      comment: 'Streams the MP4 and its variants from the provider into S3',
      resultPath: '$.stored',
    }),
  );
  const recordCompletion = catchInto(
    invoke(scope, STATE_NAMES.recordCompletion, fns.recordCompletion, {
      comment: 'Marks the video completed and charges its cost exactly once',
      // The MP4 is stored and the provider has billed it: settling is idempotent, so any handler error is retried
      // rather than failing a finished video.
      retryErrors: [...TRANSIENT_TASK_ERRORS, sfn.Errors.TASKS_FAILED],
    }),
  );
  const videoReady = new sfn.Succeed(scope, STATE_NAMES.videoReady, { comment: 'The video is stored and charged' });

  const isGenerationFinished = new sfn.Choice(scope, STATE_NAMES.isGenerationFinished, {
    comment: 'Completed jobs are stored; queued and in-progress jobs are polled again',
  })
    .when(
      sfn.Condition.stringEquals('$.job.status', 'completed'),
      storeVideoInS3.next(recordCompletion).next(videoReady),
    )
    .otherwise(waitBeforePoll);

  waitBeforePoll.next(pollGenerationJob).next(isGenerationFinished);
  const waitForProviderWebhook = webhookWait(scope, fns.waitForProviderWebhook)
    // The provider failed the job: the receiver sent PollGenerationJob's error, so it fails as a failed poll does.
    .addCatch(recordFailure, { errors: ['GenerationFailedError'], resultPath: '$.failure' })
    // No webhook in time (lost, or a provider that sends none after all) or the step itself failed: polling takes over,
    // $.job (with its waitSeconds) kept as CreateGenerationJob left it.
    .addCatch(waitBeforePoll, { errors: [sfn.Errors.ALL], resultPath: '$.webhookWait' });
  // Resumed: PollGenerationJob frees the job's admission slot and records it as any completed poll would, without
  // reading the job again (the receiver just did), then IsGenerationFinished routes it to StoreVideoInS3.
  waitForProviderWebhook.next(pollGenerationJob);
  const doesProviderSendWebhooks = new sfn.Choice(scope, STATE_NAMES.doesProviderSendWebhooks, {
    comment:
      'The provider sends this job’s webhooks (CreateGenerationJob: a webhook secret, PROVIDER_WEBHOOKS not off): wait for them; otherwise poll',
  })
    .when(
      sfn.Condition.and(sfn.Condition.isPresent('$.job.webhooks'), sfn.Condition.booleanEquals('$.job.webhooks', true)),
      waitForProviderWebhook,
    )
    .otherwise(waitBeforePoll);

  const waitForProviderRateLimit = new sfn.Wait(scope, STATE_NAMES.waitForProviderRateLimit, {
    comment: 'The provider answered 429 to the create: wait its retry-after ($.job.waitSeconds), then create again',
    time: sfn.WaitTime.secondsPath('$.job.waitSeconds'),
  });
  const waitForProviderAdmission = new sfn.Wait(scope, STATE_NAMES.waitForProviderAdmission, {
    comment:
      'The admission gate had no job slot or request token for the video yet (it stays queued, its ticket keeps its place): wait ($.job.waitSeconds), then ask again',
    time: sfn.WaitTime.secondsPath('$.job.waitSeconds'),
  });
  const isProviderRateLimited = new sfn.Choice(scope, STATE_NAMES.isProviderRateLimited, {
    comment:
      'A rate-limited create, or one the admission gate holds back, waits and tries again (bounded by CreateGenerationJob); an accepted job is polled',
  })
    .when(
      sfn.Condition.stringEquals('$.job.status', 'rate_limited'),
      waitForProviderRateLimit.next(createGenerationJob),
    )
    .when(
      sfn.Condition.stringEquals('$.job.status', 'waiting_for_provider'),
      waitForProviderAdmission.next(createGenerationJob),
    )
    .otherwise(doesProviderSendWebhooks);

  return createGenerationJob.next(isProviderRateLimited);
}

/** The pipeline as a state machine definition body. */
export function videoPipelineDefinition(scope: Construct, fns: VideoPipelineFunctions): sfn.DefinitionBody {
  return sfn.DefinitionBody.fromChainable(buildVideoPipeline(scope, fns));
}

/**
 * WaitForProviderWebhook: invokes its function with the execution's task token and waits until the receiver (or the
 * function itself, for an event that came first) sends SendTaskSuccess/Failure, at most `$.job.webhookWaitSeconds`.
 * Its result (shared/provider/webhooks/resume-execution.ts WebhookTaskOutput) becomes the job state a poll would leave.
 */
function webhookWait(scope: Construct, fn: lambda.IFunction): sfn.TaskStateBase {
  const task = new tasks.LambdaInvoke(scope, STATE_NAMES.waitForProviderWebhook, {
    lambdaFunction: fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    comment:
      'Waits for the provider’s webhook (its task token stored against the provider job), at most $.job.webhookWaitSeconds; then polling takes over',
    payload: sfn.TaskInput.fromObject({
      videoId: sfn.JsonPath.stringAt('$.videoId'),
      userId: sfn.JsonPath.stringAt('$.userId'),
      providerVideoId: sfn.JsonPath.stringAt('$.job.providerVideoId'),
      taskToken: sfn.JsonPath.taskToken,
      webhookWaitSeconds: sfn.JsonPath.numberAt('$.job.webhookWaitSeconds'),
    }),
    taskTimeout: sfn.Timeout.at('$.job.webhookWaitSeconds'),
    retryOnServiceExceptions: false,
    resultSelector: {
      'providerVideoId.$': '$.providerVideoId',
      'status.$': '$.status',
      'progress.$': '$.progress',
      'resumedBy.$': '$.resumedBy',
      'createdAt.$': '$.createdAt',
      'completedAt.$': '$.completedAt',
      polls: 0,
      waitSeconds: 1,
    },
    resultPath: '$.job',
  });
  return task.addRetry({
    errors: [...TRANSIENT_TASK_ERRORS],
    interval: Duration.seconds(TRANSIENT_RETRY.intervalSeconds),
    backoffRate: TRANSIENT_RETRY.backoffRate,
    maxAttempts: TRANSIENT_RETRY.maxAttempts,
    maxDelay: Duration.seconds(TRANSIENT_RETRY.maxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

interface InvokeOptions {
  readonly comment: string;
  /** @default - the task's result replaces the state ($) */
  readonly resultPath?: string;
  /** @default - TRANSIENT_TASK_ERRORS (shared/aws/transient-errors.ts) */
  readonly retryErrors?: readonly string[];
}

/**
 * A Task state that invokes `fn` with the state as its event and takes the handler's return value as its result
 * (Resource = the function ARN), retrying only the transient errors with capped, jittered backoff.
 */
function invoke(scope: Construct, name: StateName, fn: lambda.IFunction, options: InvokeOptions): sfn.TaskStateBase {
  const task = new tasks.LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    // The default retrier is replaced by the explicit one below (adds the jitter, the cap and our error names).
    retryOnServiceExceptions: false,
    comment: options.comment,
    ...(options.resultPath === undefined ? {} : { resultPath: options.resultPath }),
  });
  return task.addRetry({
    errors: [...(options.retryErrors ?? TRANSIENT_TASK_ERRORS)],
    interval: Duration.seconds(TRANSIENT_RETRY.intervalSeconds),
    backoffRate: TRANSIENT_RETRY.backoffRate,
    maxAttempts: TRANSIENT_RETRY.maxAttempts,
    maxDelay: Duration.seconds(TRANSIENT_RETRY.maxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  });
}
