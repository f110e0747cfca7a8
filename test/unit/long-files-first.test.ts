import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config';
import { LONG_FILES } from '../helpers/long-files-first';

describe('the sequencer of npm test', () => {
  it('names test files that exist (a renamed file would silently lose its early start)', () => {
    expect(LONG_FILES.length).toBeGreaterThan(0);
    expect(LONG_FILES.filter((path) => !existsSync(join(REPO_ROOT, path)))).toEqual([]);
  });
});
