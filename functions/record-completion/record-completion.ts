import * as z from 'zod/mini';
import type { Charger } from '../../shared/money/charge';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { PipelineInput, PipelineState, StoredContent } from '../../shared/pipeline/types';
import type { ContentTagger } from '../../shared/storage/content-tags';
import { CONTENT_VARIANTS } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { contentKey, unixSeconds } from '../../shared/video/video';

export interface RecordCompletionDeps {
  /** Completes and charges the video exactly once. */
  money: Charger;
  /** Marks the stored objects as a completed video's (they were written pending, which the bucket expires). */
  tags: ContentTagger;
  /** Reads whether the video has a reference image (stored pending at create, re-tagged with the content). */
  videos: Pick<VideoRepository, 'get'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
}

const storedSchema = z.object({
  bucket: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  contentType: z.literal('video/mp4'),
  bytes: z.number().check(z.int(), z.nonnegative()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  variants: z.array(z.enum(CONTENT_VARIANTS)),
});

/** The task's input: the state with the stored content at `$.stored`. */
export type RecordCompletionInput = PipelineState & PipelineInput & { stored: StoredContent };

/** Reads the stored content from the task's event. */
export function completionInput(event: PipelineState & { stored?: unknown }): RecordCompletionInput {
  return { ...event, stored: storedSchema.parse(event.stored) };
}

/**
 * RecordCompletion: completes the video and charges it its estimate, once, in one transaction (a retried step changes
 * nothing; a held cancel is charged its price and stays cancelled; a video given up on is not charged, its provider
 * cost is recorded for finance: docs/ARCHITECTURE.md, "Settling a video: charge, release, held cancel"). Its objects
 * are tagged `completed` first, and `pending` again when the video turns out not to be completed (docs/BEHAVIOUR.md,
 * "What expires"). Returns the state unchanged.
 */
export async function recordCompletion(
  input: RecordCompletionInput,
  deps: RecordCompletionDeps,
): Promise<PipelineState> {
  const { stored } = input;
  const keys = stored.variants.map((variant) => contentKey(input.userId, input.videoId, variant));
  // The reference image is in the same bucket, next to the content (create-video writes it there).
  const reference = (await deps.videos.get(input.videoId))?.inputReference;
  if (reference !== undefined && reference !== null) keys.push(reference.key);
  await deps.tags.mark(stored.bucket, keys, 'completed');
  const result = await deps.money.charge(input.videoId, {
    completedAt: unixSeconds(deps.clock()),
    content: {
      contentType: stored.contentType,
      bytes: stored.bytes,
      sha256: stored.sha256,
      variants: stored.variants,
      bucket: stored.bucket,
      key: stored.key,
    },
  });
  if (result.applied && result.video?.status === 'cancelled') {
    // Cancelled after the provider accepted the job, which it finished and billed: the user pays its price once, but
    // the video stays cancelled (no content), so its objects go back to `pending` for the lifecycle rule.
    await deps.tags.mark(stored.bucket, keys, 'pending');
    deps.metrics.addMetric('CancelledVideosCharged', 'Count', 1);
    deps.metrics.addMetric('ChargedMicros', 'Count', result.video.chargedMicros ?? 0);
    deps.logger.info('Cancelled video finished by the provider; charged its price', {
      chargedMicros: result.video.chargedMicros,
    });
  } else if (result.applied) {
    deps.metrics.addMetric('VideosCompleted', 'Count', 1);
    deps.metrics.addMetric('ChargedMicros', 'Count', result.video?.chargedMicros ?? 0);
    deps.logger.info('Video completed', { bytes: stored.bytes, chargedMicros: result.video?.chargedMicros });
  } else if (result.video === undefined) {
    throw new Error(`Video ${input.videoId} does not exist`);
  } else if (result.video.status === 'completed') {
    deps.logger.info('Video already completed; nothing to do');
  } else {
    await deps.tags.mark(stored.bucket, keys, 'pending');
    deps.logger.warn('Video is terminal; completion not charged', {
      status: result.video.status,
      providerCostRecorded: result.providerCostRecorded === true,
    });
  }
  return input;
}
