/**
 * `featureflow setup`: prepares a production cluster and database — registers featureflow's
 * custom search attributes (Flow, Symbol, Partition, CodeVersion, Source) on the namespace and
 * migrates the database (including the log store). Idempotent; the dev server needs neither.
 */
import type { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { ensureSearchAttributes } from '../setup';
import { SEARCH_ATTRIBUTES } from '../search-attributes';
import { cliClient, cliConfig, CliError, ExitCode } from './context';
import { openCliDb } from './logs';

/** Registers the `setup` command. */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('register the custom search attributes on the Temporal namespace and migrate the database (idempotent)')
    .action(async () => {
      const config = cliConfig();
      const client = await cliClient();
      let added: string[];
      try {
        added = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
      } catch (err) {
        throw new CliError(
          `Could not register search attributes on namespace ${config.temporal.namespace}: ${(err as Error).message}. ` +
            'Temporal Cloud registers them per namespace in its UI or with tcld; a self-hosted cluster needs operator permissions.',
          ExitCode.unavailable,
        );
      }
      console.log(
        added.length
          ? `search attributes registered on ${config.temporal.namespace}: ${added.join(', ')}`
          : `search attributes already present on ${config.temporal.namespace}: ${SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')}`,
      );
      const db = await openCliDb();
      console.log(`database migrated: ${db.description}`);
      await db.close();
    });
}
