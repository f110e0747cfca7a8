import type { ApiClient } from '../client';
import type { ProgressStream } from '../progress';
import type { WaitPolicy } from '../wait';

/** What every command gets: the API client, where to write, and the global flags. */
export interface CommandContext {
  client: ApiClient;
  /** Results (tables, JSON, CSV). */
  stdout: { write(text: string): unknown };
  /** Progress and notes; errors are printed by main. */
  stderr: ProgressStream;
  /** `--json`: print the API's JSON as it came. */
  json: boolean;
  /** Injected in tests; DEFAULT_WAIT_POLICY otherwise. */
  waitPolicy?: WaitPolicy;
  sleep?: (ms: number) => Promise<void>;
}

/** Writes `value` as pretty JSON or as `text(value)`, with a trailing newline. */
export function print<T>(context: CommandContext, value: T, text: (value: T) => string): void {
  context.stdout.write(`${context.json ? JSON.stringify(value, null, 2) : text(value)}\n`);
}
