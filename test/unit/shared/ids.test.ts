import { describe, expect, it } from 'vitest';
import { isVideoId, newVideoId } from '../../../shared/ids';

describe('ids', () => {
  it('returns vid_ plus a ULID', () => {
    // Act
    const id = newVideoId();

    // Assess
    expect(id).toMatch(/^vid_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isVideoId(id)).toBe(true);
  });

  it('returns strictly increasing ids when created in the same millisecond', () => {
    // Act
    const ids = Array.from({ length: 100 }, () => newVideoId(1_763_700_000_000));

    // Assess
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('returns false for provider ids', () => {
    // Act / Assess
    expect(isVideoId('video_123')).toBe(false);
  });
});
