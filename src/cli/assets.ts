/**
 * `featureflow assets --symbol --from --to`: per asset and partition, what the ledger says:
 * materialized (code version, when, rows; for candles also missing minutes, duplicates and a
 * DEGRADED flag), stale (another code version than this build's), or missing. Contiguous
 * partitions in the same state and quality are shown as one line.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { IsoDate, MarketSymbol } from '../contracts';
import { evaluationCodeVersion } from '../activities/evaluate';
import { readLineage } from '../activities/backfill';
import { addDays, MINUTES_PER_DAY } from '../dates';
import { assetLines, classify, type PartitionState } from '../backfill/asset-states';
import { openMigratedDatabase } from '../db/connect';
import { listMaterializations } from '../db/ledger';
import { FLOW_GRAPH } from '../flows/registry';
import { describeQuality } from '../sources/quality';
import { cliConfig, parseOptions } from './context';

export type { PartitionState } from '../backfill/asset-states';

const AssetsOptions = z
  .object({ symbol: MarketSymbol, from: IsoDate, to: IsoDate, json: z.boolean().optional(), perPartition: z.boolean().optional() })
  .refine((o) => o.from <= o.to, { message: '--from must not be after --to', path: ['to'] });

const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Groups contiguous partitions of one asset with the same state and version into lines. */
export function formatStates(states: readonly PartitionState[], perPartition = false): string {
  const lines: string[] = [];
  let group: PartitionState[] = [];
  const flush = (): void => {
    if (!group.length) return;
    const first = group[0];
    const last = group[group.length - 1];
    const range = first.partition === last.partition ? first.partition : `${first.partition}..${last.partition} (${group.length} d)`;
    let detail = '';
    if (first.state !== 'missing') {
      const rows = group.reduce((n, s) => n + (s.rows ?? 0), 0);
      const times = group.map((s) => s.materializedAt ?? 0);
      const span = Math.min(...times) === Math.max(...times) ? when(times[0]) : `${when(Math.min(...times))} .. ${when(Math.max(...times))}`;
      const sum = (pick: (s: PartitionState) => number | undefined): number => group.reduce((n, s) => n + (pick(s) ?? 0), 0);
      detail = `${first.version}  ${describeQuality({ rows, missingMinutes: sum((s) => s.missingMinutes), duplicates: sum((s) => s.duplicates), conflictingDuplicates: sum((s) => s.conflictingDuplicates) })}`;
      if (first.quality === 'degraded') detail += '  DEGRADED';
      if (first.quality === 'empty') detail += '  EMPTY (re-ingested by the next backfill)';
      detail += `  at ${span} UTC`;
      if (first.state === 'stale') detail += `  (${first.reason ?? `current ${first.currentVersion}`})`;
    }
    lines.push(`${first.asset.padEnd(14)} ${range.padEnd(34)} ${first.state.padEnd(12)} ${detail}`.trimEnd());
    group = [];
  };
  for (const s of states) {
    const prev = group[group.length - 1];
    const sameGroup = prev && prev.asset === s.asset && prev.state === s.state && prev.version === s.version && prev.reason === s.reason && prev.quality === s.quality;
    if (perPartition || !sameGroup) flush();
    group.push(s);
  }
  flush();
  return lines.join('\n');
}

/** Registers the `assets` command. */
export function registerAssets(program: Command): void {
  program
    .command('assets')
    .description('per asset and partition: materialized (version, when, rows), stale (and why), missing, or retired')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .requiredOption('--from <YYYY-MM-DD>', 'first day (UTC)')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (UTC), inclusive')
    .option('--per-partition', 'one line per partition instead of contiguous groups')
    .option('--json', 'print every asset x partition as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(AssetsOptions, raw);
      const db = await openMigratedDatabase({ url: cliConfig().databaseUrl });
      try {
        // Look-back days before the range are what the first days read: their checksums decide staleness too.
        const readFrom = addDays(opts.from, -Math.max(0, ...FLOW_GRAPH.flows.map((f) => Math.ceil(f.lookbackMinutes / MINUTES_PER_DAY))));
        const rows = await listMaterializations(db.kysely, { symbol: opts.symbol, from: readFrom, to: opts.to });
        const lineage = await readLineage(db, opts.symbol, opts.from, opts.to, [...new Set(rows.map((r) => r.asset))]);
        const states = classify(rows, opts.from, opts.to, assetLines(FLOW_GRAPH, evaluationCodeVersion), lineage);
        if (opts.json) console.log(JSON.stringify(states, null, 2));
        else {
          console.log(`assets of ${opts.symbol} ${opts.from}..${opts.to} (${db.description})`);
          console.log(formatStates(states, opts.perPartition));
        }
      } finally {
        await db.close();
      }
    });
}
