import type { VideoRecord } from '../video/video';

/*
 * What the pipeline asks the provider for, read from the video in one place: the model id at the provider, and how
 * long the model's jobs are expected to take. Both come from the video's model today; the model catalogue routes
 * them (a model's provider model and expected duration) without changing the callers.
 */

/** The model id the provider is asked for (and lists a video's jobs under). */
export function providerModelOf(video: Pick<VideoRecord, 'model'>): string {
  return video.model;
}

/**
 * Seconds a job of the video's model is expected to take at the provider, which the poll policy aims with when the
 * provider reports no progress; undefined when unknown (then the policy's growing schedule). Unknown for every model
 * until the model catalogue gives each its expected duration.
 */
export function expectedJobSecondsOf(_video: Pick<VideoRecord, 'model' | 'seconds'>): number | undefined {
  return undefined;
}
