import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEventRecord } from './history';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One execution as the local engine keeps it (times in epoch ms; input/output as JSON text, as the API returns them). */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** RedriveExecution: how many times the execution was redriven, and when last (epoch ms). */
  redriveCount?: number;
  redriveDate?: number;
  events: HistoryEventRecord[];
}

/** Executions persisted as one JSON file each under `<dataDir>/stepfunctions/executions`, written atomically. */
export class ExecutionStore {
  private readonly directory: string;
  private readonly writes = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'stepfunctions', 'executions');
  }

  async loadAll(): Promise<ExecutionRecord[]> {
    await mkdir(this.directory, { recursive: true });
    const files = (await readdir(this.directory)).filter((file) => file.endsWith('.json'));
    return Promise.all(
      files.map(async (file) => JSON.parse(await readFile(join(this.directory, file), 'utf8')) as ExecutionRecord),
    );
  }

  /** Queues a write of the record's current state; writes of one execution never interleave. */
  save(record: ExecutionRecord): Promise<void> {
    const file = join(
      this.directory,
      `${createHash('sha256').update(record.executionArn).digest('hex').slice(0, 32)}.json`,
    );
    const previous = this.writes.get(record.executionArn) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(this.directory, { recursive: true });
      const temporary = `${file}.tmp`;
      await writeFile(temporary, JSON.stringify(record));
      await rename(temporary, file);
    });
    const settled = next.catch((error: unknown) => {
      console.error(`local engine: could not persist ${record.executionArn}:`, error);
    });
    this.writes.set(record.executionArn, settled);
    return settled;
  }

  /** Resolves once every queued write is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }
}
