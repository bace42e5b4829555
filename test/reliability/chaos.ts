/** Small tools of the crash tests: a seeded PRNG (reproducible kill moments) and waiting. */

/** mulberry32: a tiny deterministic PRNG; the same seed gives the same kill delays. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed: CRASH_SEED when given (to reproduce a failure), else a fresh one. */
export function crashSeed(): number {
  const given = process.env.CRASH_SEED;
  if (given !== undefined) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0) throw new Error(`CRASH_SEED must be a non-negative integer, got '${given}'`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it is true; throws `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

