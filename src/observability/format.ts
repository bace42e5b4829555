/** Human-readable log lines (terminal output of `npm start` and `featureflow logs`), optionally coloured. */
import type { Level, LogRecord } from './log-record';

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', cyan: '\x1b[36m', magenta: '\x1b[35m', gray: '\x1b[90m' };

const LEVEL_COLOR: Record<Level, string> = { trace: ANSI.gray, debug: ANSI.gray, info: ANSI.green, warn: ANSI.yellow, error: ANSI.red };

/** `12:00:01.123` in UTC. */
function clock(ts: number): string {
  return new Date(ts).toISOString().slice(11, 23);
}

/** Compact `key=value` rendering of extra attributes (strings unquoted when simple). */
function renderAttrs(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .filter(([k]) => k !== 'sdkComponent')
    .map(([k, v]) => `${k}=${typeof v === 'string' && /^[\w.:/@-]+$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** One line: time, level, the workflow (and activity with its attempt), the message and the other attributes. */
export function formatLogLine(r: LogRecord, options: { color: boolean }): string {
  const c = (code: string, text: string) => (options.color ? `${code}${text}${ANSI.reset}` : text);
  const where = r.workflowId ? c(ANSI.cyan, r.workflowId) + (r.activityType ? c(ANSI.magenta, ` › ${r.activityType}#${r.attempt ?? 1}`) : '') : c(ANSI.dim, r.worker);
  const extra = renderAttrs(r.attrs);
  return `${c(ANSI.dim, clock(r.ts))} ${c(LEVEL_COLOR[r.level], r.level.toUpperCase().padEnd(5))} ${where}  ${r.message}${extra ? `  ${c(ANSI.dim, extra)}` : ''}`;
}
