import { priceOf, routeOf, type VideoRoute } from '../catalogue/catalogue';
import type { Catalogue } from '../catalogue/schema';
import { BudgetExceededError, ConflictError, QuotaExceededError } from '../errors';
import type { RequestIdempotency } from '../http/idempotency';
import {
  IdempotencyInProgressError,
  type IdempotentRequest,
  idempotencyKeyReused,
  idempotencyRecordIdOf,
  requestHashOf,
} from '../http/idempotency';
import {
  type IdempotencyGuards,
  IdempotencyKeyClaimedError,
  isClaimLive,
  type ReservationGuard,
} from '../money/idempotency-guard';
import type { ReservationReleaser } from '../money/release';
import type { Reservations } from '../money/reserve';
import type { AppLogger, AppMetrics } from '../observability/powertools';
import type { PipelineStarter } from '../pipeline/pipeline-starter';
import type { VideoRepository } from '../video/store';
import { promptHash, unixSeconds, type VideoRecord } from '../video/video';

/** What a caller chooses about a new video; everything else starts the same for creates and remixes. */
export type NewVideo = Pick<
  VideoRecord,
  'videoId' | 'userId' | 'prompt' | 'model' | 'seconds' | 'size' | 'metadata' | 'remixedFromVideoId'
> &
  Pick<VideoRecord, 'remixSourceProviderVideoId' | 'derivedFrom'>;

/**
 * A `queued` video record created at `now`, priced with `catalogue` (its model's price per second at its size × its
 * seconds, and the catalogue's price version) and routed by it (the model's preferred provider and that provider's
 * model id), unless `route` says where it goes (a derived video goes to its source's provider). What admission
 * decides is recorded on the video, so no catalogue change later re-prices or re-routes it. The model and size must be
 * in the catalogue (the request schemas and derivableModel refuse others with a 400 first).
 */
export function newVideoRecord(fields: NewVideo, catalogue: Catalogue, now: Date, route?: VideoRoute): VideoRecord {
  const createdAt = unixSeconds(now);
  const price = priceOf(catalogue, fields.model, fields.size, fields.seconds);
  return {
    ...fields,
    promptSha256: promptHash(fields.prompt),
    status: 'queued',
    progress: 0,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    error: null,
    estimatedMicros: price.estimatedMicros,
    chargedMicros: null,
    priceVersion: price.priceVersion,
    ...(route ?? routeOf(catalogue, fields.model, fields.size)),
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
  };
}

export interface AdmitVideoDeps {
  /** Writes the video with its estimate reserved (402/429 when over budget or quota), or gives it back. */
  money: Reservations & ReservationReleaser;
  /** The Idempotency-Key claims that reserve() writes: read to find a keyed retry's video. */
  guards: IdempotencyGuards;
  videos: Pick<VideoRepository, 'get'>;
  pipeline: PipelineStarter;
  clock: () => Date;
  logger: Pick<AppLogger, 'error'>;
}

/** Everything a create or a remix needs: admission plus pricing, request idempotency, ids and telemetry. */
export interface VideoAdmissionDeps extends AdmitVideoDeps {
  /** The deployment's model catalogue (MODEL_CATALOGUE): models, their seconds, sizes, prices and routes. */
  catalogue: Catalogue;
  /** Powertools idempotency in front: finished requests replayed, concurrent twins wait. */
  idempotency: RequestIdempotency;
  newId: (nowMillis: number) => string;
  logger: Pick<AppLogger, 'info' | 'error' | 'appendKeys'>;
  metrics: AppMetrics;
}

/** The video a request stands for: the new one, or (`replayed`) the one an earlier request with its key made. */
export interface Admission {
  video: VideoRecord;
  replayed: boolean;
}

/**
 * Writes the video with its estimate reserved against the caller's month and quotas (one transaction: a rejected
 * request writes nothing and starts nothing), then starts its pipeline execution. If the start fails, the video is
 * marked failed and its reservation released (never left queued with nothing behind it) and the error propagates.
 *
 * With an Idempotency-Key (`request`), the transaction also claims the key for this video, so a retry whose
 * Powertools record was lost (the first invocation crashed after reserving) gets the first video back instead of a
 * second one: same request → that video, reserved once, its execution started again under the same name (a no-op
 * if it runs, the repair if the crash came before the start); another request → 409 `idempotency_key_reused`.
 * A claim older than 24 hours counts as absent. A video that could not be started gives its key back.
 */
export async function admitVideo(
  fields: VideoRecord,
  now: Date,
  deps: AdmitVideoDeps,
  request?: IdempotentRequest,
): Promise<Admission> {
  const guard = request === undefined ? undefined : { key: request.key, requestHash: requestHashOf(request) };
  if (guard !== undefined) {
    const earlier = await earlierAdmission(fields.userId, guard, now, deps);
    if (earlier !== undefined) return earlier;
  }
  // The record Powertools will store this answer in (prompt and metadata included): a delete of the video removes it.
  const video = request === undefined ? fields : { ...fields, idempotencyRecordId: idempotencyRecordIdOf(request) };
  try {
    await deps.money.reserve(video, now, guard);
  } catch (error) {
    // A twin may have claimed the key since the read above (and used the last of the budget or quota).
    const raced =
      error instanceof IdempotencyKeyClaimedError ||
      error instanceof BudgetExceededError ||
      error instanceof QuotaExceededError;
    if (guard === undefined || !raced) throw error;
    const earlier = await earlierAdmission(video.userId, guard, now, deps);
    if (earlier !== undefined) return earlier;
    if (error instanceof IdempotencyKeyClaimedError) throw new IdempotencyInProgressError(1);
    throw error;
  }
  await startPipeline(video, deps, guard);
  return { video, replayed: false };
}

/** The video an earlier request with this key made, its execution started again; undefined if the key is free. */
async function earlierAdmission(
  userId: string,
  guard: ReservationGuard,
  now: Date,
  deps: AdmitVideoDeps,
): Promise<Admission | undefined> {
  const claim = await deps.guards.find(userId, guard.key);
  if (claim === undefined || !isClaimLive(claim, now)) return undefined;
  if (claim.requestHash !== guard.requestHash) throw idempotencyKeyReused();
  const video = await deps.videos.get(claim.videoId);
  // Written in the same transaction as the claim, so only an eventually consistent read can miss it: retry soon.
  if (video === undefined) throw new IdempotencyInProgressError(1);
  if (video.deletedAt !== undefined && video.deletedAt !== null) {
    throw new ConflictError(
      `This Idempotency-Key made video ${video.videoId}, which has been deleted; use a new key for a new request`,
      'idempotency_key_reused',
    );
  }
  // Still queued: the first request may have crashed before its start. Same name and input: never a second run.
  if (video.status === 'queued') await startPipeline(video, deps, guard);
  return { video, replayed: true };
}

/**
 * Refuses a video early, reading only, when its reservation would be refused now (402 `budget_exceeded`, 429
 * `quota_exceeded`, the reservation's own error): for work a create does before admission that a caller over its
 * limits must not be able to drive (fetching a reference image). Not binding: admitVideo's reservation stays the
 * authority. A keyed request whose key already stands for a video skips it, so a repeat still gets that video
 * (admitVideo replays it) whatever the caller's limits are now.
 */
export async function precheckAdmission(
  video: Pick<VideoRecord, 'userId' | 'estimatedMicros'>,
  idempotencyKey: string | undefined,
  now: Date,
  deps: Pick<AdmitVideoDeps, 'money' | 'guards'>,
): Promise<void> {
  if (idempotencyKey !== undefined) {
    const claim = await deps.guards.find(video.userId, idempotencyKey);
    if (claim !== undefined && isClaimLive(claim, now)) return;
  }
  await deps.money.precheck(video, now);
}

/** Starts the video's execution; if that fails, releases it as failed, gives its key back and rethrows. */
async function startPipeline(
  video: VideoRecord,
  deps: AdmitVideoDeps,
  guard: ReservationGuard | undefined,
): Promise<void> {
  try {
    await deps.pipeline.start({ videoId: video.videoId, userId: video.userId });
  } catch (error) {
    deps.logger.error('Could not start the video pipeline', error as Error);
    await deps.money.release(video.videoId, {
      status: 'failed',
      error: { code: 'internal_error', message: 'The video could not be started' },
      now: unixSeconds(deps.clock()),
    });
    if (guard !== undefined) await deps.guards.drop(video.userId, guard.key, video.videoId);
    throw error;
  }
}
