/**
 * What a report shows, read from the featureflow database: close prices and a few B and C
 * features (downsampled so a long range stays a small file), D's daily rank IC per algorithm,
 * and the ledger rows naming the run that produced each partition.
 */
import { dayStartMs, DAY_MS, MINUTE_MS } from '../dates';
import { listMaterializations } from '../db/ledger';
import { readCandles, readColumns } from '../db/reads';
import type { Db, Materialization } from '../db/schema';

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
  const b = await readColumns(db, 'features_b', query.symbol, ['vol_60', 'volume_z_60'], fromMs, toMs);
  const c = await readColumns(db, 'features_c', query.symbol, ['ewma_vol_30', 'rsi_14'], fromMs, toMs);
  const bs = downsample(b.ts, [b.values.vol_60, b.values.volume_z_60], step);
  const cs = downsample(c.ts, [c.values.ewma_vol_30, c.values.rsi_14], step);
  const x = price.x;

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
  const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];
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
      {
        id: 'volatility',
        title: 'Volatility: B vol_60 (rolling stdev of 1-min log returns) vs C ewma_vol_30',
        series: [{ label: 'B vol_60', color: '#2563eb' }, { label: 'C ewma_vol_30', color: '#dc2626' }],
        x,
        ys: [alignTo(x, bs.x, bs.ys[0]), alignTo(x, cs.x, cs.ys[0])],
        stepMinutes: step,
      },
      { id: 'rsi', title: 'C rsi_14', series: [{ label: 'C rsi_14', color: '#9333ea' }], x, ys: [alignTo(x, cs.x, cs.ys[1])], stepMinutes: step },
      { id: 'volume', title: 'B volume_z_60 (volume z-score, 60 min)', series: [{ label: 'B volume_z_60', color: '#16a34a' }], x, ys: [alignTo(x, bs.x, bs.ys[1])], stepMinutes: step },
      evaluationChart,
    ],
    featureScores,
    runs: await listMaterializations(db.kysely, query),
  };
}
