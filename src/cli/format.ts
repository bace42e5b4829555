/** Human-readable renderings shared by the CLI commands and `npm start`. */
import { isEvaluationRef, isPartitionRef, type EvaluationRef, type PipelineResult } from '../contracts';
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
  let evaluation: EvaluationRef | undefined;
  for (const node of r.graph.flows) {
    const ref = r.refs[node.id];
    if (!ref) continue;
    const took = formatMs(r.timings.flows[node.id]);
    const name = node.id.padEnd(13);
    if (isPartitionRef(ref)) lines.push(`  ${name} ${String(ref.rows).padStart(6)} candles   (${ref.source})  ${took}`);
    else if (isEvaluationRef(ref)) {
      evaluation = ref;
      lines.push(`  ${name} ${String(ref.rows).padStart(6)} scores    (${ref.horizonMinutes}-min forward returns)  ${took}`);
    } else lines.push(`  ${name} ${String(ref.rows).padStart(6)} rows      (${ref.version})  ${took}`);
  }
  for (const s of evaluation?.scores ?? []) {
    lines.push(`      ${s.algorithm}: best ${s.bestFeature} rank IC ${fixed(s.bestRankIc)}, mean |rank IC| ${fixed(s.meanAbsRankIc)}`);
  }
  if (evaluation) lines.push(`      winner: features-${evaluation.winner} (of ${evaluation.scores.length})`);
  return lines.join('\n');
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
