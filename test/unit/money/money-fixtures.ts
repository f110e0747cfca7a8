import type { UserLimits } from '../../../shared/money/user-limits';
import type { VideoContent } from '../../../shared/video/video';

/** The limits of a user nobody set limits for, in the money tests. */
export const DEFAULTS: UserLimits = { budgetMicros: 10_000_000, maxActive: 100, maxPerDay: 1000 };

/** The money tests' clock. */
export const NOW = new Date('2026-11-21T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** What a completion stored. */
export const CONTENT: VideoContent = {
  contentType: 'video/mp4',
  bytes: 1234,
  sha256: 'a'.repeat(64),
  variants: ['video'],
  bucket: 'bucket',
  key: 'videos/alice/vid/video.mp4',
};
