/**
 * Preloaded (`node --require bench/lib/cpu-at-exit.cjs …`) into a process whose start-up is timed:
 * on exit it writes the process's CPU time (user + system, all threads, since the process
 * started) as JSON to fd 3, which the bench opens as a pipe. Costs well under a millisecond and
 * the same for every variant compared.
 */
'use strict';
process.on('exit', () => {
  const u = process.cpuUsage();
  try {
    require('node:fs').writeSync(3, JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
  } catch {
    /* no fd 3: not run by the bench */
  }
});
