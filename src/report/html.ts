/**
 * Renders a report as ONE self-contained HTML file: the uPlot chart library (npm `uplot`) and
 * its stylesheet are inlined, the data travels as JSON inside the page, and nothing is fetched,
 * so the file opens offline, from a mail attachment or an artifact store.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Materialization } from '../db/schema';
import { describeQuality } from '../sources/quality';
import type { ReportData } from './data';

/** A candles partition's quality for the runs table, e.g. `degraded: 244 missing`; empty for other assets. */
function qualityCell(r: Materialization): string {
  if (r.asset !== 'candles' || r.quality === null) return '';
  const detail = describeQuality({ rows: Number(r.rows), missingMinutes: r.missing_minutes, duplicates: r.duplicates, conflictingDuplicates: r.conflicting_duplicates });
  return `${r.quality}, ${r.source ?? r.code_version}: ${detail}`;
}

/** Where uPlot's prebuilt browser files are. */
function uplotDist(): string {
  return path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
}

/** Text safe inside HTML. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON safe inside a <script> element (no `</script>` or `<!--` can close it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const fmt = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

/** Draws every chart from the embedded JSON; exposes the uPlot instances for checks (window.featureflowReport). */
const CLIENT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  data.charts.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    var width = Math.max(320, Math.min(1100, el.clientWidth || 1100));
    var opts = {
      title: c.title, width: width, height: c.id === 'evaluation' ? 220 : 260,
      series: [{}].concat(c.series.map(function (s) {
        return { label: s.label, stroke: s.color, width: 1.5, spanGaps: false, points: { show: c.x.length < 60 } };
      })),
      // Axis ticks with enough significant digits for small values (volatility ~0.001).
      axes: [{}, { size: 70, values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : String(+v.toPrecision(4)); }); } }],
      scales: { x: { time: true } },
    };
    var u = new uPlot(opts, [c.x].concat(c.ys), el);
    charts.push({ id: c.id, points: c.x.length, series: c.ys.length, plot: u });
  });
  window.featureflowReport = { ready: true, charts: charts };
})();
`;

/** A run's workflow ID, linked to its Web UI page when there is a UI. */
function runLink(url: string | undefined, workflowId: string): string {
  return url ? `<a href="${escapeHtml(url)}">${escapeHtml(workflowId)}</a>` : escapeHtml(workflowId);
}

/** The HTML document of a report. `uiLink(workflowId, runId)` gives a run's Web UI address. */
export function renderReportHtml(data: ReportData, options: { uiLink: (workflowId: string, runId: string) => string | undefined; generatedAt: Date }): string {
  const dist = uplotDist();
  const uplotJs = fs.readFileSync(path.join(dist, 'uPlot.iife.min.js'), 'utf8');
  const uplotCss = fs.readFileSync(path.join(dist, 'uPlot.min.css'), 'utf8');
  const { symbol, from, to } = data.query;
  const title = `featureflow report — ${symbol} ${from === to ? from : `${from} .. ${to}`}`;
  const step = data.charts[0]?.stepMinutes ?? 1;

  const scoreRows = data.featureScores
    .sort((a, b) => a.algorithm.localeCompare(b.algorithm) || Math.abs(b.meanRankIc ?? 0) - Math.abs(a.meanRankIc ?? 0))
    .map((s) => `<tr><td>features-${escapeHtml(s.algorithm)}</td><td>${escapeHtml(s.feature)}</td><td class="num">${fmt(s.meanRankIc)}</td><td class="num">${s.days}</td></tr>`)
    .join('\n');
  const runRows = data.runs
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.asset)}</td><td>${escapeHtml(r.partition)}</td><td>${runLink(options.uiLink(r.workflow_id, r.run_id), r.workflow_id)}</td>` +
        `<td>${escapeHtml(r.code_version)}</td><td class="num">${r.rows}</td><td${r.quality === 'degraded' || r.quality === 'empty' ? ' class="warn"' : ''}>${escapeHtml(qualityCell(r))}</td>` +
        `<td>${new Date(Number(r.materialized_at)).toISOString().replace('T', ' ').slice(0, 19)}</td></tr>`,
    )
    .join('\n');
  const charts = data.charts.map((c) => `<section class="chart" id="chart-${c.id}"></section>`).join('\n');
  const candleRuns = data.runs.filter((r) => r.asset === 'candles');
  const sources = [...new Set(candleRuns.map((r) => r.source ?? r.code_version))];
  const synthetic = sources.includes('synthetic')
    ? `<p class="warn"><strong>Synthetic data</strong>: ${sources.length === 1 ? 'these candles were generated' : 'some of these candles were generated'} by featureflow's offline source, not traded on a market.</p>`
    : '';
  const degraded = candleRuns.filter((r) => r.quality === 'degraded' || r.quality === 'empty');
  const quality = degraded.length
    ? `<p class="warn">${degraded.length} day${degraded.length === 1 ? ' has' : 's have'} degraded data quality (${degraded.map((r) => escapeHtml(r.partition)).join(', ')}): see the runs table and docs/data-quality.md.</p>`
    : '';
  const empty = data.candleCount === 0 ? `<p class="warn">No candles stored for ${escapeHtml(symbol)} in this range: run the pipeline or a backfill first.</p>` : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplotCss}</style>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1140px; color: #0f172a; padding: 0 12px; }
  h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin-top: 28px; }
  .meta { color: #475569; font-size: 13px; } .warn { color: #b45309; }
  .chart { margin: 12px 0 20px; }
  table { border-collapse: collapse; font-size: 13px; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e2e8f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${data.candleCount} one-minute candles${sources.length ? ` from ${escapeHtml(sources.join(', '))}` : ''}; charts show the last value of each ${step}-minute bucket. Generated ${options.generatedAt.toISOString()}.</p>
${synthetic}
${quality}
${empty}
${charts}
<h2>D: mean rank IC per feature over the range</h2>
<table><thead><tr><th>algorithm</th><th>feature</th><th>mean rank IC</th><th>days</th></tr></thead><tbody>
${scoreRows || '<tr><td colspan="4">no evaluations in this range</td></tr>'}
</tbody></table>
<h2>Runs that produced each partition</h2>
<table><thead><tr><th>asset</th><th>partition</th><th>workflow (Web UI)</th><th>code version</th><th>rows</th><th>data quality</th><th>materialized (UTC)</th></tr></thead><tbody>
${runRows || '<tr><td colspan="7">no materializations in this range</td></tr>'}
</tbody></table>
<script type="application/json" id="report-data">${scriptJson({ charts: data.charts })}</script>
<script>${uplotJs}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
