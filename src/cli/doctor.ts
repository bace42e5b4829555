/**
 * `featureflow doctor --symbol --from --to [--fix]`: checks that every feature and evaluation
 * partition was computed from what the ledger holds now (its lineage), and finds partitions
 * written before lineage existed that were computed without their inputs (e.g. a look-back day
 * missing after a failed chunk). `--fix` records lineage for those, so `assets` shows them stale
 * and the next backfill recomputes exactly them. Exits 1 when it found something to repair.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { IsoDate, MarketSymbol } from '../contracts';
import { readLineage } from '../activities/backfill';
import { examine, type ExpectedInputs } from '../backfill/doctor';
import { addDays, MINUTES_PER_DAY } from '../core/dates';
import { openMigratedDatabase } from '../db/connect';
import { evaluationAsset, firstPartition, listMaterializations, recordLineage } from '../db/ledger';
import { FLOW_GRAPH } from '../flows/registry';
import { cliConfig, CliError, ExitCode, parseOptions } from './context';

const DoctorOptions = z
  .object({ symbol: MarketSymbol, from: IsoDate, to: IsoDate, fix: z.boolean().optional(), json: z.boolean().optional() })
  .refine((o) => o.from <= o.to, { message: '--from must not be after --to', path: ['to'] });

/** What each feature flow's and evaluation's partitions read, from the registry. */
export function expectedInputs(): ExpectedInputs[] {
  const out: ExpectedInputs[] = [];
  for (const flow of FLOW_GRAPH.flows) {
    if (flow.kind !== 'features' || !flow.algorithm) continue;
    const upstream = flow.upstream.map((u) => FLOW_GRAPH.get(u)?.asset ?? u);
    out.push({ asset: flow.asset, inputs: upstream, lookbackDays: Math.ceil(flow.lookbackMinutes / MINUTES_PER_DAY) });
    out.push({ asset: evaluationAsset(flow.algorithm.id), inputs: ['candles', flow.asset], lookbackDays: 0 });
  }
  return out;
}

/** Registers the `doctor` command. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('find feature/evaluation partitions computed from other inputs than the ledger holds (e.g. without their look-back); --fix marks them stale')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .requiredOption('--from <YYYY-MM-DD>', 'first day (UTC)')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (UTC), inclusive')
    .option('--fix', 'record lineage for partitions written before it existed, so suspect ones are stale and the next backfill redoes them')
    .option('--json', 'print every finding as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(DoctorOptions, raw);
      const db = await openMigratedDatabase({ url: cliConfig().databaseUrl });
      try {
        const expected = expectedInputs();
        const lookback = Math.max(0, ...expected.map((e) => e.lookbackDays));
        const rows = await listMaterializations(db.kysely, { symbol: opts.symbol, from: addDays(opts.from, -lookback), to: opts.to });
        const lineage = await readLineage(db, opts.symbol, opts.from, opts.to, expected.map((e) => e.asset));
        const findings = examine(rows, lineage, expected, await firstPartition(db.kysely, 'candles', opts.symbol), opts.from);
        const bad = findings.filter((f) => f.verdict === 'stale' || f.verdict === 'legacy-suspect');
        if (opts.fix) {
          const toRecord = findings.filter((f) => f.record);
          await db.kysely.transaction().execute(async (trx) => {
            for (const f of toRecord) await recordLineage(trx, f.asset, opts.symbol, f.partition, f.record ?? []);
          });
        }
        if (opts.json) console.log(JSON.stringify(findings, null, 2));
        else {
          const count = (v: string): number => findings.filter((f) => f.verdict === v).length;
          console.log(`doctor ${opts.symbol} ${opts.from}..${opts.to} (${db.description}): ${findings.length} partitions checked`);
          console.log(`  consistent ${count('ok')}, stale by lineage ${count('stale')}, without lineage: consistent ${count('legacy-ok')}, suspect ${count('legacy-suspect')}`);
          for (const f of bad.slice(0, 30)) console.log(`  ${f.verdict.padEnd(15)} ${f.asset} ${f.partition}: ${f.detail ?? ''}`);
          if (bad.length > 30) console.log(`  ... and ${bad.length - 30} more (--json lists all)`);
          if (opts.fix) console.log(`  recorded lineage for ${findings.filter((f) => f.record).length} partitions; suspect ones are now stale: run the backfill again to redo them`);
          else if (findings.some((f) => f.record)) console.log('  run again with --fix to record lineage (suspect partitions become stale, the next backfill redoes them)');
        }
        if (bad.length && !opts.fix) throw new CliError(`${bad.length} partitions need repair`, ExitCode.failed);
      } finally {
        await db.close();
      }
    });
}
