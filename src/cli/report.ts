/** `featureflow report --symbol BTC-USD --from D --to D [--out file.html]`: one self-contained HTML report. */
import type { Command } from 'commander';
import { z } from 'zod';
import { IsoDate, MarketSymbol } from '../contracts';
import { writeReport } from '../report';
import { cliConfig, parseOptions } from './context';
import { openCliDb } from './logs';

const ReportOptions = z
  .object({ symbol: MarketSymbol, from: IsoDate, to: IsoDate, out: z.string().min(1).optional() })
  .refine((o) => o.from <= o.to, { message: '--from must not be after --to', path: ['from'] });

/** Registers the `report` command. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML file (works offline): price, B and C features, D evaluation, and the runs behind each partition')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .requiredOption('--from <YYYY-MM-DD>', 'first day')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (inclusive)')
    .option('--out <file.html>', 'where to write it (default: <data dir>/reports/<symbol>_<from>_<to>.html)')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(ReportOptions, raw);
      const db = await openCliDb();
      try {
        const written = await writeReport(db, cliConfig(), { symbol: opts.symbol, from: opts.from, to: opts.to }, opts.out);
        console.log(`report: ${written.path} (${written.candles} candles, ${written.runs} materializations, ${Math.round(written.bytes / 1024)} KiB)`);
      } finally {
        await db.close();
      }
    });
}
