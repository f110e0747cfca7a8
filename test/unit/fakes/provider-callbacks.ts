import type {
  ProviderCallbackStore,
  RecordedProviderEvent,
  StoredTaskToken,
} from '../../../shared/provider/webhooks/callback-store';
import type { TaskCallbacks, WebhookTaskOutput } from '../../../shared/provider/webhooks/resume-execution';

/** The callback store's semantics in memory: a conditional take, events by webhook id. */
export class InMemoryCallbackStore implements ProviderCallbackStore {
  readonly owners = new Map<string, string>();
  readonly tokens = new Map<string, StoredTaskToken>();
  readonly recorded = new Map<string, RecordedProviderEvent[]>();

  async jobOwner(jobId: string) {
    return this.owners.get(jobId);
  }
  async storeTaskToken(jobId: string, token: StoredTaskToken) {
    this.tokens.set(jobId, token);
  }
  async peekTaskToken(jobId: string) {
    return this.tokens.get(jobId);
  }
  async takeTaskToken(jobId: string, taskToken?: string) {
    const token = this.tokens.get(jobId);
    if (token === undefined || (taskToken !== undefined && token.taskToken !== taskToken)) return undefined;
    this.tokens.delete(jobId);
    return token;
  }
  async recordEvent(jobId: string, event: RecordedProviderEvent) {
    const events = this.recorded.get(jobId) ?? [];
    if (events.some((seen) => seen.webhookId === event.webhookId)) return false;
    this.recorded.set(jobId, [...events, event]);
    return true;
  }
  async events(jobId: string) {
    return this.recorded.get(jobId) ?? [];
  }
}

/** Task callbacks that record what was sent; `answer` is what the next sends answer (or throw). */
export class RecordingCallbacks implements TaskCallbacks {
  readonly sent: Array<
    | { kind: 'success'; token: string; output: WebhookTaskOutput }
    | { kind: 'failure'; token: string; error: string; cause: string }
  > = [];
  answer: 'sent' | 'late' | Error = 'sent';
  async succeed(token: string, output: WebhookTaskOutput) {
    if (this.answer instanceof Error) throw this.answer;
    this.sent.push({ kind: 'success', token, output });
    return this.answer;
  }
  async fail(token: string, error: string, cause: string) {
    if (this.answer instanceof Error) throw this.answer;
    this.sent.push({ kind: 'failure', token, error, cause });
    return this.answer;
  }
}

/** The task output a test expects when the job was read completed (`aProviderJob`'s createdAt). */
export function completedTaskOutput(providerVideoId: string, completedAt: number): WebhookTaskOutput {
  return {
    providerVideoId,
    status: 'completed',
    progress: 100,
    createdAt: 1_763_700_000,
    completedAt,
    resumedBy: 'webhook',
  };
}

/** The task output a test expects when the execution was woken without a read (no gate token). */
export function wokenTaskOutput(providerVideoId: string): WebhookTaskOutput {
  return {
    providerVideoId,
    status: 'in_progress',
    progress: 0,
    createdAt: null,
    completedAt: null,
    resumedBy: 'webhook',
  };
}
