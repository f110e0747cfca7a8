/**
 * Builds the web console (`npm run build:console`): one minified ES module bundle, its CSS and index.html, into
 * `console/dist/` or the directory given. The local stack and the CDK app call {@link buildConsole} themselves.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const CONSOLE_DIR = import.meta.dirname;

/** The default output directory of the console's bundle. */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');

/** Bundles the console into `outdir` (index.html, app.js, app.css); synchronous so CDK can call it at synth time. */
export function buildConsole(outdir: string = CONSOLE_DIST): { outdir: string; files: string[] } {
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: { app: join(CONSOLE_DIR, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    outdir,
    legalComments: 'none',
    logLevel: 'error',
  });
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outdir, 'index.html'));
  return { outdir, files: ['index.html', 'app.js', 'app.css'] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { outdir } = buildConsole(process.argv[2] ? resolve(process.argv[2]) : CONSOLE_DIST);
  console.log(`console built into ${outdir}`);
}
