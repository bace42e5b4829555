/**
 * The `featureflow` command line: one file per command, registered here. Every command is a
 * thin layer over the client library (`src/api/`), loaded only when a command runs, so `--help`
 * and `--version` start fast. Errors become one line and an exit code (see `context.ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerAssets } from './assets';
import { registerFlows } from './flows';
import { registerDoctor } from './doctor';
import { registerBackfill } from './backfill';
import { registerCompletion } from './completion';
import { closeCliApi, errorText, ExitCode, exitCodeOf } from './context';
import { registerLogs } from './logs';
import { registerReport } from './report';
import { registerResult } from './result';
import { registerRun } from './run';
import { registerRuns } from './runs';
import { registerSchedule } from './schedule';
import { registerSetup } from './setup';
import { registerStatus } from './status';
import { registerUi } from './ui';

/** The package version (package.json sits two levels above both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Commander's usage errors as one line with the way to help, e.g. `featureflow: unknown option '--x' (featureflow run --help)`. */
function oneLine(text: string, write: (s: string) => void): void {
  write(`featureflow: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`);
}

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('featureflow')
    .description('Temporal-native feature pipeline for crypto market data')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--verbose', 'print stack traces of errors (also FEATUREFLOW_LOG_LEVEL=debug)')
    .configureOutput({ outputError: oneLine })
    .exitOverride();
  registerRun(program);
  registerResult(program);
  registerStatus(program);
  registerRuns(program);
  registerLogs(program);
  registerUi(program);
  registerReport(program);
  registerSetup(program);
  registerSchedule(program);
  registerBackfill(program);
  registerAssets(program);
  registerFlows(program);
  registerDoctor(program);
  registerCompletion(program);
  // Every subcommand stops on bad usage too, instead of calling process.exit itself.
  const override = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({ outputError: oneLine });
      override(sub);
    }
  };
  override(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander but successes to the user.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    console.error(errorText(err, argv));
    return exitCodeOf(err);
  } finally {
    await closeCliApi();
  }
}
