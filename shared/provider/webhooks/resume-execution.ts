import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { ProviderGateWaitError } from '../../errors';
import type { ProviderAdapter, ProviderJob } from '../port';
import type { ProviderCallbackStore } from './callback-store';

/**
 * What SendTaskSuccess hands the waiting execution, placed at the job state (`$.job`):
 * - the job read `completed`: like PollGenerationJob's `completed` answer, so StoreVideoInS3 reads it the same way
 *   (and the PollGenerationJob after the wait does not read it again);
 * - the job could not be read (the admission gate had no token): `in_progress`, so that PollGenerationJob reads it,
 *   waiting for a token in WaitBeforePoll like any poll, instead of the event being refused.
 * Every field is present in both (WaitForProviderWebhook's ResultSelector selects each one).
 */
export type WebhookTaskOutput = {
  providerVideoId: string;
  /** How the execution learned it: the receiver or the step that stored the token (an early event). */
  resumedBy: 'webhook';
} & (
  | {
      status: 'completed';
      progress: 100;
      /** Unix seconds the provider created the job. */
      createdAt: number;
      /** Unix seconds the provider finished the job (null when it does not say). */
      completedAt: number | null;
    }
  | { status: 'in_progress'; progress: 0; createdAt: null; completedAt: null }
);

/**
 * The error SendTaskFailure sends when the provider failed the job: the same Error/Cause as PollGenerationJob's
 * thrown GenerationFailedError (Lambda's JSON Cause, message `<provider code>: <provider message>`), so RecordFailure
 * and shared/pipeline/failure.ts read it unchanged.
 */
export const WEBHOOK_FAILURE_ERROR = 'GenerationFailedError';

/** The Step Functions callbacks the receiver sends; `late` when the task no longer waits (timed out, ended, reused). */
export interface TaskCallbacks {
  succeed(taskToken: string, output: WebhookTaskOutput): Promise<'sent' | 'late'>;
  fail(taskToken: string, error: string, cause: string): Promise<'sent' | 'late'>;
}

/**
 * {@link TaskCallbacks} through the Step Functions API. TaskDoesNotExist, TaskTimedOut and InvalidToken mean the
 * execution stopped waiting (it timed out into polling, was stopped, or the token was used): a late event, not an
 * error. Anything else (throttling, 5xx after the SDK's retries) is thrown.
 */
export function sfnTaskCallbacks(client: Pick<SFNClient, 'send'>): TaskCallbacks {
  const late = (error: unknown): 'late' => {
    if (error instanceof TaskDoesNotExist || error instanceof TaskTimedOut || error instanceof InvalidToken)
      return 'late';
    throw error;
  };
  return {
    succeed: async (taskToken, output) => {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
        return 'sent';
      } catch (error) {
        return late(error);
      }
    },
    fail: async (taskToken, error, cause) => {
      try {
        await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
        return 'sent';
      } catch (thrown) {
        return late(thrown);
      }
    },
  };
}

export interface ResumeExecutionDeps {
  store: Pick<ProviderCallbackStore, 'peekTaskToken' | 'takeTaskToken' | 'storeTaskToken'>;
  provider: Pick<ProviderAdapter, 'retrieve'>;
  callbacks: TaskCallbacks;
}

/** What became of a provider job's waiting execution. */
export type ResumeOutcome =
  /** No token is stored: no execution waits (yet, or any more); an event recorded meanwhile is found by the step. */
  | 'no_token'
  /** The provider says the job is not finished: the execution keeps waiting (its timeout falls back to polling). */
  | 'not_finished'
  /** Another receiver (or the step) took the token first. */
  | 'taken'
  /** SendTaskSuccess / SendTaskFailure reached the waiting task. */
  | 'completed'
  | 'failed'
  /** The job could not be read (no gate token): the execution was woken to read it in its own poll. */
  | 'woken'
  /** The task no longer waited (timed out into polling, stopped): nothing changed. */
  | 'late';

/**
 * Resumes the execution waiting on `providerVideoId`'s task token, if one waits and the job finished: reads the job
 * from the provider (a webhook's body is never trusted for the outcome), takes the token (a conditional delete, so it
 * is never used twice), then sends SendTaskSuccess (completed) or SendTaskFailure (failed, with the provider's code).
 * When the admission gate has no token for the read, the execution is woken instead (SendTaskSuccess `in_progress`):
 * its PollGenerationJob reads the job.
 * When the send fails for a reason other than the task no longer waiting, the token is put back before the error is
 * thrown, so the provider's next delivery (or the execution's timeout, then polling) still settles the video.
 */
export async function resumeWaitingExecution(
  providerVideoId: string,
  deps: ResumeExecutionDeps,
): Promise<ResumeOutcome> {
  const stored = await deps.store.peekTaskToken(providerVideoId);
  if (stored === undefined) return 'no_token';
  const settlement = await settlementOf(providerVideoId, deps);
  if (settlement === undefined) return 'not_finished';
  const token = await deps.store.takeTaskToken(providerVideoId, stored.taskToken);
  if (token === undefined) return 'taken';
  try {
    return (await settlement.send(token.taskToken, deps.callbacks)) === 'late' ? 'late' : settlement.outcome;
  } catch (error) {
    await deps.store.storeTaskToken(providerVideoId, token);
    throw error;
  }
}

/** What the waiting task is sent, and the outcome once it got it. */
interface Settlement {
  outcome: 'completed' | 'failed' | 'woken';
  send: (taskToken: string, callbacks: TaskCallbacks) => Promise<'sent' | 'late'>;
}

/** The settlement the provider's job calls for; undefined when the job has not finished. */
async function settlementOf(
  providerVideoId: string,
  deps: Pick<ResumeExecutionDeps, 'provider'>,
): Promise<Settlement | undefined> {
  let job: ProviderJob;
  try {
    job = await deps.provider.retrieve(providerVideoId);
  } catch (error) {
    // No gate token for the read now. Refusing the event (503) would leave the execution waiting until a redelivery
    // finds a token or its wait times out; waking it costs nothing at the provider, and its poll reads the job,
    // waiting for a token in WaitBeforePoll as every poll does.
    if (!(error instanceof ProviderGateWaitError)) throw error;
    return {
      outcome: 'woken',
      send: (taskToken, callbacks) => callbacks.succeed(taskToken, wakeOutput(providerVideoId)),
    };
  }
  if (job.status === 'completed') {
    return { outcome: 'completed', send: (taskToken, callbacks) => callbacks.succeed(taskToken, completedOutput(job)) };
  }
  if (job.status === 'failed') {
    return {
      outcome: 'failed',
      send: (taskToken, callbacks) => callbacks.fail(taskToken, WEBHOOK_FAILURE_ERROR, failureCause(job)),
    };
  }
  return undefined;
}

function completedOutput(job: ProviderJob): WebhookTaskOutput {
  return {
    providerVideoId: job.id,
    status: 'completed',
    progress: 100,
    createdAt: job.createdAt,
    completedAt: job.completedAt,
    resumedBy: 'webhook',
  };
}

function wakeOutput(providerVideoId: string): WebhookTaskOutput {
  return {
    providerVideoId,
    status: 'in_progress',
    progress: 0,
    createdAt: null,
    completedAt: null,
    resumedBy: 'webhook',
  };
}

/** Lambda's Cause for a thrown GenerationFailedError: `{"errorType","errorMessage"}`, message `<code>: <message>`. */
function failureCause(job: ProviderJob): string {
  const code = job.error?.code ?? 'provider_failed';
  return JSON.stringify({
    errorType: WEBHOOK_FAILURE_ERROR,
    errorMessage: `${code}: ${job.error?.message ?? 'The provider failed the job'}`,
  });
}
