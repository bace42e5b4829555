/**
 * `featureflow assets --symbol --from --to`: per asset and partition, what the ledger says:
 * materialized (code version, when, rows; for candles also missing minutes, duplicates and a
 * DEGRADED flag), stale (another code version than this build's), or missing. Contiguous
 * partitions in the same state and quality are shown as one line.
 */
import type { Command } from 'commander';
import type { PartitionState } from '../backfill/asset-states';
import { describeQuality } from '../sources/quality';

import { cliApi } from './context';

export type { PartitionState } from '../backfill/asset-states';

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
    .action(async (o: { symbol: string; from: string; to: string; json?: boolean; perPartition?: boolean }) => {
      const api = await cliApi();
      const states = await api.assets({ symbol: o.symbol, from: o.from, to: o.to });
      if (o.json) console.log(JSON.stringify(states, null, 2));
      else {
        console.log(`assets of ${o.symbol} ${o.from}..${o.to} (${api.databaseLocation})`);
        console.log(formatStates(states, o.perPartition));
      }
    });
}
