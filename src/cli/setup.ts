/**
 * `featureflow setup`: prepares a production cluster and database — creates the namespace on a
 * self-hosted cluster when it is missing, registers featureflow's
 * custom search attributes (Flow, Symbol, Partition, CodeVersion, Source) on the namespace and
 * migrates the database (including the log store). Idempotent; the dev server needs neither.
 */
import type { Command } from 'commander';
import { cliApi } from './context';

/** Registers the `setup` command. */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('create the Temporal namespace if missing (self-hosted), register the custom search attributes and migrate the database (idempotent)')
    .action(async () => {
      const api = await cliApi();
      const { createdNamespace, addedSearchAttributes, database } = await api.setup();
      const ns = api.config.temporal.namespace;
      if (createdNamespace) console.log(`namespace created: ${ns}`);
      console.log(addedSearchAttributes.length ? `search attributes registered on ${ns}: ${addedSearchAttributes.join(', ')}` : `search attributes already present on ${ns}`);
      console.log(`database migrated: ${database}`);
    });
}
