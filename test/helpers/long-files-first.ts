import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest against a local stack, in the order they should start. vitest starts the longest
 * files first by itself once its cache knows their durations; a fresh clone (CI) has no cache, and vitest then starts
 * the largest files first, which put the randomized money run (5 minutes next to other files) at the end of the run.
 */
export const LONG_FILES = [
  'test/integration/money/randomized-run.test.ts',
  'test/integration/local-stack/lifecycle.test.ts',
];

/** vitest's own order (groups, then its cache), with LONG_FILES moved to the front of their group. */
export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONG_FILES.indexOf(relative(this.ctx.config.root, spec.moduleId).split('\\').join('/'));
      return index === -1 ? LONG_FILES.length : index;
    };
    const position = new Map(sorted.map((spec, index) => [spec, index]));
    return [...sorted].sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        rank(a) - rank(b) ||
        (position.get(a) ?? 0) - (position.get(b) ?? 0),
    );
  }
}
