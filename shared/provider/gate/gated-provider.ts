import { ProviderGateWaitError } from '../../errors';
import type { ContentVariant } from '../../video/schemas';
import type { ProviderCreateParams, ProviderVideo, VideoProvider } from '../provider-client';
import type { ProviderGate } from './provider-gate';

/** Requests a caller may have paid a token for itself. */
export type PrepaidRequest = 'create' | 'remix' | 'edit' | 'extend' | 'list';

/**
 * A VideoProvider whose every request first takes a token from the admission gate, because providers count every
 * request against the per-minute limit (creates, polls, downloads, list pages). Without a token nothing is sent and
 * ProviderGateWaitError (a rate limit: `rateLimited`, `retryAfterSeconds`) is thrown, which callers already meet as
 * a provider 429: the pipeline waits in a Wait state, the reconciler reschedules its work item.
 */
export class GatedVideoProvider implements VideoProvider {
  private readonly prepaid: ReadonlySet<PrepaidRequest>;

  /**
   * @param options.prepaid requests whose token the caller took itself beforehand (CreateGenerationJob takes a
   * visit's tokens at once): `list` is its first page only; further pages still take a token each.
   */
  constructor(
    private readonly provider: VideoProvider,
    private readonly gate: Pick<ProviderGate, 'takeTokens'>,
    options: { prepaid?: PrepaidRequest[] } = {},
  ) {
    this.prepaid = new Set(options.prepaid ?? []);
  }

  async create(params: ProviderCreateParams): Promise<ProviderVideo> {
    if (!this.prepaid.has('create')) await this.token();
    return this.provider.create(params);
  }

  async remix(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo> {
    if (!this.prepaid.has('remix')) await this.token();
    return this.provider.remix(sourceProviderVideoId, params);
  }

  async edit(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo> {
    if (!this.prepaid.has('edit')) await this.token();
    return this.provider.edit(sourceProviderVideoId, params);
  }

  async extend(sourceProviderVideoId: string, params: { prompt: string; seconds: string }): Promise<ProviderVideo> {
    if (!this.prepaid.has('extend')) await this.token();
    return this.provider.extend(sourceProviderVideoId, params);
  }

  async retrieve(providerVideoId: string): Promise<ProviderVideo> {
    await this.token();
    return this.provider.retrieve(providerVideoId);
  }

  async delete(providerVideoId: string): Promise<void> {
    await this.token();
    return this.provider.delete(providerVideoId);
  }

  async *list(options?: { pageSize?: number }): AsyncIterable<ProviderVideo> {
    const pageSize = options?.pageSize ?? 100;
    let seen = 0;
    if (!this.prepaid.has('list')) await this.token();
    for await (const video of this.provider.list(options)) {
      // The SDK fetches the next page when the previous one is used up: one more request, one more token.
      if (seen > 0 && seen % pageSize === 0) await this.token();
      seen += 1;
      yield video;
    }
  }

  async downloadContent(providerVideoId: string, options: { variant: ContentVariant }) {
    await this.token();
    return this.provider.downloadContent(providerVideoId, options);
  }

  private async token(): Promise<void> {
    const decision = await this.gate.takeTokens(1);
    if (!decision.granted) throw new ProviderGateWaitError(decision.waitSeconds);
  }
}
