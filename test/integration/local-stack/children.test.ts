import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/api';
import { localStackEnv } from '../../helpers/local-stack';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PARENT = join(import.meta.dirname, 'fixtures', 'stack-parent.ts');

/** A stack started by fixtures/stack-parent.ts, which has closed the stack's stdout and stderr. */
interface ParentedStack {
  parent: ChildProcess;
  /** tsx's CLI, as `npm start` runs it. */
  stackPid: number;
  /** The process below tsx's CLI that runs local/start.ts. */
  nodePid: number;
  /** Every process below the parent, read from /proc once the stack was ready: tsx, node, DynamoDB Local's java. */
  tree: number[];
  baseUrl: string;
  dynamodbPid: number;
}

const started: Array<{ parent: ChildProcess; tree: number[]; dataDir: string }> = [];

afterEach(async () => {
  // Whatever a failed test left: only the processes it started.
  for (const { parent, tree, dataDir } of started.splice(0)) {
    // A pid is only ours while its process has not ended: an ended parent's pid may be another's already.
    const alive = parent.exitCode === null && parent.signalCode === null;
    const pids = alive ? [parent.pid ?? -1, ...tree, ...(await descendantsOf(parent.pid ?? -1))] : tree;
    for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function startUnderParent(): Promise<ParentedStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reelflow-children-'));
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: localStackEnv(dataDir),
  });
  const entry = { parent, tree: [] as number[], dataDir };
  started.push(entry);
  let output = '';
  parent.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  parent.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const line = await eventually(
    'the stack printing its banner',
    async () => {
      if (parent.exitCode !== null) throw new Error(`the parent exited: ${output}`);
      return output.includes('\n') ? output.slice(0, output.indexOf('\n')) : undefined;
    },
    { timeoutMs: 120_000 },
  );
  const { stackPid, banner } = JSON.parse(line) as { stackPid: number; banner: string };
  entry.tree = await descendantsOf(parent.pid ?? -1);
  return {
    parent,
    stackPid,
    nodePid: (await descendantsOf(stackPid))[0] ?? -1,
    tree: entry.tree,
    baseUrl: /ready at (http\S+)/.exec(banner)?.[1] ?? '',
    dynamodbPid: Number(/\(pid (\d+);/.exec(banner)?.[1] ?? -1),
  };
}

/** The pids below `root` (children first, then theirs), from each process's parent pid in /proc/<pid>/stat. */
async function descendantsOf(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const next = children.get(queue.shift() ?? -1) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** True while the process exists and is not a zombie (an orphan's zombie may wait for a reaper that never comes). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (30 s at most) until no process of the stacks' trees runs; then afterEach has nothing of theirs to kill. */
async function allEnded(...stacks: ParentedStack[]): Promise<void> {
  const tree = stacks.flatMap((stack) => stack.tree);
  await eventually('every process of the stack ending', async () => (tree.some(isRunning) ? undefined : true), {
    timeoutMs: 30_000,
  });
  for (const stack of stacks) stack.tree.length = 0;
}

const health = (baseUrl: string) =>
  fetch(`${baseUrl}/v1/health`).then(
    (response) => response.status,
    (error: unknown) => String(error),
  );

describe('local stack children', () => {
  it('keeps answering after its stdout and stderr close, and leaves no process when its parent is SIGKILLed and it gets SIGTERM', async () => {
    // Prepare
    const stack = await startUnderParent();

    // Act
    const answers: Array<number | string> = [];
    for (let request = 0; request < 3; request += 1) answers.push(await health(stack.baseUrl));
    stack.parent.kill('SIGKILL');
    process.kill(stack.stackPid, 'SIGTERM');

    // Assess
    expect(stack.tree).toEqual(expect.arrayContaining([stack.stackPid, stack.nodePid, stack.dynamodbPid]));
    expect(answers).toEqual([200, 200, 200]);
    await allEnded(stack);
  }, 180_000);

  it('leaves no process when the stack is SIGKILLed: its node process (as tsx does to one slow to answer a signal), or tsx in front of it', async () => {
    // Prepare
    const [node, tsx] = await Promise.all([startUnderParent(), startUnderParent()]);

    // Act
    process.kill(node.nodePid, 'SIGKILL');
    process.kill(tsx.stackPid, 'SIGKILL');

    // Assess
    expect(node.tree).toContain(node.dynamodbPid);
    expect(tsx.tree).toContain(tsx.dynamodbPid);
    await allEnded(node, tsx);
  }, 180_000);
});
