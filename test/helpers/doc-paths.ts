import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/*
 * Repository paths named in prose and code (test/unit/doc-paths.test.ts): every path under one of the repository's
 * folders, written in a Markdown file or anywhere in a source file (comments and strings), must exist, so a moved
 * or renamed file cannot leave a stale reference behind.
 */

/** The folders whose paths are checked, and the extensions of the files named. */
const FOLDERS = ['shared', 'functions', 'local', 'infra', 'state-machines', 'cli', 'console', 'bench', 'docs', 'test'];
const EXTENSIONS = ['ts', 'tsx', 'md', 'mjs'];

/** Files read: Markdown and source. */
const SCANNED = /\.(md|ts|tsx|mts|cts|mjs|cjs|js)$/;
/** Never read: dependencies, git's own files, build output and the local stack's data. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'coverage', '.local']);

/**
 * A path: relative (`./<file>.ts`, `../<folder>/<file>.ts`) or starting at one of FOLDERS, ending in one of EXTENSIONS. A token
 * is a run of path characters; `*`, `<`, `>`, `{`, `}` and `$` are path characters too, so that a glob or a
 * placeholder (`functions/<verb-noun>/handler.ts`, `${dir}/x.ts`) stays one token, which is then exempt.
 */
const TOKEN = /[\w.\-/*<>{}$]+/g;
const PATH = new RegExp(
  `^(?:(?:\\.{1,2}/)+[\\w.\\-/]+|(?:${FOLDERS.join('|')})/[\\w.\\-/]+)\\.(?:${EXTENSIONS.join('|')})$`,
);
const EXEMPT = /[*<>{}$]/;

/** A path named in a file, with the line that names it. */
export interface NamedPath {
  path: string;
  line: number;
}

/** Every repository path `text` names (in order, duplicates kept), placeholders and globs left out. */
export function pathsNamedIn(text: string): NamedPath[] {
  const named: NamedPath[] = [];
  text.split('\n').forEach((lineText, index) => {
    for (const match of lineText.matchAll(TOKEN)) {
      // A sentence's full stop or a Markdown link's closing characters are not part of the path.
      const token = match[0].replace(/[.>]+$/, '');
      if (EXEMPT.test(token)) continue;
      if (PATH.test(token)) named.push({ path: token, line: index + 1 });
    }
  });
  return named;
}

/**
 * Why `path`, named in the repository file `namingFile` (repo-relative), does not resolve to a file or folder of the
 * repository at `root`, or undefined when it does. A path starting with `./` or `../` is relative to the naming
 * file's folder and must stay inside the repository; any other is taken from the root, or else from the naming
 * file's folder.
 */
export function missOf(root: string, namingFile: string, path: string): string | undefined {
  const folder = dirname(namingFile);
  if (path.startsWith('./') || path.startsWith('../')) {
    const resolved = normalize(join(folder, path));
    if (resolved === '..' || resolved.startsWith(`..${sep}`)) {
      return `${path} resolves outside the repository (${resolved}): the repository must stand alone`;
    }
    return existsSync(join(root, resolved)) ? undefined : `${path} (${resolved.split(sep).join('/')}) does not exist`;
  }
  if (existsSync(join(root, path)) || existsSync(join(root, folder, path))) return undefined;
  return `${path} does not exist`;
}

/** Every Markdown and source file of the repository at `root`, repo-relative with `/`. */
export function scannedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith('.scratch')) continue;
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && SCANNED.test(entry.name)) files.push(path);
    }
  };
  walk('');
  return files.map((file) => relative(root, join(root, file)).split(sep).join('/'));
}
