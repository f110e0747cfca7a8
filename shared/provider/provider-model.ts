import type { VideoRecord } from '../video/video';

/*
 * What the pipeline asks the provider for, read from the video in one place: the model id at the provider, and how
 * long the model's jobs are expected to take.
 */

/**
 * The model id the provider is asked for (and lists a video's jobs under): the provider's own, recorded at admission
 * from the catalogue's route; the public id for videos admitted before the catalogue.
 */
export function providerModelOf(video: Pick<VideoRecord, 'model' | 'providerModel'>): string {
  return video.providerModel ?? video.model;
}

/**
 * Seconds a job of the video's model is expected to take at the provider, which the poll policy aims with when the
 * provider reports no progress; undefined when unknown (then the policy's growing schedule). Unknown for every model
 * until the model catalogue gives each its expected duration.
 */
export function expectedJobSecondsOf(_video: Pick<VideoRecord, 'model' | 'seconds'>): number | undefined {
  return undefined;
}
