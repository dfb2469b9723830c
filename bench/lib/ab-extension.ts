/**
 * Paired A/B of two extension bundles (e.g. the previous commit's production build vs this one):
 * bench/lib/activate-probe.cjs in fresh processes, A and B alternating (order swapped every
 * round), so both see the same machine load. Prints medians and the median of the per-round
 * ratios A / B for require, activate, require + activate, process CPU at the end of activate(),
 * and, to the local server serving the catalog, the time from require (`readyMs`) and process CPU.
 * A bundle from before the host was split out (no `hostLoaded`) is probed as one bundle.
 * Usage: node --import tsx bench/lib/ab-extension.ts A/extension.js B/extension.js [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './stats';

const root = join(__dirname, '../..');
const [a, b, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 15);
type Probe = { requireMs: number; activateMs: number; totalMs: number; cpuMs: number; servedMs: number; readyMs: number; cpuServedMs: number; error?: string };
const storage = mkdtempSync(join(tmpdir(), 'aop-ab-'));
const probe = (bundle: string): Probe => {
  const out = execFileSync(process.execPath, [join(root, 'bench/lib/activate-probe.cjs'), resolve(bundle), join(root, 'examples'), storage, root], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AOP_PROBE_SINGLE_BUNDLE: '1' },
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as Probe;
  if (r.error) throw new Error(r.error);
  return { ...r, readyMs: r.totalMs + r.servedMs };
};
const A: Probe[] = [];
const B: Probe[] = [];
try {
  for (let i = -1; i < rounds; i++) {
    const [x, y] = i % 2 === 0 ? [probe(a), probe(b)] : (([q, p]) => [p, q])([probe(b), probe(a)]);
    if (i >= 0) (A.push(x), B.push(y));
  }
} finally {
  rmSync(storage, { recursive: true, force: true });
}
const keys = ['requireMs', 'activateMs', 'totalMs', 'cpuMs', 'readyMs', 'cpuServedMs'] as const;
const result: Record<string, number> = { rounds };
for (const k of keys) {
  result[`a_${k}`] = median(A.map((r) => r[k]));
  result[`b_${k}`] = median(B.map((r) => r[k]));
  result[`ratio_${k}`] = median(A.map((r, i) => r[k] / B[i][k]));
}
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
