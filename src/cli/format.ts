/**
 * Human-readable renderings shared by the CLI commands and `npm start`. Imports types only
 * (and the tiny quality formatter): commands load it at start, and `--help` must not pay for
 * the Temporal SDK.
 */
import { InvalidArgumentError } from 'commander';
import { isEvaluationRef, isPartitionRef, type EvaluationRef, type PartitionRef, type PipelineResult } from '../contracts';
import type { Materialization } from '../db/schema';
import type { RunNode } from '../temporal/run-tree';
import { describeQuality } from '../sources/quality';

/** `1.23 s` / `456 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Milliseconds between two instants; up to now while the second is unknown. */
function spanMs(start?: Date, end?: Date): number | undefined {
  return start ? (end ?? new Date()).getTime() - start.getTime() : undefined;
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

/** One line of a workflow node. */
function nodeLine(node: RunNode, indent: string): string {
  return (
    `${indent}${node.workflowType} ${node.workflowId}  [${STATE_MARK[node.state] ?? node.state}]  ${formatMs(spanMs(node.startedAt, node.closedAt))}` +
    (node.failure ? `  — ${node.failure}` : '')
  );
}

/** Children beyond this many are summarised by flow and state (unless every child is asked for). */
export const SUMMARY_THRESHOLD = 20;

/** Children counted by flow (first segment of their ID) and state, failed ones listed. */
function childSummary(node: RunNode, indent: string): string[] {
  const groups = new Map<string, Map<string, number>>();
  for (const c of node.children) {
    const flow = c.workflowId.split('/')[0];
    const byState = groups.get(flow) ?? new Map<string, number>();
    byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
    groups.set(flow, byState);
  }
  const lines = [`${indent}  ${node.children.length} child workflows (--all lists each):`];
  for (const [flow, byState] of groups) {
    lines.push(`${indent}    ${flow.padEnd(12)} ${[...byState].map(([state, n]) => `${STATE_MARK[state] ?? state} ${n}`).join(', ')}`);
  }
  for (const c of node.children.filter((c) => c.state === 'failed' || c.state === 'timed-out').slice(0, 10)) lines.push(nodeLine(c, `${indent}    `));
  return lines;
}

/** The run tree, one line per workflow and activity, indented by depth; big fan-outs summarised unless `all`. */
export function formatRunTree(node: RunNode, options: { all?: boolean } = {}, indent = ''): string {
  const lines = [nodeLine(node, indent)];
  for (const a of node.activities) {
    lines.push(
      `${indent}  · activity ${a.activityType}  [${STATE_MARK[a.state] ?? a.state}]  ${formatMs(spanMs(a.startedAt ?? a.scheduledAt, a.closedAt))}` +
        `  attempts ${a.attempts}${a.failure ? `  — ${a.failure}` : ''}`,
    );
  }
  if (!options.all && node.children.length > SUMMARY_THRESHOLD) lines.push(...childSummary(node, indent));
  else for (const child of node.children) lines.push(formatRunTree(child, options, `${indent}  `));
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

/** Parses a whole-number option for commander, so `--concurrency abc` says so (not "received nan"). */
export function wholeNumber(value: string): number {
  // commander turns this into "option '--x <n>' argument 'abc' is invalid. expected a whole number".
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Collects a repeatable option's values. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
