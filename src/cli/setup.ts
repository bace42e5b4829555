/**
 * `featureflow setup`: prepares a production cluster and database — registers featureflow's
 * custom search attributes (Flow, Symbol, Partition, CodeVersion, Source) on the namespace and
 * migrates the database (including the log store). Idempotent; the dev server needs neither.
 */
import type { Command } from 'commander';
import { cliApi } from './context';

/** Registers the `setup` command. */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('register the custom search attributes on the Temporal namespace and migrate the database (idempotent)')
    .action(async () => {
      const api = await cliApi();
      const { addedSearchAttributes, database } = await api.setup();
      const ns = api.config.temporal.namespace;
      console.log(addedSearchAttributes.length ? `search attributes registered on ${ns}: ${addedSearchAttributes.join(', ')}` : `search attributes already present on ${ns}`);
      console.log(`database migrated: ${database}`);
    });
}
