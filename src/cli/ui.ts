/** `featureflow ui <workflowId>`: prints the Web UI address of a run (its latest run), to open or paste. */
import type { Command } from 'commander';
import { cliApi } from './context';

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
        console.log(api.webUiUrl(workflowId));
        return;
      }
      const tree = await api.status(workflowId);
      console.log(api.webUiUrl(tree.workflowId, tree.runId));
    });
}
