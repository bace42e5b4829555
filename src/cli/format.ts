/** Human-readable renderings shared by the CLI commands and `npm start`. */
import { isEvaluationRef, isPartitionRef, type EvaluationRef, type PartitionRef, type PipelineResult } from '../contracts';
import type { Materialization } from '../db/schema';
import { describeQuality } from '../sources/quality';
import { durationMs, type RunNode } from '../run-tree';

/** `1.23 s` / `456 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

const fixed = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** One line per flow of a pipeline result (in the order the graph ran them), D's headline numbers, durations. */
export function formatPipelineSummary(r: PipelineResult): string {
  const lines = [`pipeline ${r.symbol} ${r.date}: completed in ${formatMs(r.timings.totalMs)}`];
  let synthetic = false;
  let evaluation: EvaluationRef | undefined;
  for (const node of r.graph.flows) {
    const ref = r.refs[node.id];
    if (!ref) continue;
    const took = formatMs(r.timings.flows[node.id]);
    const name = node.id.padEnd(13);
    if (isPartitionRef(ref)) {
      lines.push(`  ${name} ${String(ref.rows).padStart(6)} candles   (${ref.source})  ${took}`, ...qualityLines(ref.quality));
      synthetic ||= ref.source === 'synthetic';
    } else if (isEvaluationRef(ref)) {
      evaluation = ref;
      lines.push(`  ${name} ${String(ref.rows).padStart(6)} scores    (${ref.horizonMinutes}-min forward returns)  ${took}`);
    } else lines.push(`  ${name} ${String(ref.rows).padStart(6)} rows      (${ref.version})  ${took}`);
  }
  for (const s of evaluation?.scores ?? []) {
    lines.push(`      ${s.algorithm}: best ${s.bestFeature} rank IC ${fixed(s.bestRankIc)}, mean |rank IC| ${fixed(s.meanAbsRankIc)}`);
  }
  if (evaluation) lines.push(`      winner: features-${evaluation.winner} (of ${evaluation.scores.length})`);
  if (synthetic) lines[0] += '  [SYNTHETIC DATA: generated, not a market]';
  return lines.join('\n');
}

/** What the run summary says about the candles' quality: nothing when they are complete. */
function qualityLines(q: PartitionRef['quality']): string[] {
  if (!q || (!q.missingMinutes && !q.duplicates && !q.degradedDays.length)) return [];
  const parts = [`${q.missingMinutes} missing minutes`];
  if (q.duplicates) parts.push(`${q.duplicates} duplicates dropped${q.conflictingDuplicates ? ` (${q.conflictingDuplicates} conflicting)` : ''}`);
  const flag = q.degradedDays.length ? `  DEGRADED: ${q.degradedDays.join(', ')} (see docs/data-quality.md)` : '';
  return [`                 data quality: ${parts.join(', ')}${flag}`];
}

const STATE_MARK: Record<string, string> = {
  completed: 'ok',
  failed: 'FAILED',
  running: 'running',
  scheduled: 'scheduled',
  cancelled: 'cancelled',
  terminated: 'terminated',
  'timed-out': 'TIMED OUT',
  continued: 'continued-as-new',
};

/** The run tree, one line per workflow and activity, indented by depth. */
export function formatRunTree(node: RunNode, indent = ''): string {
  const lines = [
    `${indent}${node.workflowType} ${node.workflowId}  [${STATE_MARK[node.state] ?? node.state}]  ${formatMs(durationMs(node.startedAt, node.closedAt))}` +
      (node.failure ? `  — ${node.failure}` : ''),
  ];
  for (const a of node.activities) {
    lines.push(
      `${indent}  · activity ${a.activityType}  [${STATE_MARK[a.state] ?? a.state}]  ${formatMs(durationMs(a.startedAt ?? a.scheduledAt, a.closedAt))}` +
        `  attempts ${a.attempts}${a.failure ? `  — ${a.failure}` : ''}`,
    );
  }
  for (const child of node.children) lines.push(formatRunTree(child, `${indent}  `));
  return lines.join('\n');
}

/**
 * The data quality of candles partitions, one line each, e.g.
 * `candles BTC-USD 2017-11-05  degraded  csv  1196 rows, 244 missing  DEGRADED`.
 */
export function formatCandleQuality(rows: readonly Materialization[]): string {
  return rows
    .filter((r) => r.asset === 'candles')
    .map((r) => {
      const what = describeQuality({ rows: Number(r.rows), missingMinutes: r.missing_minutes, duplicates: r.duplicates, conflictingDuplicates: r.conflicting_duplicates });
      const flag = r.quality === 'degraded' ? '  DEGRADED' : r.quality === 'empty' ? '  EMPTY' : '';
      const synthetic = r.source === 'synthetic' ? '  (synthetic data)' : '';
      return `candles ${r.symbol} ${r.partition}  ${r.quality ?? 'unknown'}  ${r.source ?? r.code_version}  ${what}${flag}${synthetic}`;
    })
    .join('\n');
}
