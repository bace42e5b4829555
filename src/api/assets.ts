/** Assets and their partitions through the client library: materialized (version, when, rows), stale (and why), missing, or retired. */
import type { PartitionState } from '../backfill/asset-states';
import { addDays, MINUTES_PER_DAY } from '../core/dates';
import type { Materialization } from '../db/schema';
import { FLOW_GRAPH } from '../flows/registry';
import type { ClientContext } from './context';
import { AssetsRequest } from './requests';
import { databaseError, usageFromZod } from './translate';

export type { PartitionState } from '../backfill/asset-states';

/** Every asset x day of the request, from the materialization ledger and lineage (read-only). */
export async function assetStates(ctx: ClientContext, raw: AssetsRequest): Promise<PartitionState[]> {
  const parsed = AssetsRequest.safeParse(raw);
  if (!parsed.success) throw usageFromZod(parsed.error, 'assets request');
  const q = parsed.data;
  const db = await ctx.readDb();
  // Loaded on use: the ledger, lineage and version tables pull in the storage and activity code.
  const [{ listMaterializations }, { readLineage }, { evaluationCodeVersion }, { assetLines, classify }] = await Promise.all([
    import('../db/ledger'),
    import('../activities/backfill'),
    import('../activities/evaluate'),
    import('../backfill/asset-states'),
  ]);
  try {
    // Look-back days before the range are what the first days read: their checksums decide staleness too.
    const readFrom = addDays(q.from, -Math.max(0, ...FLOW_GRAPH.flows.map((f) => Math.ceil(f.lookbackMinutes / MINUTES_PER_DAY))));
    const rows: Materialization[] = await listMaterializations(db.kysely, { symbol: q.symbol, from: readFrom, to: q.to });
    const lineage = await readLineage(db, q.symbol, q.from, q.to, [...new Set(rows.map((r) => r.asset))]);
    return classify(rows, q.from, q.to, assetLines(FLOW_GRAPH, evaluationCodeVersion), lineage);
  } catch (err) {
    throw databaseError(err, db.description);
  }
}
