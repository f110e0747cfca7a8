import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config';
import { missOf, pathsNamedIn, scannedFiles } from '../helpers/doc-paths';

// Every repository path named in a Markdown or source file exists (test/helpers/doc-paths.ts).

/**
 * Paths a test names on purpose although they do not exist (the made-up files of a rule's own tests), by the file
 * that names them. Only these exact paths in only these files are let through, and the test checks each is still
 * named there and still missing, so the list cannot hide a real miss or outlive its reason. This file names them all
 * (in this list), so here every listed path is let through.
 */
const MADE_UP: Readonly<Record<string, readonly string[]>> = {
  // Made-up bad imports that the import rules must catch.
  'test/unit/architecture.test.ts': [
    'functions/reconcile/reconcile.ts',
    'shared/pipeline/x.ts',
    'functions/a/handler.ts',
    'shared/x.ts',
    'infra/constructs/x.ts',
    'state-machines/x.ts',
    // The made-up import cycles and the function folder rule's examples.
    'functions/a/a.ts',
    'functions/a/schema.ts',
    'shared/a.ts',
    'shared/b.ts',
    'shared/c.ts',
    'shared/d/index.ts',
    'shared/e.ts',
    'shared/f.ts',
  ],
  // This rule's own examples: a missing file, and paths relative to other files than this one.
  'test/unit/doc-paths.test.ts': [
    'state-machines/pipeline-duration.ts',
    './missing.ts',
    './event-bodies.ts',
    '../local/README.md',
    '../shared/http/limits.ts',
    'shared/webhooks/missing.ts',
  ],
};

const THIS_FILE = 'test/unit/doc-paths.test.ts';
const exemptIn = (file: string): readonly string[] =>
  file === THIS_FILE ? Object.values(MADE_UP).flat() : (MADE_UP[file] ?? []);

/** `file:line: why` of every path named in `file` that does not resolve. */
function missesIn(file: string): string[] {
  return pathsNamedIn(readFileSync(join(REPO_ROOT, file), 'utf8')).flatMap(({ path, line }) => {
    const miss = missOf(REPO_ROOT, file, path);
    return miss === undefined ? [] : [`${file}:${line}: ${miss}`];
  });
}

describe('doc-paths', () => {
  it('returns the paths a text names when they are root-relative, file-relative or in a Markdown link', () => {
    // Prepare
    const text = [
      'The limit is one constant, `shared/http/limits.ts`.',
      "import { x } from './event-bodies.ts'; // see ../../docs/WEBHOOKS.md",
      'details in [local/README.md](../local/README.md).',
    ].join('\n');

    // Act
    const named = pathsNamedIn(text);

    // Assess
    expect(named).toEqual([
      { path: 'shared/http/limits.ts', line: 1 },
      { path: './event-bodies.ts', line: 2 },
      { path: '../../docs/WEBHOOKS.md', line: 2 },
      { path: 'local/README.md', line: 3 },
      { path: '../local/README.md', line: 3 },
    ]);
  });

  it('returns no path when it is a glob, a placeholder, a URL or outside the checked folders', () => {
    // Prepare
    const text = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal's placeholder, as a source file writes it
      '`functions/<verb-noun>/handler.ts`, `functions/*/handler.ts`, `shared/{name}.ts`, `${root}/shared/x.ts`',
      'https://github.com/o/r/blob/main/docs/X.md node_modules/openai/src/index.ts scripts/x.ts bench/RESULTS',
    ].join('\n');

    // Act
    const named = pathsNamedIn(text);

    // Assess
    expect(named).toEqual([]);
  });

  it('returns a miss when a named file does not exist, from the root or from the naming file', () => {
    // Prepare
    const naming = 'shared/webhooks/delivery-starter.ts';

    // Act
    const misses = [
      missOf(REPO_ROOT, naming, 'shared/http/limits.ts'),
      missOf(REPO_ROOT, naming, './event-bodies.ts'),
      missOf(REPO_ROOT, naming, '../../docs/WEBHOOKS.md'),
      missOf(REPO_ROOT, 'docs/ARCHITECTURE.md', '../local/README.md'),
      missOf(REPO_ROOT, naming, 'state-machines/pipeline-duration.ts'),
      missOf(REPO_ROOT, naming, './missing.ts'),
    ];

    // Assess
    expect(misses).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'state-machines/pipeline-duration.ts does not exist',
      './missing.ts (shared/webhooks/missing.ts) does not exist',
    ]);
  });

  it('returns a miss when a relative path leaves the repository', () => {
    // Prepare
    const inside = 'functions/create-video/create-video.ts';

    // Act
    const fromAFunction = missOf(REPO_ROOT, inside, '../../shared/http/limits.ts');
    const fromTheRoot = missOf(REPO_ROOT, 'README.md', '../shared/http/limits.ts');

    // Assess
    expect(fromAFunction).toBeUndefined();
    expect(fromTheRoot).toBe(
      '../shared/http/limits.ts resolves outside the repository (../shared/http/limits.ts): the repository must stand alone',
    );
  });

  it('returns no miss when every path named in a Markdown or source file of the repository exists', () => {
    // Prepare
    const files = scannedFiles(REPO_ROOT);

    // Act
    const misses = files.flatMap((file) =>
      missesIn(file).filter((miss) => !exemptIn(file).some((path) => miss.includes(`: ${path} `))),
    );

    // Assess
    expect(files).toContain('README.md');
    expect(files).toContain('functions/create-video/handler.ts');
    expect(files.some((file) => file.startsWith('node_modules/') || file.startsWith('.git/'))).toBe(false);
    expect(misses).toEqual([]);
  });

  it('returns a miss for every made-up path when it is let through (the exemptions are still needed)', () => {
    // Prepare
    const exempted = Object.entries(MADE_UP).flatMap(([file, paths]) => paths.map((path) => ({ file, path })));

    // Act
    const unneeded = exempted.filter(({ file, path }) => !missesIn(file).some((miss) => miss.includes(`: ${path} `)));

    // Assess
    expect(exempted.length).toBeGreaterThan(0);
    expect(unneeded).toEqual([]);
  });
});
