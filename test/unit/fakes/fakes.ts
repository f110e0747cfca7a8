import { Readable } from 'node:stream';
import { vi } from 'vitest';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import type { Catalogue, CatalogueModel } from '../../../shared/catalogue/schema';
import { ProviderCapabilityMissingError } from '../../../shared/errors';
import type { Caller } from '../../../shared/http/types';
import type { HeldCancelJobRecorder } from '../../../shared/money/release';
import type { PipelineInput } from '../../../shared/pipeline/types';
import type { SlotDecision, TokenDecision } from '../../../shared/provider/gate/provider-gate';
import { OPENAI_CAPABILITIES } from '../../../shared/provider/openai/adapter';
import { OPENAI_WEBHOOKS } from '../../../shared/provider/openai/webhooks';
import type {
  ProviderAdapter,
  ProviderCapabilities,
  ProviderContent,
  ProviderCreateParams,
  ProviderJob,
  ProviderWebhookScheme,
} from '../../../shared/provider/port';
import type { ContentVariant, VideoStatus } from '../../../shared/video/schemas';
import type { TransitionResult, VideoPage, VideoRepository } from '../../../shared/video/store';
import { type InputReferenceRecord, isTerminal, type VideoRecord } from '../../../shared/video/video';

/** A pipeline starter that records each input in `started`, or throws `startError` when one is given. */
export function recordingPipeline(started: PipelineInput[], startError?: Error) {
  return {
    start: async (input: PipelineInput) => {
      if (startError !== undefined) throw startError;
      started.push(input);
    },
  };
}

/** A logger that records calls and prints nothing. */
export function fakeLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), appendKeys: vi.fn() };
}

/** Metrics that record every addMetric call, with the dimensions of a `singleMetric()` when one was used. */
export function fakeMetrics() {
  const added: Array<{ name: string; unit: string; value: number; dimensions?: Record<string, string> }> = [];
  return {
    added,
    addMetric: vi.fn((name: string, unit: string, value: number) => {
      added.push({ name, unit, value });
    }),
    singleMetric() {
      const dimensions: Record<string, string> = {};
      return {
        addDimension(name: string, value: string) {
          dimensions[name] = value;
        },
        addMetric(name: string, unit: string, value: number) {
          added.push({ name, unit, value, dimensions: { ...dimensions } });
        },
      };
    },
    total(name: string): number {
      return added.filter((metric) => metric.name === name).reduce((sum, metric) => sum + metric.value, 0);
    },
  };
}

export const alice: Caller = { userId: 'alice', groups: [] };
export const bob: Caller = { userId: 'bob', groups: [] };

/** A fixed clock. */
export function fixedClock(iso = '2026-11-21T12:00:00Z'): () => Date {
  return () => new Date(iso);
}

/**
 * The default catalogue with its models changed: `models` maps an id to the fields it changes (`null` drops the model;
 * an id it does not have is added, from sora-2's fields).
 */
export function catalogueWith(
  models: Record<string, Partial<CatalogueModel> | null>,
  priceVersion?: string,
): Catalogue {
  const changed = structuredClone(DEFAULT_CATALOGUE);
  for (const [id, change] of Object.entries(models)) {
    const index = changed.models.findIndex((model) => model.id === id);
    if (change === null) {
      changed.models.splice(index, 1);
    } else if (index === -1) {
      changed.models.push({ ...structuredClone(DEFAULT_CATALOGUE.models[0]!), id, ...change });
    } else {
      changed.models[index] = { ...changed.models[index]!, ...change };
    }
  }
  return priceVersion === undefined ? changed : { ...changed, price_version: priceVersion };
}

/** A video record with sensible defaults. */
export function aVideo(overrides: Partial<VideoRecord> = {}): VideoRecord {
  return {
    videoId: 'vid_01JD0000000000000000000000',
    userId: 'alice',
    status: 'queued',
    progress: 0,
    prompt: 'A cat playing piano',
    model: 'sora-2',
    seconds: '4',
    size: '720x1280',
    metadata: {},
    remixedFromVideoId: null,
    createdAt: 1_763_700_000,
    updatedAt: 1_763_700_000,
    completedAt: null,
    error: null,
    estimatedMicros: 400_000,
    chargedMicros: null,
    priceVersion: 'test',
    provider: 'openai',
    providerModel: overrides.model ?? 'sora-2',
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
    ...overrides,
  };
}

/** A stored reference image (`input_reference`) of `key`, a 720x1280 PNG. */
export function anInputReference(key: string): InputReferenceRecord {
  return {
    bucket: 'b',
    key,
    contentType: 'image/png',
    bytes: 9,
    width: 720,
    height: 1280,
    sha256: 'abc',
    source: 'file',
  };
}

/** An in-memory repository with the same conditional semantics as the DynamoDB one. */
export class InMemoryVideoRepository implements VideoRepository {
  readonly videos = new Map<string, VideoRecord>();
  readonly claims = new Map<string, string>();
  /** Per job fingerprint, each asking video's last attempt. */
  readonly fingerprints = new Map<string, Map<string, number>>();

  constructor(initial: VideoRecord[] = []) {
    for (const video of initial) this.videos.set(video.videoId, structuredClone(video));
  }

  async get(videoId: string, _options?: { consistent?: boolean }): Promise<VideoRecord | undefined> {
    const video = this.videos.get(videoId);
    return video === undefined ? undefined : structuredClone(video);
  }

  async listByUser(
    userId: string,
    options: { limit: number; after?: string; status?: VideoStatus },
  ): Promise<VideoPage> {
    const all = [...this.videos.values()]
      .filter(
        (video) =>
          video.userId === userId &&
          (video.deletedAt ?? null) === null &&
          (options.status === undefined || video.status === options.status),
      )
      .sort((a, b) => b.videoId.localeCompare(a.videoId));
    // Like the index: the position just past `after` (a video id, or this fake's cursor, which is one), found by
    // order, so it holds for an id no longer listed.
    const after = options.after;
    const rest = after === undefined ? all : all.filter((video) => video.videoId < after);
    const items = rest.slice(0, options.limit);
    const more = rest.length > options.limit;
    return {
      items: items.map((video) => structuredClone(video)),
      nextCursor: more ? (items.at(-1)?.videoId ?? null) : null,
    };
  }

  async updateStatus(
    videoId: string,
    update: { status: 'queued' | 'in_progress' | 'storing'; progress?: number; now: number },
  ): Promise<boolean> {
    const video = this.videos.get(videoId);
    if (video === undefined || isTerminal(video.status)) return false;
    video.status = update.status;
    if (update.progress !== undefined) video.progress = update.progress;
    video.updatedAt = update.now;
    return true;
  }

  async recordCreateAttempt(videoId: string, now: number): Promise<TransitionResult> {
    return this.transition(videoId, (video) => {
      video.providerCreateAttempts += 1;
      video.providerFirstAttemptAt ??= now;
      video.updatedAt = now;
    });
  }

  async recordCreateResolved(videoId: string): Promise<boolean> {
    const video = this.videos.get(videoId);
    const resolved = video?.providerCreateResolvedAttempts ?? 0;
    if (video === undefined || resolved >= video.providerCreateAttempts) return false;
    video.providerCreateResolvedAttempts = resolved + 1;
    return true;
  }

  async claimProviderJob(providerVideoId: string, videoId: string): Promise<boolean> {
    const holder = this.claims.get(providerVideoId);
    if (holder !== undefined && holder !== videoId) return false;
    this.claims.set(providerVideoId, videoId);
    return true;
  }

  async recordJobFingerprint(fingerprint: string, videoId: string, now: number): Promise<void> {
    const asking = this.fingerprints.get(fingerprint) ?? new Map<string, number>();
    asking.set(videoId, now);
    this.fingerprints.set(fingerprint, asking);
  }

  async videosAskingForJob(fingerprint: string, since: number): Promise<string[]> {
    const asking = [...(this.fingerprints.get(fingerprint) ?? new Map<string, number>())];
    return asking.filter(([, at]) => at >= since).map(([videoId]) => videoId);
  }

  async saveProviderJob(
    videoId: string,
    job: { providerVideoId: string; status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean> {
    const video = this.videos.get(videoId);
    if (video === undefined || isTerminal(video.status)) return false;
    if (video.providerVideoId !== null && video.providerVideoId !== job.providerVideoId) return false;
    Object.assign(video, {
      providerVideoId: job.providerVideoId,
      status: job.status,
      progress: job.progress,
      updatedAt: job.now,
    });
    return true;
  }

  async markDeleted(videoId: string, now: number, promptSha256: string): Promise<TransitionResult> {
    const video = this.videos.get(videoId);
    if (video === undefined) return { applied: false, video: undefined };
    if (!isTerminal(video.status) || (video.deletedAt ?? null) !== null) {
      return { applied: false, video: structuredClone(video) };
    }
    Object.assign(video, {
      deletedAt: now,
      updatedAt: now,
      content: null,
      prompt: '',
      metadata: {},
      promptSha256: video.promptSha256 ?? promptSha256,
    });
    return { applied: true, video: structuredClone(video) };
  }

  private transition(videoId: string, change: (video: VideoRecord) => void): TransitionResult {
    const video = this.videos.get(videoId);
    if (video === undefined) return { applied: false, video: undefined };
    if (isTerminal(video.status)) return { applied: false, video: structuredClone(video) };
    change(video);
    return { applied: true, video: structuredClone(video) };
  }
}

/**
 * The money module's recordHeldCancelJob on the in-memory videos: only a held cancel (cancelled, charged null)
 * without a job id takes the job.
 */
export function fakeHeldCancelJobs(videos: InMemoryVideoRepository): HeldCancelJobRecorder {
  return {
    recordHeldCancelJob: async (videoId, providerVideoId) => {
      const video = videos.videos.get(videoId);
      if (video?.status !== 'cancelled' || video.chargedMicros !== null || video.providerVideoId !== null) return false;
      video.providerVideoId = providerVideoId;
      return true;
    },
  };
}

/** A provider job with sensible defaults. */
export function aProviderJob(overrides: Partial<ProviderJob> = {}): ProviderJob {
  return {
    id: 'video_abc',
    status: 'queued',
    progress: 0,
    model: 'sora-2',
    prompt: 'A cat playing piano',
    seconds: '4',
    size: '720x1280',
    createdAt: 1_763_700_000,
    completedAt: null,
    expiresAt: null,
    error: null,
    ...overrides,
  };
}

/**
 * A scriptable provider: jobs it knows, what create returns, what downloads serve. Its capabilities are the `openai`
 * kind's unless others are given; an operation they lack throws ProviderCapabilityMissingError, as the port says.
 */
export class FakeProvider implements ProviderAdapter {
  readonly capabilities: ProviderCapabilities;
  readonly webhooks: ProviderWebhookScheme | undefined;
  /** Every stop request asked for (`cancel`). */
  readonly cancelled: string[] = [];
  /** Every page size a list was asked for. */
  readonly listed: Array<number | undefined> = [];

  constructor(capabilities: Partial<ProviderCapabilities> = {}) {
    this.capabilities = { ...OPENAI_CAPABILITIES, kind: 'fake', ...capabilities };
    this.webhooks = this.capabilities.webhooks === 'none' ? undefined : OPENAI_WEBHOOKS;
  }

  private require(capability: 'cancel' | 'delete' | 'list' | 'remix' | 'edit' | 'extend'): void {
    if (!this.capabilities[capability]) throw new ProviderCapabilityMissingError(this.capabilities.kind, capability);
  }

  /** Newest first, as the provider lists them. */
  jobs: ProviderJob[] = [];
  readonly created: ProviderCreateParams[] = [];
  /** Every remix asked for: the source job and the new prompt. */
  readonly remixed: Array<{ sourceId: string; prompt: string }> = [];
  /** Every edit and extension asked for: the kind, the source job, the prompt and (extensions) the seconds. */
  readonly derived: Array<{ kind: 'edit' | 'extension'; sourceId: string; prompt: string; seconds?: string }> = [];
  nextId = 1;
  createError: Error | undefined;
  retrieveResults: Array<ProviderJob | Error> = [];
  /** Every job delete asked for, and what the next deletes answer (an error, or undefined: deleted). */
  readonly deleted: string[] = [];
  deleteResults: Array<Error | undefined> = [];
  downloads = new Map<ContentVariant, () => ProviderContent | Error>();

  async create(params: ProviderCreateParams): Promise<ProviderJob> {
    if (this.createError !== undefined) throw this.createError;
    this.created.push(params);
    const job = aProviderJob({ ...params, id: `video_new${this.nextId++}`, createdAt: 1_763_700_100 });
    this.jobs.unshift(job);
    return job;
  }

  async remix(sourceId: string, params: { prompt: string }): Promise<ProviderJob> {
    this.require('remix');
    if (this.createError !== undefined) throw this.createError;
    const source = this.jobs.find((candidate) => candidate.id === sourceId);
    if (source === undefined) throw new Error(`unknown job ${sourceId}`);
    this.remixed.push({ sourceId, prompt: params.prompt });
    const job = aProviderJob({
      ...source,
      id: `video_remix${this.nextId++}`,
      status: 'queued',
      progress: 0,
      prompt: params.prompt,
      remixedFromVideoId: sourceId,
      createdAt: 1_763_700_100,
      completedAt: null,
    });
    this.jobs.unshift(job);
    return job;
  }

  async edit(sourceId: string, params: { prompt: string }): Promise<ProviderJob> {
    this.require('edit');
    return this.derive({ kind: 'edit', sourceId, prompt: params.prompt });
  }

  async extend(sourceId: string, params: { prompt: string; seconds: string }): Promise<ProviderJob> {
    this.require('extend');
    return this.derive({ kind: 'extension', sourceId, ...params });
  }

  /** Like the provider: an edit or extension names no source, and an extension's seconds are the stitched total. */
  private derive(request: { kind: 'edit' | 'extension'; sourceId: string; prompt: string; seconds?: string }) {
    if (this.createError !== undefined) throw this.createError;
    const source = this.jobs.find((candidate) => candidate.id === request.sourceId);
    if (source === undefined) throw new Error(`unknown job ${request.sourceId}`);
    this.derived.push(request);
    const seconds =
      request.seconds === undefined ? source.seconds : String(Number(source.seconds) + Number(request.seconds));
    const job = aProviderJob({
      ...source,
      id: `video_${request.kind}${this.nextId++}`,
      status: 'queued',
      progress: 0,
      prompt: request.prompt,
      seconds,
      remixedFromVideoId: null,
      createdAt: 1_763_700_100,
      completedAt: null,
    });
    this.jobs.unshift(job);
    return job;
  }

  async retrieve(providerVideoId: string): Promise<ProviderJob> {
    const next = this.retrieveResults.shift();
    if (next instanceof Error) throw next;
    if (next !== undefined) return next;
    const job = this.jobs.find((candidate) => candidate.id === providerVideoId);
    if (job === undefined) throw new Error(`unknown job ${providerVideoId}`);
    return job;
  }

  async cancel(providerVideoId: string): Promise<void> {
    this.require('cancel');
    this.cancelled.push(providerVideoId);
  }

  async delete(providerVideoId: string): Promise<void> {
    this.require('delete');
    this.deleted.push(providerVideoId);
    const next = this.deleteResults.shift();
    if (next !== undefined) throw next;
    this.jobs = this.jobs.filter((candidate) => candidate.id !== providerVideoId);
  }

  async *list(options?: { pageSize?: number }): AsyncIterable<ProviderJob> {
    this.require('list');
    this.listed.push(options?.pageSize);
    for (const job of this.jobs) yield job;
  }

  async downloadContent(_id: string, options: { variant: ContentVariant }): Promise<ProviderContent> {
    if (!this.capabilities.variants.includes(options.variant)) {
      throw new ProviderCapabilityMissingError(this.capabilities.kind, `serve a ${options.variant}`);
    }
    const serve = this.downloads.get(options.variant);
    if (serve === undefined) throw new Error(`no ${options.variant}`);
    const result = serve();
    if (result instanceof Error) throw result;
    return result;
  }
}

/** A download of `bytes` bytes in 1 MiB chunks; with `breakAfter`, the stream errors after that many bytes. */
export function aDownload(bytes: number, options: { breakAfter?: number; announced?: number } = {}): ProviderContent {
  const chunkSize = 1024 * 1024;
  let sent = 0;
  const body = new Readable({
    read() {
      if (options.breakAfter !== undefined && sent >= options.breakAfter) {
        this.destroy(new Error('socket hang up'));
        return;
      }
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const size = Math.min(chunkSize, bytes - sent);
      this.push(Buffer.alloc(size, sent % 251));
      sent += size;
    },
  });
  return { body, contentLength: options.announced ?? bytes, contentType: 'video/mp4' };
}

/**
 * An admission gate held in memory (shared/provider/gate's semantics without DynamoDB): `slots` job slots, `tokens`
 * request tokens that never refill (set `tokens` again to refill). Records who holds a slot.
 */
export class FakeProviderGate {
  readonly holders = new Set<string>();
  readonly released: string[] = [];
  readonly renewed: string[] = [];

  constructor(
    public slots = Number.POSITIVE_INFINITY,
    public tokens = Number.POSITIVE_INFINITY,
  ) {}

  async acquireSlot(holder: string, ticket?: number): Promise<SlotDecision> {
    if (this.holders.has(holder) || this.holders.size < this.slots) {
      this.holders.add(holder);
      return { granted: true };
    }
    return { granted: false, ticket: ticket ?? 7, position: 1, waitSeconds: 4 };
  }

  async renewSlot(holder: string): Promise<void> {
    this.renewed.push(holder);
    this.holders.add(holder);
  }

  async releaseSlot(holder: string): Promise<void> {
    this.released.push(holder);
    this.holders.delete(holder);
  }

  async takeTokens(count = 1): Promise<TokenDecision> {
    if (this.tokens < count) return { granted: false, waitSeconds: 3, waitMs: 3000 };
    this.tokens -= count;
    return { granted: true };
  }
}

/** The admission gate's job slots, recording each call (`renew <holder>`, `release <holder>`). */
export function fakeSlots() {
  const calls: string[] = [];
  return {
    calls,
    renewSlot: async (holder: string) => {
      calls.push(`renew ${holder}`);
    },
    releaseSlot: async (holder: string) => {
      calls.push(`release ${holder}`);
    },
  };
}
