/** Human-readable renderings shared by the CLI commands and `npm start`. */
import type { PipelineResult } from '../contracts';
import { durationMs, type RunNode } from '../run-tree';

/** `1.23 s` / `456 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

const fixed = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** A pipeline result as a short block: rows per flow, D's headline numbers, durations. */
export function formatPipelineSummary(r: PipelineResult): string {
  const lines = [
    `pipeline ${r.symbol} ${r.date}: completed in ${formatMs(r.timings.totalMs)}`,
    `  A ingest      ${String(r.ingest.rows).padStart(6)} candles   (${r.ingest.source})          ${formatMs(r.timings.ingestMs)}`,
    `  B features-b  ${String(r.featuresB.rows).padStart(6)} rows      (${r.featuresB.version})          ${formatMs(r.timings.featuresBMs)}`,
    `  C features-c  ${String(r.featuresC.rows).padStart(6)} rows      (${r.featuresC.version})          ${formatMs(r.timings.featuresCMs)}`,
    `  D evaluate    ${String(r.evaluation.rows).padStart(6)} scores    (${r.evaluation.horizonMinutes}-min forward returns)  ${formatMs(r.timings.evaluateMs)}`,
  ];
  for (const s of r.evaluation.scores) {
    lines.push(`      ${s.algorithm}: best ${s.bestFeature} rank IC ${fixed(s.bestRankIc)}, mean |rank IC| ${fixed(s.meanAbsRankIc)}`);
  }
  lines.push(`      winner: features-${r.evaluation.winner}`);
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
