import {
  ConflictError,
  GenerationFailedError,
  PermanentProviderError,
  ProviderGateWaitError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  RetryableProviderError,
} from '../../shared/errors';
import { MAX_UPLOAD_BYTES } from '../../shared/http/limits';
import { orphanedJobWorkItem, type ReconcileQueue } from '../../shared/money/reconciliation';
import type { HeldCancelJobRecorder } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { claimOrphanedJob, jobFingerprint, remixSourceOf } from '../../shared/pipeline/orphaned-job';
import { nextWaitSeconds, RATE_LIMITED_CREATE_POLICY, rateLimitedWaitSeconds } from '../../shared/pipeline/poll-policy';
import type { JobState, PipelineState, RateLimitedCreate, WaitingForProvider } from '../../shared/pipeline/types';
import { GATE_MARGIN_SECONDS, PROVIDER_GATE_POLICY } from '../../shared/provider/gate/policy';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import type { ProviderAdapter, ProviderCreateParams, ProviderJob } from '../../shared/provider/port';
import { expectedJobSecondsOf, providerModelOf } from '../../shared/provider/provider-model';
import type { WebhookRoute } from '../../shared/provider/webhooks/webhook-wait';
import type { ContentUrlSigner } from '../../shared/storage/content-signer';
import type { ObjectStore } from '../../shared/storage/object-store';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal, unixSeconds, type VideoRecord } from '../../shared/video/video';

/**
 * A grant of gate tokens older than this when the create is about to be sent is taken again: 30 % of the gate's
 * margin for a request's way to the provider (300 ms of its second), leaving the rest for the request itself.
 */
export const STALE_GRANT_MS = 0.3 * GATE_MARGIN_SECONDS * 1000;

export interface CreateGenerationJobDeps {
  videos: Pick<
    VideoRepository,
    | 'get'
    | 'recordCreateAttempt'
    | 'recordCreateResolved'
    | 'claimProviderJob'
    | 'saveProviderJob'
    | 'recordJobFingerprint'
    | 'videosAskingForJob'
  >;
  /**
   * The provider behind the admission gate's request tokens (GatedVideoProvider): every request takes a token. Its
   * capabilities say whether an orphan can be looked for (`list`), which derived videos it makes, how a reference
   * image travels, whether it reports progress and sends webhooks.
   */
  provider: Pick<ProviderAdapter, 'create' | 'remix' | 'edit' | 'extend' | 'list' | 'capabilities'>;
  /**
   * The admission gate: a job slot is taken before the create and given back when no job came of it; the visit's
   * request tokens are taken before its attempt is recorded.
   */
  gate: Pick<ProviderGate, 'acquireSlot' | 'releaseSlot' | 'takeTokens'>;
  /** Where a video's reference image is stored (read to send it to the provider as a file or a data URL). */
  objects: Pick<ObjectStore, 'get'>;
  /** Signs the reference image's GET URL for a provider that fetches it (`referenceImage: 'url'`). */
  referenceUrls?: Pick<ContentUrlSigner, 'signGet'>;
  /** Where a job accepted for a video that ended meanwhile is handed over (money module). */
  reconcile: Pick<ReconcileQueue, 'add'>;
  /** A job accepted for a video cancelled while its create was in flight settles that held cancel (money module). */
  heldCancels: HeldCancelJobRecorder;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
  /** An orphaned job may be this many seconds older than the first attempt (clock skew). */
  adoptionSkewSeconds: number;
  /** At most this many of the provider's recent videos are examined for an orphan. */
  maxScannedJobs?: number;
  random?: () => number;
  /** Whether the provider sends the job's webhooks, and how long to wait for them (webhook-wait.ts); none: poll. */
  webhooks?: () => Promise<WebhookRoute>;
}

/**
 * CreateGenerationJob. The provider's create takes no idempotency key, so a create that succeeded just before a
 * crash or timeout would, if simply retried, start a second paid job. Instead:
 * 1. every attempt is recorded on the video BEFORE the provider is called (and before any adoption);
 * 2. a retry (the recorded attempt count, as the write returns it, above 1; no job id saved) first looks among the provider's recent jobs for one with the
 *    same prompt, model, size and seconds created since the first attempt, and adopts it, unless another video asked
 *    for a job of that fingerprint meanwhile (each attempt notes its fingerprint first; see orphaned-job.ts: adoption
 *    never takes a job that could be another video's, another user's);
 * 3. any adopted or new job id is claimed with a conditional put, so no two videos can hold the same job;
 * 4. only when nothing can be adopted is a new job created.
 * A remix (the video names its source's provider job) is created with the provider's remix of that job; the same
 * attempt record, adoption (a recent job remixing the same source with the same prompt) and claim apply.
 * An attempt that ends knowing it made no billable job (refused, failed at once, rate-limited, nothing sent) is
 * recorded as resolved: a cancel holds the money only while an attempt is not (cancelDecision in the money module).
 */
export async function createGenerationJob(
  input: PipelineState,
  deps: CreateGenerationJobDeps,
): Promise<JobState | RateLimitedCreate | WaitingForProvider> {
  try {
    const job = await createOrAdoptJob(input, deps);
    if (job.status === 'waiting_for_provider' || deps.webhooks === undefined) return job;
    // An accepted job: DoesProviderSendWebhooks routes on this, to WaitForProviderWebhook or to the polls. A provider
    // that sends no webhooks is polled whatever the settings say.
    if (deps.provider.capabilities.webhooks === 'none') return { ...job, webhooks: false };
    return { ...job, ...(await deps.webhooks()) };
  } catch (error) {
    // Every provider call comes after the attempt is recorded: these answers say this attempt made no billable job.
    if (madeNoJob(error)) await resolveAttempt(input.videoId, deps);
    if (error instanceof ProviderGateWaitError) return waitForGate(input, 'token', error.retryAfterSeconds, deps);
    if (error instanceof ProviderRejectedError || error instanceof GenerationFailedError) {
      // No job runs at the provider for this video: its slot goes to the next in line at once.
      await deps.gate.releaseSlot(input.videoId);
    }
    if (!(error instanceof RetryableProviderError && error.rateLimited)) throw error;
    return rateLimited(input, error, deps);
  }
}

/**
 * True for an error after which the attempt is known to have made no billable job: the provider refused the create
 * or failed its job at once, answered 429 (to the create or to the orphan lookup before it), or the admission gate
 * sent nothing. A timeout or a 5xx may follow a job the provider made: not resolved.
 */
function madeNoJob(error: unknown): boolean {
  return (
    error instanceof ProviderGateWaitError ||
    error instanceof ProviderRejectedError ||
    error instanceof GenerationFailedError ||
    error instanceof PermanentProviderError ||
    (error instanceof RetryableProviderError && error.rateLimited)
  );
}

/** Records the attempt as resolved without a job; a failed write only leaves a later cancel held (the safe side). */
async function resolveAttempt(videoId: string, deps: Pick<CreateGenerationJobDeps, 'videos' | 'logger'>) {
  try {
    await deps.videos.recordCreateResolved(videoId);
  } catch (error) {
    deps.logger.warn('Could not record the create attempt as resolved; a cancel now holds the money', error as Error);
  }
}

/** The counters and ticket an earlier rate-limited or gated create left in `$.job`. */
function loopState(input: PipelineState): { rateLimitedCreates: number; gateWaits: number; ticket?: number } {
  const job = input.job;
  if (job?.status === 'rate_limited' || job?.status === 'waiting_for_provider') {
    return {
      rateLimitedCreates: job.rateLimitedCreates,
      gateWaits: job.gateWaits ?? 0,
      ...(job.ticket === undefined ? {} : { ticket: job.ticket }),
    };
  }
  return { rateLimitedCreates: 0, gateWaits: 0 };
}

/**
 * The admission gate had no slot (or no token) for the video: nothing was sent; WaitForProviderAdmission waits and
 * comes back here, up to PROVIDER_GATE_POLICY.maxWaits times. The video stays `queued` meanwhile.
 */
function waitForGate(
  input: PipelineState,
  waitingFor: WaitingForProvider['waitingFor'],
  suggestedSeconds: number | undefined,
  deps: Pick<CreateGenerationJobDeps, 'metrics' | 'logger'>,
  queue: { ticket?: number; position?: number } = {},
): WaitingForProvider {
  const previous = loopState(input);
  if (previous.gateWaits >= PROVIDER_GATE_POLICY.maxWaits) {
    throw new ProviderRateLimitedError(
      `The provider admission gate had no ${waitingFor} for the video after ${previous.gateWaits} waits`,
    );
  }
  deps.metrics.addMetric('ProviderGateWaits', 'Count', 1);
  const waitSeconds = Math.max(1, Math.min(PROVIDER_GATE_POLICY.maxWaitSeconds, Math.ceil(suggestedSeconds ?? 1)));
  const ticket = queue.ticket ?? previous.ticket;
  deps.logger.info('Waiting for the provider admission gate', { waitingFor, waitSeconds, ...queue });
  return {
    status: 'waiting_for_provider',
    waitingFor,
    gateWaits: previous.gateWaits + 1,
    rateLimitedCreates: previous.rateLimitedCreates,
    ...(ticket === undefined ? {} : { ticket }),
    ...(queue.position === undefined ? {} : { position: queue.position }),
    waitSeconds,
  };
}

/**
 * The provider answered 429 to the create or to an adoption lookup (it made no job): the execution waits in
 * WaitForProviderRateLimit and comes back here, until RATE_LIMITED_CREATE_POLICY.maxWaits waits were not enough.
 * The attempt stays recorded on the video, so the next one looks for an orphaned job first, as after any failure.
 */
function rateLimited(input: PipelineState, error: RetryableProviderError, deps: CreateGenerationJobDeps) {
  const { rateLimitedCreates: previous, gateWaits, ticket } = loopState(input);
  deps.metrics.addMetric('ProviderCreatesRateLimited', 'Count', 1);
  if (previous >= RATE_LIMITED_CREATE_POLICY.maxWaits) {
    throw new ProviderRateLimitedError(
      `The provider rate-limited the create ${previous + 1} times; giving up after ${previous} waits`,
    );
  }
  const waitSeconds = rateLimitedWaitSeconds(previous, {
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    ...(deps.random === undefined ? {} : { random: deps.random }),
  });
  deps.logger.info('Provider rate-limited the create; waiting before the next attempt', {
    rateLimitedCreates: previous + 1,
    waitSeconds,
    retryAfterSeconds: error.retryAfterSeconds,
  });
  return {
    status: 'rate_limited',
    rateLimitedCreates: previous + 1,
    waitSeconds,
    gateWaits,
    ...(ticket === undefined ? {} : { ticket }),
  } satisfies RateLimitedCreate;
}

async function createOrAdoptJob(
  input: PipelineState,
  deps: CreateGenerationJobDeps,
): Promise<JobState | WaitingForProvider> {
  // Strongly consistent: a retry right after an attempt that saved its job must see the saved job id.
  const video = await deps.videos.get(input.videoId, { consistent: true });
  if (video === undefined) throw new Error(`Video ${input.videoId} does not exist`);
  if (isTerminal(video.status)) throw new ConflictError(`Video ${input.videoId} is already ${video.status}`);

  if (video.providerVideoId !== null) {
    deps.logger.info('Provider job already saved; continuing with it', { providerVideoId: video.providerVideoId });
    return jobState(
      video,
      video.providerVideoId,
      video.status === 'queued' ? 'queued' : 'in_progress',
      video.progress,
      deps,
    );
  }

  // A slot before anything else: the attempt below is recorded only once the video may reach the provider.
  const slot = await deps.gate.acquireSlot(video.videoId, loopState(input).ticket);
  if (!slot.granted) {
    return waitForGate(input, 'slot', slot.waitSeconds, deps, {
      ...(slot.ticket === undefined ? {} : { ticket: slot.ticket }),
      position: slot.position,
    });
  }
  // The visit's tokens before its attempt is recorded: a retry looks for an orphan first (one list page, where the
  // provider lists jobs) and then creates. Taken one by one, a lookup could spend the only token and leave the create
  // waiting, and the next visit, one attempt further, would look again: a crowd of retries would spend the minute on
  // lookups.
  const searches = video.providerCreateAttempts > 0 && deps.provider.capabilities.list;
  const count = searches ? 2 : 1;
  const tokens = await deps.gate.takeTokens(count);
  if (!tokens.granted) return waitForGate(input, 'token', tokens.waitSeconds, deps);
  const grantedAtMs = deps.clock().getTime();

  const attempt = await deps.videos.recordCreateAttempt(video.videoId, unixSeconds(deps.clock()));
  if (!attempt.applied) throw new ConflictError(`Video ${input.videoId} is already ${attempt.video?.status ?? 'gone'}`);
  const attempted = attempt.video ?? video;
  // Before any provider call that can make a job: the note that lets an adoption tell this video's jobs from others'.
  await deps.videos.recordJobFingerprint(jobFingerprint(attempted), video.videoId, unixSeconds(deps.clock()));
  // The gate counts a token from the moment it hands it out and leaves a second for its way to the provider: a grant
  // that went stale during the write above (a slow table) is taken again. Refused, the visit waits with its attempt
  // recorded; the next one looks for an orphan first, as after any lost answer.
  const staleMs = deps.clock().getTime() - grantedAtMs;
  if (staleMs > STALE_GRANT_MS) {
    deps.logger.warn('The gate tokens went stale before the create; taking them again', { staleMs });
    const fresh = await deps.gate.takeTokens(count);
    if (!fresh.granted) {
      await resolveAttempt(video.videoId, deps);
      return waitForGate(input, 'token', fresh.waitSeconds, deps);
    }
  }

  // The count the conditional write returns is never stale (unlike a read): above 1, an earlier attempt may have
  // created a job whose answer was lost, so look for it before creating another paid one, where the provider lists
  // its jobs (one that cannot is asked for a new job: a lost answer then pays twice).
  if (attempted.providerCreateAttempts > 1 && deps.provider.capabilities.list) {
    const adopted = await adoptOrphanedJob(attempted, deps);
    if (adopted !== undefined) return adopted;
  }

  const remixSource = remixSourceOf(video);
  const job = await newProviderJob(video, remixSource, deps).catch((error: unknown) => {
    throw error instanceof PermanentProviderError ? rejected(error) : error;
  });
  deps.logger.info('Provider job created', {
    providerVideoId: job.id,
    attempt: attempted.providerCreateAttempts,
    ...(remixSource === null ? {} : { remixOf: remixSource }),
    ...(video.derivedFrom
      ? { [video.derivedFrom.kind === 'edit' ? 'editOf' : 'extensionOf']: video.derivedFrom.providerVideoId }
      : {}),
  });
  if (!(await deps.videos.claimProviderJob(job.id, video.videoId, unixSeconds(deps.clock())))) {
    throw new Error(`Provider job ${job.id} is already claimed by another video`);
  }
  return save(video, job, deps);
}

/**
 * The provider call that makes the video's job: a remix, edit or extension of its source's job, or a create. A
 * video the provider cannot make (a derived video or a reference image its capabilities lack) is refused as the
 * provider would refuse it: no job exists.
 */
async function newProviderJob(
  video: VideoRecord,
  remixSource: string | null,
  deps: Pick<CreateGenerationJobDeps, 'provider' | 'objects' | 'referenceUrls'>,
): Promise<ProviderJob> {
  const capabilities = deps.provider.capabilities;
  if (remixSource !== null) {
    if (!capabilities.remix) throw unsupported('remix a video');
    return deps.provider.remix(remixSource, { prompt: video.prompt });
  }
  const source = video.derivedFrom;
  if (source?.kind === 'edit') {
    if (!capabilities.edit) throw unsupported('edit a video');
    return deps.provider.edit(source.providerVideoId, { prompt: video.prompt });
  }
  if (source?.kind === 'extension') {
    if (!capabilities.extend) throw unsupported('extend a video');
    return deps.provider.extend(source.providerVideoId, { prompt: video.prompt, seconds: video.seconds });
  }
  return deps.provider.create({
    prompt: video.prompt,
    model: providerModelOf(video),
    seconds: video.seconds,
    size: video.size,
    ...(await inputReferenceOf(video, deps)),
  });
}

/** The refusal of a video the provider's capabilities cannot make (admission should not have let it in). */
function unsupported(what: string): ProviderRejectedError {
  return new ProviderRejectedError('unsupported_by_provider', `The video provider cannot ${what}`);
}

/**
 * The stored reference image of a video made from one, in the form the provider takes it (`referenceImage`): the
 * bytes as a file part or a data URL, or a presigned GET URL it fetches; {} for none.
 */
async function inputReferenceOf(
  video: VideoRecord,
  deps: Pick<CreateGenerationJobDeps, 'provider' | 'objects' | 'referenceUrls'>,
): Promise<Pick<ProviderCreateParams, 'inputReference'>> {
  const reference = video.inputReference;
  if (reference === undefined || reference === null) return {};
  const form = deps.provider.capabilities.referenceImage;
  if (form === 'none') throw unsupported('start a video from an image');
  if (form === 'url') {
    if (deps.referenceUrls === undefined) throw new Error('No signer for reference image URLs is wired');
    const url = await deps.referenceUrls.signGet(reference.bucket, reference.key, {
      expiresInSeconds: REFERENCE_URL_SECONDS,
      contentType: reference.contentType,
    });
    return { inputReference: { url, contentType: reference.contentType } };
  }
  // Checked at create (at most the upload limit); read whole: it travels as one file part or one data URL.
  const data = await deps.objects.get(reference.bucket, reference.key, MAX_UPLOAD_BYTES);
  if (data === undefined || data === 'too_large') {
    throw new Error(`The reference image of video ${video.videoId} is missing from storage`);
  }
  if (form === 'data_url') {
    return {
      inputReference: {
        url: `data:${reference.contentType};base64,${data.toString('base64')}`,
        contentType: reference.contentType,
      },
    };
  }
  const extension = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[reference.contentType];
  return { inputReference: { data, contentType: reference.contentType, filename: `input-reference.${extension}` } };
}

/** How long a provider that fetches the reference image has to do it: the signer's longest (15 minutes). */
const REFERENCE_URL_SECONDS = 15 * 60;

/**
 * A permanent 4xx at create: the provider made no job, so the video fails with the provider's own code (e.g.
 * `moderation_blocked`, what its owner must change), not as `provider_failed`, which would also send the reconciler
 * looking for a job that cannot exist.
 */
function rejected(error: PermanentProviderError): ProviderRejectedError {
  return new ProviderRejectedError(
    error.providerCode ?? 'provider_rejected',
    error.providerMessage ?? 'The provider refused to generate this video',
    { cause: error },
  );
}

/** Finds, claims and saves a job an earlier attempt created but did not record; undefined when there is none. */
async function adoptOrphanedJob(video: VideoRecord, deps: CreateGenerationJobDeps): Promise<JobState | undefined> {
  const { job, scanned, since, sharedWith } = await claimOrphanedJob(video, deps);
  if (sharedWith !== undefined) {
    deps.logger.warn('A matching provider job could be another video’s; creating a new one instead of adopting', {
      otherVideos: sharedWith.length,
    });
    deps.metrics.addMetric('ProviderJobAdoptionsRefused', 'Count', 1);
    return undefined;
  }
  if (job !== undefined) {
    deps.logger.info('Adopted the provider job an earlier attempt created', {
      providerVideoId: job.id,
      attempts: video.providerCreateAttempts,
    });
    deps.metrics.addMetric('ProviderJobsAdopted', 'Count', 1);
    return save(video, job, deps);
  }
  deps.logger.info('No orphaned provider job found; creating one', { scanned, since });
  return undefined;
}

async function save(video: VideoRecord, job: ProviderJob, deps: CreateGenerationJobDeps): Promise<JobState> {
  if (job.status === 'failed') {
    const code = job.error?.code ?? 'provider_failed';
    throw new GenerationFailedError(code, `${code}: ${job.error?.message ?? 'The provider failed the job'}`);
  }
  const status = job.status === 'queued' ? 'queued' : 'in_progress';
  const saved = await deps.videos.saveProviderJob(video.videoId, {
    providerVideoId: job.id,
    status,
    progress: job.progress,
    now: unixSeconds(deps.clock()),
  });
  if (!saved) await recordOrphanedJob(video.videoId, job.id, deps);
  return jobState(video, job.id, job.status === 'completed' ? 'completed' : status, job.progress, deps);
}

/**
 * The provider accepted (or an attempt adopted) a job, but the video could not take it: it ended meanwhile (e.g. a
 * cancel landed between the attempt and the save). The job may still finish and be billed, so it is handed to the
 * reconciler, which records its cost for finance if it completes (never charged to the user).
 */
async function recordOrphanedJob(videoId: string, providerVideoId: string, deps: CreateGenerationJobDeps) {
  const video = await deps.videos.get(videoId);
  if (video === undefined || !isTerminal(video.status)) {
    // Not ended: it holds another job id (a claim prevents that) or is gone; nothing to hand over.
    deps.logger.warn('Video moved on while its provider job was created', {
      providerVideoId,
      status: video?.status ?? 'missing',
      savedJob: video?.providerVideoId ?? null,
    });
    return;
  }
  // Saved before the video ended (a redriven step): its release already handed the job over.
  if (video.providerVideoId === providerVideoId) return;
  // Cancelled while this create was in flight (a held cancel): the job is what settles the cancel (charged its price
  // if the provider bills it), not a provider cost.
  if (await deps.heldCancels.recordHeldCancelJob(videoId, providerVideoId, unixSeconds(deps.clock()))) {
    deps.metrics.addMetric('HeldCancelJobsRecorded', 'Count', 1);
    deps.logger.info('Video cancelled while its provider job was created; job recorded for its settlement', {
      providerVideoId,
    });
    return;
  }
  await deps.reconcile.add(orphanedJobWorkItem(video, providerVideoId, unixSeconds(deps.clock())));
  deps.metrics.addMetric('ProviderJobsOrphaned', 'Count', 1);
  deps.logger.warn('Video ended while its provider job was created; job handed to the cost reconciler', {
    providerVideoId,
    status: video.status,
  });
}

/**
 * The job state the polls start from. A provider that reports no progress gets the model's expected duration
 * (when known) for the poll policy to aim with.
 */
function jobState(
  video: VideoRecord,
  providerVideoId: string,
  status: JobState['status'],
  progress: number,
  deps: Pick<CreateGenerationJobDeps, 'random' | 'provider'>,
): JobState {
  const expectedJobSeconds = deps.provider.capabilities.progress ? undefined : expectedJobSecondsOf(video);
  return {
    providerVideoId,
    status,
    progress,
    polls: 0,
    waitSeconds: nextWaitSeconds(0, deps.random === undefined ? {} : { random: deps.random }),
    ...(expectedJobSeconds === undefined ? {} : { expectedJobSeconds }),
  };
}
