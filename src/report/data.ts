/**
 * What a report shows, read from the featureflow database: close prices, one chart per feature
 * flow of the registry with data in the range (its columns, downsampled so a long range stays a
 * small file), D's daily rank IC per flow, and the ledger rows naming the run that produced
 * each partition.
 */
import { dayStartMs, DAY_MS, MINUTE_MS } from '../core/dates';
import { listMaterializations } from '../db/ledger';
import { readCandles, readColumns } from '../db/reads';
import type { Db, Materialization } from '../db/schema';
import { FLOW_GRAPH } from '../flows/registry';
import type { FlowDefinition } from '../flows/types';

/** The range a report covers. */
export interface ReportQuery {
  readonly symbol: string;
  /** First day, YYYY-MM-DD (inclusive). */
  readonly from: string;
  /** Last day, YYYY-MM-DD (inclusive). */
  readonly to: string;
}

/** One chart's columns: x in epoch seconds, then one array per series (null = no value). */
export interface ChartData {
  readonly id: string;
  readonly title: string;
  readonly series: ReadonlyArray<{ readonly label: string; readonly color: string }>;
  readonly x: number[];
  readonly ys: Array<Array<number | null>>;
  /** Bucket width in minutes the series were downsampled to. */
  readonly stepMinutes: number;
}

/** Everything a report renders. */
export interface ReportData {
  readonly query: ReportQuery;
  readonly charts: ChartData[];
  /** Mean rank IC over the range per algorithm and feature (D's headline table). */
  readonly featureScores: Array<{ algorithm: string; feature: string; meanRankIc: number | null; days: number }>;
  readonly runs: Materialization[];
  readonly candleCount: number;
}

/** Points kept per chart at most; buckets grow (1, 5, 15, 60 minutes...) to fit. */
const MAX_POINTS = 3000;
const STEPS = [1, 5, 15, 30, 60, 240, 1440];

/** The smallest bucket that keeps a range under {@link MAX_POINTS}. */
export function bucketMinutes(rangeMs: number): number {
  return STEPS.find((s) => rangeMs / (s * MINUTE_MS) <= MAX_POINTS) ?? STEPS[STEPS.length - 1];
}

/** Last value per bucket (a close is the last price of its interval); NaN becomes null. */
function downsample(ts: Float64Array, columns: Float64Array[], stepMinutes: number): { x: number[]; ys: Array<Array<number | null>> } {
  const step = stepMinutes * MINUTE_MS;
  const x: number[] = [];
  const ys: Array<Array<number | null>> = columns.map(() => []);
  for (let i = 0; i < ts.length; i++) {
    const bucket = Math.floor(ts[i] / step) * step;
    const last = i + 1 === ts.length || Math.floor(ts[i + 1] / step) * step !== bucket;
    if (!last) continue;
    x.push(bucket / 1000);
    columns.forEach((c, k) => ys[k].push(Number.isFinite(c[i]) ? c[i] : null));
  }
  return { x, ys };
}

/** Aligns a feature series to the chart's x (features share the candles' minutes, but may be missing). */
function alignTo(x: number[], fx: number[], fy: Array<number | null>): Array<number | null> {
  const at = new Map(fx.map((t, i) => [t, fy[i]]));
  return x.map((t) => at.get(t) ?? null);
}

/** Reads everything the report of `query` shows. */
export async function loadReportData(db: Db, query: ReportQuery): Promise<ReportData> {
  const fromMs = dayStartMs(query.from);
  const toMs = dayStartMs(query.to) + DAY_MS;
  const step = bucketMinutes(toMs - fromMs);
  const candles = await readCandles(db, query.symbol, fromMs, toMs);
  const price = downsample(candles.ts, [candles.close], step);
  const x = price.x;
  const featureCharts: ChartData[] = [];
  for (const flow of FLOW_GRAPH.flows.filter((f) => f.kind === 'features')) {
    const chart = await featureChart(db, flow, query.symbol, fromMs, toMs, step, x);
    if (chart) featureCharts.push(chart);
  }

  const evaluations = await db.kysely
    .selectFrom('evaluations')
    .select(['partition', 'algorithm', 'feature', 'rank_ic'])
    .where('symbol', '=', query.symbol)
    .where('partition', '>=', query.from)
    .where('partition', '<=', query.to)
    .orderBy('partition')
    .execute();
  const days = [...new Set(evaluations.map((e) => e.partition))];
  const algorithms = [...new Set(evaluations.map((e) => e.algorithm))].sort();
  const meanAbs = (rows: typeof evaluations): number | null => {
    const v = rows.map((r) => r.rank_ic).filter((r): r is number => r !== null && Number.isFinite(r));
    return v.length ? v.reduce((s, r) => s + Math.abs(r), 0) / v.length : null;
  };
  const palette = PALETTE;
  const evaluationChart: ChartData = {
    id: 'evaluation',
    title: "D: daily mean |rank IC| of each algorithm's features vs forward returns",
    series: algorithms.map((a, i) => ({ label: `features-${a}`, color: palette[i % palette.length] })),
    x: days.map((d) => dayStartMs(d) / 1000),
    ys: algorithms.map((a) => days.map((d) => meanAbs(evaluations.filter((e) => e.partition === d && e.algorithm === a)))),
    stepMinutes: 1440,
  };

  const featureKeys = [...new Set(evaluations.map((e) => `${e.algorithm}\u0000${e.feature}`))];
  const featureScores = featureKeys.map((key) => {
    const [algorithm, feature] = key.split('\u0000');
    const rows = evaluations.filter((e) => e.algorithm === algorithm && e.feature === feature && e.rank_ic !== null);
    const mean = rows.length ? rows.reduce((s, r) => s + (r.rank_ic ?? 0), 0) / rows.length : null;
    return { algorithm, feature, meanRankIc: mean, days: rows.length };
  });

  return {
    query,
    candleCount: candles.ts.length,
    charts: [
      { id: 'price', title: `${query.symbol} close`, series: [{ label: 'close', color: '#0f172a' }], x, ys: [price.ys[0]], stepMinutes: step },
      ...featureCharts,
      evaluationChart,
    ],
    featureScores,
    runs: await listMaterializations(db.kysely, query),
  };
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4d7c0f', '#be185d'];

/** Each value as a z-score over the series (so columns of different scales share one axis); null stays null. */
function standardize(values: ReadonlyArray<number | null>): Array<number | null> {
  const finite = values.filter((v): v is number => v !== null);
  if (finite.length < 2) return values.map(() => null);
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  const sd = Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1));
  return values.map((v) => (v === null || !(sd > 0) ? null : (v - mean) / sd));
}

/** One feature flow's chart: every column it declares, as z-scores over the range; undefined when it has no rows there. */
async function featureChart(db: Db, flow: FlowDefinition, symbol: string, fromMs: number, toMs: number, step: number, x: number[]): Promise<ChartData | undefined> {
  const read = await readColumns(db, flow.asset, symbol, flow.columns, fromMs, toMs);
  if (!read.ts.length) return undefined;
  const sampled = downsample(read.ts, flow.columns.map((c) => read.values[c]), step);
  return {
    id: flow.id,
    title: `${flow.id} (${flow.version}${flow.retired ? ', retired' : ''}): ${flow.columns.join(', ')} as z-scores over the range`,
    series: flow.columns.map((c, i) => ({ label: c, color: PALETTE[i % PALETTE.length] })),
    x,
    ys: sampled.ys.map((ys) => standardize(alignTo(x, sampled.x, ys))),
    stepMinutes: step,
  };
}
