import type { VideoStatus } from './schemas';
import type { VideoContent, VideoRecord } from './video';

/*
 * The video store's ports: what logic modules take (and tests fake), in a module of their own so the DynamoDB
 * adapter's two files (reads.ts, repository.ts) and every user import them without importing each other.
 */

/** A page of a user's videos, newest first. */
export interface VideoPage {
  items: VideoRecord[];
  /** Opaque; pass back as `after`. Null when there is nothing more. */
  nextCursor: string | null;
}

/** What a completion writes. */
export interface CompletionUpdate {
  content: VideoContent;
  completedAt: number;
}

/** The outcome of a conditional write that may find the video already moved on. */
export interface TransitionResult {
  /** True when this call changed the record. */
  applied: boolean;
  /** The record after the write when applied; the record as found when not (undefined if missing). */
  video: VideoRecord | undefined;
}

/**
 * Access to video records (and provider job claims). Logic modules take this interface, tests fake it. Writing a
 * new video and settling one (completed, failed, cancelled) move money, so they live in the money module
 * (shared/money: reserve.ts, charge.ts, release.ts), never here.
 */
export interface VideoRepository {
  /** The video; `consistent` reads it strongly consistently (after a write of this or another attempt). */
  get(videoId: string, options?: { consistent?: boolean }): Promise<VideoRecord | undefined>;
  /**
   * A user's videos newest first, optionally only one status. `after` is where the previous page ended: its opaque
   * `nextCursor`, or the id of the last video seen (OpenAI's `last_id`; the caller checks it is the user's own).
   */
  listByUser(userId: string, options: { limit: number; after?: string; status?: VideoStatus }): Promise<VideoPage>;
  /** Moves a non-terminal video to a non-terminal status (and progress); false when it is terminal or missing. */
  updateStatus(
    videoId: string,
    update: { status: 'queued' | 'in_progress' | 'storing'; progress?: number; now: number },
  ): Promise<boolean>;
  /** Counts a provider-create attempt (first attempt time kept); returns the record after the write. */
  recordCreateAttempt(videoId: string, now: number): Promise<TransitionResult>;
  /**
   * Counts one recorded attempt as resolved without a billable job (refused, failed at once, rate-limited, or nothing
   * sent), whatever the video's status, never beyond the attempts recorded; false when nothing was written.
   */
  recordCreateResolved(videoId: string): Promise<boolean>;
  /** Claims a provider job for one video; false when another video holds it. Idempotent for the same video. */
  claimProviderJob(providerVideoId: string, videoId: string, now: number): Promise<boolean>;
  /**
   * Notes that `videoId` is about to ask the provider for a job of this fingerprint (orphaned-job.ts), at `now`;
   * written before every provider call that makes a job, so a job in the provider's list always has its note.
   */
  recordJobFingerprint(fingerprint: string, videoId: string, now: number): Promise<void>;
  /** The videos that asked for a job of this fingerprint at or after `since` (strongly consistent). */
  videosAskingForJob(fingerprint: string, since: number): Promise<string[]>;
  /** Stores the provider job id and its status on a non-terminal video that has no other job id. */
  saveProviderJob(
    videoId: string,
    job: { providerVideoId: string; status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean>;
  /**
   * Turns a terminal video into a tombstone: `deletedAt` set; its prompt, metadata, content description and place in
   * the user's list (index gsi1) removed; the prompt's hash (`promptSha256`, kept for the orphaned-job search) set if
   * the record has none; the cost fields stay. Not applied when it is not terminal, deleted already or missing.
   */
  markDeleted(videoId: string, now: number, promptSha256: string): Promise<TransitionResult>;
}

/** Every user's videos in one status, newest first (operators' view; index gsi3). */
export interface VideoStatusIndex {
  /**
   * One page of the videos now in `status`, across users (deleted ones left out). `after` is the previous page's
   * `nextCursor`. A video that moved on between the index read and the item read is left out of the page.
   */
  listByStatus(status: VideoStatus, options: { limit: number; after?: string }): Promise<VideoPage>;
}
