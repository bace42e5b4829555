/** `featureflow report --symbol BTC-USD --from D --to D [--out file.html]`: one self-contained HTML report. */
import type { Command } from 'commander';
import { cliApi } from './context';

/** Registers the `report` command. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML file (works offline): price, B and C features, D evaluation, and the runs behind each partition')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .requiredOption('--from <YYYY-MM-DD>', 'first day')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (inclusive)')
    .option('--out <file.html>', 'where to write it (default: <data dir>/reports/<symbol>_<from>_<to>.html)')
    .action(async (o: { symbol: string; from: string; to: string; out?: string }) => {
      const api = await cliApi();
      const written = await api.writeReport({ symbol: o.symbol, from: o.from, to: o.to }, o.out);
      console.log(`report: ${written.path} (${written.candles} candles, ${written.runs} materializations, ${Math.round(written.bytes / 1024)} KiB)`);
    });
}
