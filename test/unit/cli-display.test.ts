/**
 * What the CLI draws: the backfill progress line (fits the terminal, counts partitions and
 * children apart, says PAUSED), its plain-line mode for pipes, and the run tree of a large
 * backfill summarised by flow and state unless every child is asked for.
 */
import type { BackfillProgress } from '../../src/contracts';
import { formatRunTree } from '../../src/cli/format';
import { formatProgress, ProgressLine } from '../../src/cli/progress';
import type { RunNode } from '../../src/temporal/run-tree';

const progress = (over: Partial<BackfillProgress> = {}): BackfillProgress => ({
  total: 14_600,
  done: 5_000,
  skipped: 120,
  failed: 3,
  running: 248,
  runningChildren: 4,
  paused: false,
  phase: 'features',
  partitionsPerSecond: 187.3,
  etaSeconds: 51,
  startedAt: 0,
  runs: 2,
  ...over,
});

describe('the backfill progress line', () => {
  it.each([40, 80, 120, 200])('fits a %i-column terminal', (columns) => {
    const line = formatProgress(progress(), columns);
    expect(line.length).toBeLessThan(columns);
    expect(line).toContain('35% 5123/14600 partitions');
  });

  it('counts children and partitions apart when there is room', () => {
    expect(formatProgress(progress(), 160)).toContain('4 children running (248 partitions)');
  });

  it('says PAUSED instead of a frozen rate and ETA, even in a narrow terminal', () => {
    for (const columns of [50, 160]) {
      const line = formatProgress(progress({ paused: true }), columns);
      expect(line).toContain('PAUSED');
      expect(line).not.toContain('ETA');
    }
  });

  it('writes plain lines, throttled, when the output is not a terminal', () => {
    const written: string[] = [];
    const out = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(out, 60_000);
    line.update(progress());
    line.update(progress({ done: 5_001 }));
    line.update(progress({ paused: true }));
    expect(written).toHaveLength(2);
    for (const w of written) expect(w.endsWith('\n') && !w.includes('\r') && !w.includes('\u001b')).toBe(true);
    expect(written[1]).toContain('PAUSED');
  });

  it('redraws one line in place on a terminal', () => {
    const written: string[] = [];
    const out = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(out);
    line.update(progress());
    line.update(progress({ done: 6_000 }));
    expect(written.every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n'))).toBe(true);
  });
});

describe('the run tree of a large backfill', () => {
  const child = (i: number, state: RunNode['state']): RunNode => ({
    workflowId: `${i % 2 ? 'ingest' : 'features-c'}/BTC-USD/2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    runId: `r${i}`,
    workflowType: i % 2 ? 'ingest' : 'features',
    state,
    historyLength: 10,
    activities: [],
    children: [],
  });
  const tree: RunNode = {
    workflowId: 'backfill/x',
    runId: 'r',
    workflowType: 'backfill',
    state: 'completed',
    historyLength: 300,
    activities: [],
    children: Array.from({ length: 124 }, (_, i) => child(i, i === 7 ? 'failed' : 'completed')),
  };

  it('is summarised by flow and state, with the failed children listed', () => {
    const lines = formatRunTree(tree).split('\n');
    expect(lines.length).toBeLessThan(10);
    expect(lines.join('\n')).toMatch(/124 child workflows \(--all lists each\)/);
    expect(lines.join('\n')).toMatch(/ingest\s+ok 61, FAILED 1/);
    expect(lines.join('\n')).toMatch(/features-c\s+ok 62/);
    expect(lines.some((l) => l.includes('[FAILED]'))).toBe(true);
  });

  it('lists every child with --all', () => {
    expect(formatRunTree(tree, { all: true }).split('\n')).toHaveLength(125);
  });
});
