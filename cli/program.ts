import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createApiClient } from './client';
import {
  type AdminVideosOptions,
  adminEraseUserCommand,
  adminExecutionCommand,
  adminRedriveCommand,
  adminVideosCommand,
} from './commands/admin';
import type { CommandContext } from './commands/context';
import { type CreateOptions, createCommand, type RemixOptions, remixCommand } from './commands/create';
import { modelsCommand } from './commands/models';
import { type AuditOptions, auditCommand, type CostsOptions, costsCommand, usageCommand } from './commands/reports';
import {
  cancelCommand,
  type DownloadOptions,
  deleteCommand,
  downloadCommand,
  getCommand,
  type ListOptions,
  listCommand,
} from './commands/videos';
import {
  type PageOptions,
  type WebhooksAddOptions,
  webhooksAddCommand,
  webhooksDeliveriesCommand,
  webhooksListCommand,
  webhooksRemoveCommand,
} from './commands/webhooks';
import { CliError } from './errors';
import type { ProgressStream } from './progress';
import { DEFAULT_WAIT_POLICY, type WaitPolicy } from './wait';

export const DEFAULT_BASE_URL = 'http://localhost:3000';

/** The process around the CLI; tests pass fakes. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

interface GlobalOptions {
  baseUrl?: string;
  token?: string;
  json?: boolean;
}

/** Runs the CLI with `argv` (user arguments only) and resolves to the exit code; every error is one stderr line. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // commander printed its own message (usage errors) or the help/version, which exits 0.
    if (error instanceof CommanderError) return error.exitCode;
    const line = error instanceof CliError ? error.toLine() : `error: ${(error as Error)?.message ?? String(error)}`;
    io.stderr.write(`${line}\n`);
    return 1;
  }
}

/** The commander wiring: every command is a function of its arguments and a `CommandContext`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('reelflow')
    .description('Turn prompts into MP4s with the reelflow API')
    .version(packageVersion())
    .option('--base-url <url>', `the API (env REELFLOW_BASE_URL, default ${DEFAULT_BASE_URL})`)
    .option('--token <jwt>', 'bearer token (env REELFLOW_TOKEN)')
    .option('--json', 'print the raw JSON the API answered')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();

  const contextOf = (command: Command, waitTimeout?: string): CommandContext => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const client = createApiClient({
      baseUrl: globals.baseUrl ?? io.env.REELFLOW_BASE_URL ?? DEFAULT_BASE_URL,
      token: globals.token ?? io.env.REELFLOW_TOKEN,
      fetch: io.fetch,
    });
    const waitPolicy: WaitPolicy = { ...DEFAULT_WAIT_POLICY };
    if (waitTimeout !== undefined) waitPolicy.timeoutMs = Number(waitTimeout) * 1000;
    return { client, stdout: io.stdout, stderr: io.stderr, json: globals.json ?? false, waitPolicy, sleep: io.sleep };
  };

  const waitOptions = (command: Command) =>
    command
      .option('--wait', 'show progress until the video is finished')
      .option('--out <file>', 'save the MP4 there once finished (implies --wait)')
      .option('--timeout <seconds>', 'how long --wait waits', positiveInteger, '900')
      .option('--idempotency-key <key>', 'retrying with the same key never makes a second video');

  waitOptions(
    program
      .command('create')
      .description('create a video from a prompt')
      .argument('<prompt>', 'what the video shows')
      .option('--model <model>', 'a model of `reelflow models` (default: the first listed there)')
      .option('--seconds <seconds>', "one of the model's seconds in `reelflow models` (default: its default)")
      .option('--size <size>', "one of the model's sizes in `reelflow models` (default: its default)")
      .option('--metadata <key=value>', 'a metadata entry (repeatable)', metadataPair, undefined),
  ).action(async (prompt: string, options: CreateOptions & { timeout: string }, command: Command) => {
    await createCommand(prompt, options, contextOf(command, options.timeout));
  });

  waitOptions(
    program
      .command('remix')
      .description('make a new video from a completed one and a new prompt')
      .argument('<id>', 'the source video')
      .argument('<prompt>', 'what changes'),
  ).action(async (id: string, prompt: string, options: RemixOptions & { timeout: string }, command: Command) => {
    await remixCommand(id, prompt, options, contextOf(command, options.timeout));
  });

  program
    .command('models')
    .description(
      'the models you can create with: their seconds, sizes (defaults marked *), price per second, providers',
    )
    .argument('[id]', 'one model only')
    .action((id: string | undefined, _options: unknown, command: Command) => modelsCommand(id, contextOf(command)));

  program
    .command('get')
    .description('show one video')
    .argument('<id>')
    .action((id: string, _options: unknown, command: Command) => getCommand(id, contextOf(command)));

  program
    .command('list')
    .description('list your videos, newest first')
    .option('--limit <n>', '1 to 100 per page (default 20)')
    .option('--status <status>', 'only videos with this status')
    .option('--after <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .action((options: ListOptions, command: Command) => listCommand(options, contextOf(command)));

  program
    .command('download')
    .description('save a finished video (or its thumbnail or spritesheet)')
    .argument('<id>')
    .addOption(new Option('--variant <variant>', 'what to save').choices(['video', 'thumbnail', 'spritesheet']))
    .option('--out <file>', 'where to save it (default <id>.mp4)')
    .action((id: string, options: DownloadOptions, command: Command) =>
      downloadCommand(id, options, contextOf(command)),
    );

  program
    .command('cancel')
    .description('cancel a video that is not finished')
    .argument('<id>')
    .action((id: string, _options: unknown, command: Command) => cancelCommand(id, contextOf(command)));

  program
    .command('delete')
    .description('delete a finished video and its stored files')
    .argument('<id>')
    .action((id: string, _options: unknown, command: Command) => deleteCommand(id, contextOf(command)));

  program
    .command('usage')
    .description("your month's videos, seconds and spend against your budget")
    .option('--month <YYYY-MM>', 'default this month')
    .action((options: { month?: string }, command: Command) => usageCommand(options, contextOf(command)));

  program
    .command('costs')
    .description('per-user cost totals for a month (role finance)')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--user <id>', 'one user only')
    .option('--csv', 'the CSV export, printed as it comes')
    .action((options: CostsOptions, command: Command) => costsCommand(options, contextOf(command)));

  program
    .command('audit')
    .description(
      "changes of users' limits, redrives and erasures, newest first: who, when, old and new values (role finance; operators: their own)",
    )
    .option('--user <id>', 'one user only (every month unless --month)')
    .option('--month <YYYY-MM>', 'one month (without --user: default this month, every user)')
    .option('--limit <n>', 'records per page, 1 to 100 (default 20)')
    .option('--after <cursor>', 'the page after the one that printed this cursor')
    .action((options: AuditOptions, command: Command) => auditCommand(options, contextOf(command)));

  const admin = program
    .command('admin')
    .description('operators: videos of every user, executions, redrive; finance: erasing a user');
  admin
    .command('videos')
    .description('videos of every user in one status, or one user’s, newest first (role operators)')
    .option('--status <status>', 'only videos in this status (give --status, --user or both)')
    .option('--user <id>', 'one user only')
    .option('--limit <n>', '1 to 100 per page (default 20)')
    .option('--after <cursor>', 'the page after the one that printed this cursor')
    .action((options: AdminVideosOptions, command: Command) => adminVideosCommand(options, contextOf(command)));
  admin
    .command('execution')
    .description('a video’s execution as a timeline: states, durations, retries, errors (role operators)')
    .argument('<video-id>')
    .action((id: string, _options: unknown, command: Command) => adminExecutionCommand(id, contextOf(command)));
  admin
    .command('redrive')
    .description('continue a failed execution from the step it failed in, when that is safe (role operators)')
    .argument('<video-id>')
    .action((id: string, _options: unknown, command: Command) => adminRedriveCommand(id, contextOf(command)));
  admin
    .command('erase-user')
    .description(
      'erase a user’s videos, prompts, stored files, uploads and provider copies; the ledger keeps its amounts (role finance)',
    )
    .argument('<user-id>')
    .action((userId: string, _options: unknown, command: Command) => adminEraseUserCommand(userId, contextOf(command)));

  const webhooks = program.command('webhooks').description('signed events about your videos, POSTed to your URLs');
  webhooks
    .command('add')
    .description('register a URL for events; prints its signing secret, shown only this once')
    .argument('<url>')
    .option(
      '--events <types>',
      'comma-separated: video.completed,video.failed,video.cancelled (default all)',
      (value) => value.split(',').map((type) => type.trim()),
    )
    .action((url: string, options: WebhooksAddOptions, command: Command) =>
      webhooksAddCommand(url, options, contextOf(command)),
    );
  webhooks
    .command('list')
    .description('your webhook endpoints (a disabled one says why)')
    .option('--limit <n>', '1 to 100 per page (default 20)')
    .option('--after <cursor>', 'the page after the one that printed this cursor')
    .action((options: PageOptions, command: Command) => webhooksListCommand(options, contextOf(command)));
  webhooks
    .command('remove')
    .description('delete a webhook endpoint')
    .argument('<id>')
    .action((id: string, _options: unknown, command: Command) => webhooksRemoveCommand(id, contextOf(command)));
  webhooks
    .command('deliveries')
    .description('an endpoint’s deliveries, newest first: status, attempts, last response, next attempt')
    .argument('<id>')
    .option('--limit <n>', '1 to 100 per page (default 20)')
    .option('--after <cursor>', 'the page after the one that printed this cursor')
    .action((id: string, options: PageOptions, command: Command) =>
      webhooksDeliveriesCommand(id, options, contextOf(command)),
    );

  return program;
}

/** Collects repeated `--metadata key=value` into one object. */
export function metadataPair(pair: string, previous: Record<string, string> | undefined): Record<string, string> {
  const separator = pair.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [pair.slice(0, separator)]: pair.slice(separator + 1) };
}

function positiveInteger(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  return value;
}

function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
