/**
 * `npm run cli -- <command>` or the `reelflow` bin: the reelflow API from a terminal (see `--help` and docs/CLI.md).
 */
import { runCli } from './program';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
