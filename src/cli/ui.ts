/** `featureflow ui <workflowId>`: prints the Web UI address of a run (its latest run), to open or paste. */
import type { Command } from 'commander';
import { UsageError } from '../api/errors';
import { cliApi } from './context';

/** The address, or a usage error saying how to configure a UI. */
function requireUi(url: string | undefined): string {
  if (!url) throw new UsageError('no Web UI is configured for this cluster: set FEATUREFLOW_UI_URL to its address (e.g. http://127.0.0.1:8433)');
  return url;
}

/** Registers the `ui` command. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('print the Temporal Web UI address of a run (base address from FEATUREFLOW_UI_URL)')
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .option('--offline', 'do not look the run up; print the address of its latest run')
    .action(async (workflowId: string, opts: { offline?: boolean }) => {
      const api = await cliApi();
      if (opts.offline) {
        console.log(requireUi(api.webUiUrl(workflowId)));
        return;
      }
      const tree = await api.status(workflowId);
      console.log(requireUi(api.webUiUrl(tree.workflowId, tree.runId)));
    });
}
