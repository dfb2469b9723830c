/**
 * Milliseconds on the monotonic clock, for durations. The global `performance` loads perf_hooks
 * on first use (about ten of Node's internal modules, a few ms of a cold `aop discover`:
 * bench/NOTES.md, CLI cold start); `process.hrtime` is already there.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
