import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench -- <name> [args...]` runs bench/<name>.ts in its own Node process (so one benchmark's memory never
 * colours another's); with no name, lists the benchmarks.
 */
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && file !== 'support.ts')
  .map((file) => file.slice(0, -3))
  .sort();

if (!name) {
  console.log(`usage: npm run bench -- <name> [args...]\nbenchmarks:\n${available.map((b) => `  ${b}`).join('\n')}`);
  process.exit(0);
}
const file = `${BENCH_DIR}${name}.ts`;
if (!available.includes(name) || !existsSync(file)) {
  console.error(`unknown benchmark '${name}'; available: ${available.join(', ')}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
