import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * A field of /proc/<pid>/status in KiB (VmRSS now, VmHWM the lifetime peak). Synchronous on purpose: an async read
 * would queue behind the servers' file I/O and miss short peaks.
 */
export function procStatusKib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]);
}

/** `work`, or an error naming `what` once `ms` have passed. */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const RESULTS_FILE = fileURLToPath(new URL('RESULTS.md', import.meta.url));

/**
 * Replaces benchmark `name`'s section of bench/RESULTS.md (between `<!-- bench:name -->` and `<!-- /bench:name -->`)
 * with `lines`, or appends it: each run of a benchmark replaces its own figures and leaves the others alone.
 */
export function writeResultsSection(name: string, lines: string[]): void {
  const section = [`<!-- bench:${name} -->`, ...lines, `<!-- /bench:${name} -->`].join('\n');
  let current: string;
  try {
    current = readFileSync(RESULTS_FILE, 'utf8');
  } catch {
    current = '# Benchmark results\n\nOne section per benchmark; each run of a benchmark replaces its own section.\n';
  }
  const pattern = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  const next = pattern.test(current) ? current.replace(pattern, () => section) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS_FILE, next);
}

/**
 * A crowd benchmark's section (admission, herd): its title, the command with what it ran under, the machine and
 * load, pass or fail, and its figure lines as printed.
 */
export function writeCrowdResults(
  name: string,
  run: { title: string; command: string; loadBefore: number; failed: boolean; lines: string[] },
): void {
  writeResultsSection(name, [
    `## ${run.title}`,
    '',
    `${run.command}, ${runLine(run.loadBefore)};`,
    `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end: ${run.failed ? 'FAILED' : 'passed'}.`,
    '',
    '```',
    ...run.lines,
    '```',
  ]);
}

/** The machine a run happened on, for a results section: when, CPUs, memory, Node.js and the load it started under. */
export function runLine(loadBefore: number): string {
  const cpu = cpus();
  return (
    `Run: ${new Date().toISOString()} on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node.js ${process.version}, ${process.platform}; ` +
    `1-minute load average ${loadBefore.toFixed(2)} when it started`
  );
}
