/** How a failed run's cause is shown: pure text, no SDK (the CLI loads it at start). */
import type { RootCause } from './errors';

/** One line naming the failing flow, activity and error, e.g. `ingest › ingestCandles › SourceDataInvalid: ...`. */
export function formatRootCause(cause: RootCause): string {
  return [cause.flow, ...(cause.activity ? [cause.activity] : []), `${cause.type ? `${cause.type}: ` : ''}${cause.message}`].join(' › ');
}

/** The cause chain as an indented tree, for printing under a failed run. */
export function formatCauseChain(chain: readonly string[]): string {
  return chain.map((text, i) => `${'  '.repeat(i)}${i ? '└ ' : ''}${text}`).join('\n');
}
