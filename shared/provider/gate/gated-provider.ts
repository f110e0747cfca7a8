import { ProviderGateWaitError } from '../../errors';
import type {
  ProviderAdapter,
  ProviderContentVariant,
  ProviderCreateParams,
  ProviderJob,
  ProviderJobHandle,
} from '../port';
import type { ProviderGate } from './provider-gate';

/** Requests a caller may have paid a token for itself. */
export type PrepaidRequest = 'create' | 'remix' | 'edit' | 'extend' | 'list';

/**
 * A provider adapter whose every request first takes a token from the admission gate, because providers count every
 * request against the per-minute limit (creates, polls, downloads, list pages). Without a token nothing is sent and
 * ProviderGateWaitError (a rate limit: `rateLimited`, `retryAfterSeconds`) is thrown, which callers already meet as
 * a provider 429: the pipeline waits in a Wait state, the reconciler reschedules its work item. The adapter's
 * capabilities and webhook scheme are its own.
 */
export class GatedVideoProvider implements ProviderAdapter {
  private readonly prepaid: ReadonlySet<PrepaidRequest>;

  /**
   * @param options.prepaid requests whose token the caller took itself beforehand (CreateGenerationJob takes a
   * visit's tokens at once): `list` is its first page only; further pages still take a token each.
   */
  constructor(
    private readonly provider: ProviderAdapter,
    private readonly gate: Pick<ProviderGate, 'takeTokens'>,
    options: { prepaid?: PrepaidRequest[] } = {},
  ) {
    this.prepaid = new Set(options.prepaid ?? []);
  }

  get capabilities() {
    return this.provider.capabilities;
  }

  get webhooks() {
    return this.provider.webhooks;
  }

  async create(params: ProviderCreateParams): Promise<ProviderJob> {
    if (!this.prepaid.has('create')) await this.token();
    return this.provider.create(params);
  }

  async remix(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob> {
    if (!this.prepaid.has('remix')) await this.token();
    return this.provider.remix(source, params);
  }

  async edit(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob> {
    if (!this.prepaid.has('edit')) await this.token();
    return this.provider.edit(source, params);
  }

  async extend(source: ProviderJobHandle, params: { prompt: string; seconds: string }): Promise<ProviderJob> {
    if (!this.prepaid.has('extend')) await this.token();
    return this.provider.extend(source, params);
  }

  async retrieve(job: ProviderJobHandle): Promise<ProviderJob> {
    await this.token();
    return this.provider.retrieve(job);
  }

  async cancel(job: ProviderJobHandle): Promise<void> {
    await this.token();
    return this.provider.cancel(job);
  }

  async delete(job: ProviderJobHandle): Promise<void> {
    await this.token();
    return this.provider.delete(job);
  }

  async *list(options?: { pageSize?: number }): AsyncIterable<ProviderJob> {
    const pageSize = options?.pageSize ?? 100;
    let seen = 0;
    if (!this.prepaid.has('list')) await this.token();
    for await (const job of this.provider.list(options)) {
      // The adapter fetches the next page when the previous one is used up: one more request, one more token.
      if (seen > 0 && seen % pageSize === 0) await this.token();
      seen += 1;
      yield job;
    }
  }

  async downloadContent(job: ProviderJobHandle, options: { variant: ProviderContentVariant }) {
    await this.token();
    return this.provider.downloadContent(job, options);
  }

  private async token(): Promise<void> {
    const decision = await this.gate.takeTokens(1);
    if (!decision.granted) throw new ProviderGateWaitError(decision.waitSeconds);
  }
}
