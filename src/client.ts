/**
 * The `featureflow` command-line client (also `npm run cli -- <command>`): run, result, status, ...
 * See `src/cli/` for one file per command.
 */
import { runCli } from './cli/program';

if (require.main === module) {
  runCli(process.argv).then((code) => process.exit(code));
}
