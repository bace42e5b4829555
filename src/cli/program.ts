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
import { registerBackfill } from './backfill';
import { registerCompletion } from './completion';
import { closeCliApi, errorText, ExitCode, exitCodeOf } from './context';
import { registerLogs } from './logs';
import { registerReport } from './report';
import { registerResult } from './result';
import { registerRun } from './run';
import { registerRuns } from './runs';
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

/** Applies the one-line usage errors and exitOverride to every subcommand of `cmd`. */
function overrideAll(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.exitOverride().configureOutput({ outputError: oneLine });
    overrideAll(sub);
  }
}

/**
 * Registers a command whose module is heavy to load (it imports the SDK, the database or the
 * activities at its top): a stand-in with its name and description, which loads the module only
 * when the command runs and hands it the rest of the command line (help included).
 */
function lazyCommand(program: Command, argv: readonly string[], name: string, description: string, register: () => Promise<(p: Command) => void>): void {
  program
    .command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .argument('[args...]')
    .action(async () => {
      const real = new Command('featureflow').exitOverride().configureOutput({ outputError: oneLine }).option('--verbose');
      (await register())(real);
      overrideAll(real);
      await real.parseAsync(['node', 'featureflow', ...argv.slice(argv.indexOf(name))]);
    });
}

/** Builds the program with every command registered (`argv` is what the lazily loaded commands re-parse). */
export function buildProgram(argv: readonly string[] = process.argv): Command {
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
  lazyCommand(program, argv, 'schedule', 'the daily pipeline schedule (weekdays 09:30 America/New_York, one per symbol): create|list|describe|pause|resume|trigger|delete|backfill', async () => (await import('./schedule')).registerSchedule);
  registerBackfill(program);
  registerAssets(program);
  registerFlows(program);
  lazyCommand(program, argv, 'doctor', 'find feature/evaluation partitions computed from other inputs than the ledger holds; --fix marks them stale', async () => (await import('./doctor')).registerDoctor);
  registerCompletion(program);
  // Every subcommand stops on bad usage too, instead of calling process.exit itself.
  overrideAll(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram(argv);
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
