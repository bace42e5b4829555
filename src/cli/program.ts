/**
 * The `featureflow` command line: one file per command, registered here. Usage errors exit 2
 * with a message saying what to change.
 */
import { Command, CommanderError } from 'commander';
import { registerAssets } from './assets';
import { registerFlows } from './flows';
import { registerDoctor } from './doctor';
import { registerBackfill } from './backfill';
import { closeCliClient, CliError, ExitCode } from './context';
import { registerLogs } from './logs';
import { registerReport } from './report';
import { registerResult } from './result';
import { registerRun } from './run';
import { registerSchedule } from './schedule';
import { registerSetup } from './setup';
import { registerStatus } from './status';
import { registerUi } from './ui';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('featureflow')
    .description('Temporal-native feature pipeline for crypto market data')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerResult(program);
  registerStatus(program);
  registerLogs(program);
  registerUi(program);
  registerReport(program);
  registerSetup(program);
  registerSchedule(program);
  registerBackfill(program);
  registerAssets(program);
  registerFlows(program);
  registerDoctor(program);
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
    if (err instanceof CliError) {
      console.error(`featureflow: ${err.message}`);
      return err.code;
    }
    console.error(`featureflow: ${(err as Error).stack ?? String(err)}`);
    return ExitCode.failed;
  } finally {
    await closeCliClient();
  }
}
