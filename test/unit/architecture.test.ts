import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_FUNCTIONS } from '../../infra/api-routes';
import { REPO_ROOT } from '../../infra/config';
import { PROVIDER_KINDS } from '../../shared/provider/adapters';
import { importCycles, importsOf, violationOf } from '../helpers/import-rules';
import { kindLiteralsOf } from '../helpers/provider-kinds';

// The layer rules (test/helpers/import-rules.ts, docs/ARCHITECTURE.md) checked on every .ts file of the repository.

function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

describe('architecture', () => {
  const files = ['functions', 'shared', 'infra', 'state-machines', 'local', 'bench', 'cli', 'test'].flatMap(
    sourceFiles,
  );
  const edges = files.flatMap((path) => importsOf(path, readFileSync(join(REPO_ROOT, path), 'utf8')));

  it('reads the imports of every layer', () => {
    expect(files.length).toBeGreaterThan(200);
    // Known edges of each kind are seen: a value import, a type-only import, a re-export and a dynamic import.
    expect(edges).toContainEqual({
      from: 'infra/constructs/video-pipeline.ts',
      to: 'shared/pipeline/duration.ts',
      typeOnly: false,
    });
    expect(edges).toContainEqual({ from: 'infra/constructs/bindings.ts', to: 'shared/config.ts', typeOnly: true });
    expect(edges).toContainEqual({
      from: 'state-machines/history-budget.ts',
      to: 'shared/pipeline/duration.ts',
      typeOnly: false,
    });
    expect(edges.some((edge) => edge.from.startsWith('local/') && edge.to.startsWith('functions/'))).toBe(false);
  });

  it('has no import that breaks a layer rule', () => {
    const violations = edges.flatMap((edge) => {
      const violation = violationOf(edge);
      return violation === undefined ? [] : [`${edge.from} → ${edge.to}: ${violation}`];
    });
    expect(violations).toEqual([]);
  });

  it('has no import cycle outside test/, type-only imports and re-exports included', () => {
    // Prepare
    const runtimeAndTools = files.filter((path) => !path.startsWith('test/'));

    // Act
    const cycles = importCycles(runtimeAndTools, edges);

    // Assess: put the port or type both sides need in a module of its own (shared/money/user-limits.ts,
    // shared/video/store.ts).
    expect(cycles).toEqual([]);
  });

  it('finds a cycle of type-only imports, re-exports and folder imports (the cycle check is not vacuous)', () => {
    // Prepare
    const sources: Record<string, string> = {
      'shared/a.ts': "import type { B } from './b';",
      'shared/b.ts': "export { c } from './c';",
      'shared/c.ts': "import { type A } from './a';\nimport { d } from './d';",
      'shared/d/index.ts': "import { e } from '../e';",
      'shared/e.ts': "import { d } from './d';",
      'shared/f.ts': "import { a } from './a';",
    };

    // Act
    const cycles = importCycles(
      Object.keys(sources),
      Object.entries(sources).flatMap(([path, source]) => importsOf(path, source)),
    );

    // Assess
    expect(cycles.sort()).toEqual([
      'shared/a.ts → shared/b.ts → shared/c.ts → shared/a.ts',
      'shared/d/index.ts → shared/e.ts → shared/d/index.ts',
    ]);
  });

  it('keeps the Tracer (aws-xray-sdk-core) out of every API function, store-video, the reconciler and the erasure (shared/observability/tracing.ts says why)', () => {
    const loads = (entry: string): Set<string> => {
      const seen = new Set<string>([entry]);
      for (const file of seen) {
        for (const edge of edges) if (edge.from === file && !edge.typeOnly) seen.add(edge.to);
      }
      return seen;
    };
    const tracing = [
      'shared/observability/tracing.ts',
      '@aws-lambda-powertools/tracer',
      '@aws-lambda-powertools/tracer/middleware',
    ];
    const traced = (folder: string) => tracing.filter((module) => loads(`functions/${folder}/handler.ts`).has(module));

    const routes = Object.keys(ROUTE_FUNCTIONS);
    expect(routes.length).toBeGreaterThan(20);
    const untraced = [...routes, 'store-video', 'reconcile-work-items', 'erase-user-data'];
    expect(untraced.filter((folder) => traced(folder).length > 0)).toEqual([]);
    // The control: another pipeline task still loads it, so the walk above does follow imports.
    expect(traced('poll-generation-job')).toEqual(tracing);
  });

  // The registered kinds, and those the next adapters bring (docs/ARCHITECTURE.md, "The provider port").
  const providerKinds = [...new Set<string>([...PROVIDER_KINDS, 'openrouter', 'fal'])];

  it('names no provider kind outside its adapter folder and the registry: callers read capabilities instead', () => {
    // Prepare
    const runtime = files.filter((path) => path.startsWith('functions/') || path.startsWith('shared/'));

    // Act
    const named = runtime.flatMap((path) =>
      kindLiteralsOf(path, readFileSync(join(REPO_ROOT, path), 'utf8'), providerKinds),
    );

    // Assess: declare the difference as a capability of the adapter (shared/provider/port.ts) and read it.
    expect(PROVIDER_KINDS).toContain('openai');
    expect(named).toEqual([]);
    // The control: the adapter does name its kind, so the walk does read literals.
    expect(
      kindLiteralsOf('functions/a/a.ts', readFileSync(join(REPO_ROOT, 'shared/provider/openai/adapter.ts'), 'utf8'), [
        'openai',
      ]),
    ).not.toEqual([]);
  });

  it('catches a provider kind named outside its adapter (the rule is not vacuous)', () => {
    const named = (source: string, path: string) => kindLiteralsOf(path, source, providerKinds);
    expect(named("if (provider.capabilities.kind === 'openai') return;", 'shared/pipeline/x.ts')).toEqual([
      "shared/pipeline/x.ts:1 'openai'",
    ]);
    expect(named("const kind: 'fal' | 'x' = `fal`;", 'functions/a/a.ts')).toHaveLength(2);
    // The kind's SDK is its adapter's too.
    expect(named("import OpenAI from 'openai';", 'functions/a/a.ts')).toEqual(["functions/a/a.ts:1 'openai'"]);
    expect(named("import OpenAI from 'openai';", 'shared/provider/openai/adapter.ts')).toEqual([]);
    expect(named("export const A = { openai: () => 'openai' };", 'shared/provider/adapters.ts')).toEqual([]);
    // Another kind's folder, comments, identifiers and other layers are not the rule's.
    expect(named("const k = 'fal';", 'shared/provider/openai/errors.ts')).toEqual([
      "shared/provider/openai/errors.ts:1 'fal'",
    ]);
    expect(named('// the openai kind\nconst openai = 1;', 'shared/x.ts')).toEqual([]);
    expect(named("const k = 'openai';", 'local/provider-emulator/webhooks.ts')).toEqual([]);
  });

  it('catches each kind of bad import (the rules are not vacuous)', () => {
    const bad = (source: string, path: string) => importsOf(path, source).map(violationOf);
    expect(
      bad("import { failureOf } from '../record-failure/record-failure';", 'functions/reconcile/reconcile.ts'),
    ).toEqual([expect.stringContaining('functions/reconcile imports functions/record-failure')]);
    expect(bad("import type { X } from '../../infra/app';", 'shared/pipeline/x.ts')).toEqual([
      expect.stringContaining('runtime code (shared/) imports infra/'),
    ]);
    expect(bad("const m = await import('../../local/stack');", 'functions/a/handler.ts')).toEqual([
      expect.stringContaining('imports local/'),
    ]);
    expect(bad("export { h } from '../functions/a/handler';", 'shared/x.ts')).toEqual([
      expect.stringContaining('shared/ imports functions/'),
    ]);
    expect(bad("import { ddb } from '../../shared/aws/dynamodb';", 'infra/constructs/x.ts')).toEqual([
      expect.stringContaining('as a value'),
    ]);
    expect(bad("import type { Env } from '../../shared/config';", 'infra/constructs/x.ts')).toEqual([undefined]);
    expect(bad("import { type A, type B } from '../shared/config';", 'state-machines/x.ts')).toEqual([undefined]);
    expect(bad("import { z } from 'zod';", 'shared/pipeline/poll-policy.ts')).toEqual([
      expect.stringContaining('package zod'),
    ]);
    expect(bad("import { a } from './a-logic';", 'functions/a/handler.ts')).toEqual([undefined]);
    expect(bad("import type { AInput } from './schema';", 'functions/a/a.ts')).toEqual([
      expect.stringContaining("functions/a/a.ts imports its folder's schema.ts"),
    ]);
    expect(bad("import { parseARequest } from './schema';", 'functions/a/handler.ts')).toEqual([undefined]);
    expect(bad("import type { AInput } from './a';", 'functions/a/schema.ts')).toEqual([undefined]);
  });
});
