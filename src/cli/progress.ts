/**
 * The backfill progress display: one line that fits the terminal and is redrawn in place on a
 * TTY, or a plain line every few seconds (and on every change of state) when output is a file
 * or a pipe. Partitions (days x flows x symbols) and child workflows are counted apart; a
 * paused backfill says PAUSED instead of a rate and ETA that would only stand still.
 */
import type { BackfillProgress } from '../contracts';

/** `12s`, `3m04s`, `1h02m`. */
export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One progress line no wider than `columns`: the most important parts first (percentage and
 * counts), then running children, rate/ETA and phase while there is room; the bar takes what is left.
 */
export function formatProgress(p: BackfillProgress, columns = 80): string {
  const finished = p.done + p.skipped + p.failed;
  const ratio = p.total ? finished / p.total : 1;
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  const parts = [
    `${pct} ${finished}/${p.total} partitions`,
    `done ${p.done} skipped ${p.skipped} failed ${p.failed}`,
    `${p.runningChildren} child${p.runningChildren === 1 ? '' : 'ren'} running (${p.running} partitions)`,
    p.paused ? 'PAUSED' : `${p.partitionsPerSecond.toFixed(1)}/s ETA ${formatSeconds(p.etaSeconds)}`,
    p.phase,
  ];
  const width = Math.max(20, columns - 1);
  let text = parts[0];
  for (const part of parts.slice(1)) {
    if (text.length + 3 + part.length > width - 12) {
      // Paused must show even when nothing else fits.
      if (p.paused && part === 'PAUSED') text = `${text} | PAUSED`;
      continue;
    }
    text = `${text} | ${part}`;
  }
  const barWidth = Math.min(30, width - text.length - 3);
  if (barWidth < 5) return text.slice(0, width);
  const filled = Math.round(ratio * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${text}`;
}

/** Writes progress lines to a stream: in place on a TTY, otherwise every `plainEveryMs` or on a change of state. */
export class ProgressLine {
  private lastPlain = 0;
  private lastState = '';
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 5000,
  ) {}

  /** Shows a snapshot. */
  update(p: BackfillProgress): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${formatProgress(p, this.out.columns || 80)}`);
      this.drawn = true;
      return;
    }
    const state = `${p.paused}/${p.phase}`;
    if (Date.now() - this.lastPlain < this.plainEveryMs && state === this.lastState) return;
    this.lastPlain = Date.now();
    this.lastState = state;
    this.out.write(`${formatProgress(p, 120)}\n`);
  }

  /** Prints a message on its own line (keeping the progress line below it on a TTY). */
  note(line: string): void {
    this.out.write(this.drawn ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  /** Ends the in-place line. */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
