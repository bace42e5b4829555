/** `featureflow report` and `npm start`: read a symbol's range from the database and write one HTML file. */
import fs from 'node:fs';
import path from 'node:path';
import { workflowUiUrl, type Config } from '../config';
import type { Db } from '../db/schema';
import { loadReportData, type ReportQuery } from './data';
import { renderReportHtml } from './html';

export type { ReportQuery } from './data';

/** The default file of a report: `<dataDir>/reports/<symbol>_<from>_<to>.html`. */
export function defaultReportPath(config: Pick<Config, 'dataDir'>, q: ReportQuery): string {
  return path.join(config.dataDir, 'reports', `${q.symbol}_${q.from}_${q.to}.html`);
}

/** Writes the report of `query` to `out` (or the default path); returns the path and what it holds. */
export async function writeReport(
  db: Db,
  config: Pick<Config, 'dataDir' | 'uiUrl' | 'temporal'>,
  query: ReportQuery,
  out?: string,
): Promise<{ path: string; candles: number; runs: number; bytes: number }> {
  const data = await loadReportData(db, query);
  const html = renderReportHtml(data, { uiLink: (workflowId, runId) => workflowUiUrl(config, workflowId, runId), generatedAt: new Date() });
  const file = path.resolve(out ?? defaultReportPath(config, query));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, html);
  return { path: file, candles: data.candleCount, runs: data.runs.length, bytes: Buffer.byteLength(html) };
}
