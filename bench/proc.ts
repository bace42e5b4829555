/**
 * What benchmarks read about processes from /proc (Linux): CPU time, resident memory, and the
 * pid of a process they started indirectly (the dev server). Undefined where there is no /proc.
 */
import fs from 'node:fs';

// Linux reports utime/stime in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system, all threads) a process has used so far. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MiB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak in MiB. */
export function rssSampler(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

/** The pid of the first other process whose command line contains `needle` (e.g. the dev server's state file). */
export function pidWithCommandLine(needle: string): number | undefined {
  if (!fs.existsSync('/proc')) return undefined;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // The process ended while we looked: not ours.
    }
  }
  return undefined;
}

/** Pids of every process whose command name is `name` (e.g. all PostgreSQL backends). */
export function pidsNamed(name: string): number[] {
  if (!fs.existsSync('/proc')) return [];
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
