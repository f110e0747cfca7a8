import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

/*
 * The import rules between the layers (docs/ARCHITECTURE.md, "Layers and import rules"):
 *
 * 1. functions/<a> never imports functions/<b>: what two functions share lives in shared/.
 * 2. Runtime code (functions/, shared/) never imports infra/, state-machines/, local/, bench/, cli/ or test/:
 *    it is what is bundled into a Lambda function, and none of those belong in a bundle.
 * 3. shared/ never imports functions/ (the dependency points one way: handlers use shared, not the reverse).
 * 4. infra/ and state-machines/ (the CDK side) import runtime code only as `import type`, or as a value from the
 *    plain-data modules listed in PLAIN_DATA_MODULES: modules that import only each other and no package but the
 *    pure ones in PLAIN_DATA_PACKAGES, so CDK synthesis never loads an SDK client, Powertools or a handler.
 * 5. No import cycle outside test/, type-only imports and re-exports included (importCycles below).
 * 6. Inside functions/<name>/, only handler.ts imports schema.ts (the request parser). The core module <name>.ts owns
 *    its input type (`<Name>Input`) and schema.ts imports it from there: the dependency points from the parser to the
 *    logic, never back, so the logic reads alone.
 *
 * local/, bench/, cli/ and test/ may import anything (they run the code; cli/ happens to import none of it).
 */

/**
 * Runtime modules infra/ and state-machines/ may import as values: plain data and pure functions, no packages but
 * PLAIN_DATA_PACKAGES.
 */
export const PLAIN_DATA_MODULES = [
  'shared/pipeline/duration.ts',
  'shared/pipeline/poll-policy.ts',
  'shared/provider/gate/policy.ts',
  'shared/provider/webhooks/wait-policy.ts',
  'shared/video/object-keys.ts',
  'shared/table-ttl.ts',
  'shared/aws/transient-errors.ts',
  'shared/webhooks/retry-policy.ts',
  'shared/lazy.ts',
  'shared/catalogue/schema.ts',
  'shared/catalogue/default-catalogue.ts',
  'shared/provider/kinds.ts',
];

/**
 * The packages a plain-data module may import: zod's tree-shakable entry, pure (no I/O, no client), so that the model
 * catalogue's one schema checks it at synth as it does at cold start.
 */
export const PLAIN_DATA_PACKAGES = ['zod/mini'];

/** One import of one file: `from` and `to` are repo-relative paths (`to` a package name when not relative). */
export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type` only: erased at compile time, never loaded. */
  typeOnly: boolean;
}

const RUNTIME = ['functions', 'shared'];
const CDK_SIDE = ['infra', 'state-machines'];
const NOT_IN_A_BUNDLE = ['infra', 'state-machines', 'local', 'bench', 'cli', 'test'];

const topFolder = (path: string) => path.split('/')[0]!;
const functionOf = (path: string) => (topFolder(path) === 'functions' ? path.split('/')[1] : undefined);
const isRelative = (specifier: string) => specifier.startsWith('.');
const REPO_FOLDER = /^(functions|shared|infra|state-machines|local|bench|cli|test)\//;

/** The rule an import breaks, or undefined when it is allowed. Pure, so test/unit/architecture.test.ts also runs it on made-up bad imports. */
export function violationOf(edge: ImportEdge): string | undefined {
  const from = topFolder(edge.from);
  if (!REPO_FOLDER.test(edge.to)) {
    // A package or node: builtin: only the plain-data modules must stay package-free.
    if (PLAIN_DATA_MODULES.includes(edge.from) && !edge.typeOnly && !PLAIN_DATA_PACKAGES.includes(edge.to)) {
      return `${edge.from} is a plain-data module infra loads; it must not import the package ${edge.to}`;
    }
    return undefined;
  }
  const to = topFolder(edge.to);
  if (from === 'functions' && to === 'functions' && functionOf(edge.from) !== functionOf(edge.to)) {
    return `functions/${functionOf(edge.from)} imports functions/${functionOf(edge.to)}: move the shared piece to shared/`;
  }
  if (RUNTIME.includes(from) && NOT_IN_A_BUNDLE.includes(to)) {
    return `runtime code (${from}/) imports ${to}/, which must never be bundled into a Lambda function`;
  }
  if (
    functionOf(edge.from) !== undefined &&
    edge.to === `functions/${functionOf(edge.from)}/schema.ts` &&
    edge.from !== `functions/${functionOf(edge.from)}/handler.ts`
  ) {
    return `${edge.from} imports its folder's schema.ts: only handler.ts uses the request parser; the core module owns the input type and schema.ts imports it from there`;
  }
  if (from === 'shared' && to === 'functions') {
    return 'shared/ imports functions/: shared code must not depend on a handler';
  }
  if (CDK_SIDE.includes(from) && RUNTIME.includes(to) && !edge.typeOnly && !PLAIN_DATA_MODULES.includes(edge.to)) {
    return `${from}/ imports the runtime module ${edge.to} as a value: use \`import type\` or a plain-data module`;
  }
  if (PLAIN_DATA_MODULES.includes(edge.from) && !edge.typeOnly && !PLAIN_DATA_MODULES.includes(edge.to)) {
    return `${edge.from} is a plain-data module infra loads; it may only import other plain-data modules`;
  }
  return undefined;
}

/** Whether the import or export that names `specifier` in `source` is type-only (`import type`, `export type`). */
function typeOnlySpecifiers(file: ts.SourceFile): Map<string, boolean> {
  const typeOnly = new Map<string, boolean>();
  const note = (specifier: ts.Expression | undefined, isTypeOnly: boolean) => {
    if (specifier === undefined || !ts.isStringLiteral(specifier)) return;
    // A module imported both ways counts as a value import.
    typeOnly.set(specifier.text, (typeOnly.get(specifier.text) ?? true) && isTypeOnly);
  };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const allNamedTypeOnly =
        clause?.namedBindings !== undefined &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.name === undefined &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((element) => element.isTypeOnly);
      note(statement.moduleSpecifier, clause !== undefined && (clause.isTypeOnly || allNamedTypeOnly));
    } else if (ts.isExportDeclaration(statement)) {
      note(statement.moduleSpecifier, statement.isTypeOnly);
    }
  }
  return typeOnly;
}

/** Every import of a source text: static imports, re-exports, `import type`, dynamic `import()` and `require()`. */
export function importsOf(path: string, source: string): ImportEdge[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const typeOnly = typeOnlySpecifiers(ts.createSourceFile(path, source, ts.ScriptTarget.Latest, false));
  return importedFiles.map(({ fileName }) => ({
    from: path,
    to: isRelative(fileName) ? resolveModule(path, fileName) : fileName,
    typeOnly: typeOnly.get(fileName) ?? false,
  }));
}

/** A relative specifier as a repo-relative path, `.ts` added when the specifier has no extension. */
function resolveModule(from: string, specifier: string): string {
  const target = normalize(join(dirname(from), specifier))
    .split('\\')
    .join('/');
  return /\.[cm]?[jt]s$|\.json$/.test(target) ? target : `${target}.ts`;
}

/**
 * The import cycles among `files`: each strongly connected component of the graph the edges draw (Tarjan), as one
 * cycle through it, `a.ts → b.ts → a.ts`. Every edge counts, type-only imports and re-exports included: a cycle of
 * types is still two modules that cannot be read one without the other. An edge to `x.ts` that is not a file reaches
 * `x/index.ts` when that is one (a folder import).
 */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[] {
  const known = new Set(files);
  const target = (to: string) =>
    known.has(to) ? to : known.has(to.replace(/\.ts$/, '/index.ts')) ? to.replace(/\.ts$/, '/index.ts') : undefined;
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) {
    const to = target(edge.to);
    if (to !== undefined && next.has(edge.from)) next.get(edge.from)!.push(to);
  }

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || next.get(file)!.includes(file)) components.push(component);
  };
  for (const file of files) if (!index.has(file)) visit(file);

  // One cycle per component, from its first file in sorted order: a breadth-first walk back to that file.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const cameFrom = new Map<string, string>();
    const queue = [start];
    for (const file of queue) {
      for (const to of next.get(file)!) {
        if (!members.has(to)) continue;
        if (to === start) {
          const path = [start];
          for (let at = file; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
          return [...path, start].join(' → ');
        }
        if (!cameFrom.has(to)) {
          cameFrom.set(to, file);
          queue.push(to);
        }
      }
    }
    return [...component, start].join(' → ');
  });
}
