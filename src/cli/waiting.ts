/**
 * No silent waits: while a command waits on a run, check after a few seconds (and then every few
 * seconds) whether any worker polls the task queue, and say so once when none does. The wait
 * goes on; the line tells the person what is missing and how to start it.
 */
import type { FeatureflowClient } from '../api/client';

/** First check after this long; then every CHECK_MS. Keeps the hint inside 10 s of the start. */
const FIRST_CHECK_MS = 4000;
const CHECK_MS = 5000;

/** Starts watching for pollers; call the returned function to stop. */
export function watchPollers(api: FeatureflowClient, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
  let stopped = false;
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    if (stopped) return;
    try {
      const p = await api.pollers();
      if (stopped) return;
      const none = p.workflowPollers === 0 || p.activityPollers === 0;
      if (none && !warned) {
        warned = true;
        write(`featureflow: no worker is polling task queue ${p.taskQueue} on ${api.config.temporal.address}; start one with \`npm run worker\` (still waiting)`);
      } else if (!none && warned) {
        warned = false;
        write(`featureflow: a worker is polling task queue ${p.taskQueue} now`);
      }
    } catch {
      // The wait itself reports an unreachable server; this check only adds a hint.
    }
    if (!stopped) timer = setTimeout(() => void check(), CHECK_MS);
  };
  timer = setTimeout(() => void check(), FIRST_CHECK_MS);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** On Ctrl-C: print how to re-attach and exit 130; returns a function removing the handler. */
export function onInterrupt(lines: readonly string[]): () => void {
  const handler = (): void => {
    process.stderr.write(`\n${lines.join('\n')}\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.removeListener('SIGINT', handler);
}
