import { cpus, totalmem } from 'node:os';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(samples: number[]): { p50: number; p99: number; mean: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), n: s.length };
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

export function machine(): { cpu: string; cores: number; node: string; memGiB: string; date: string; platform: string } {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    node: process.version,
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    platform: `${process.platform} ${process.arch}`,
  };
}

export const ms = (x: number, digits = 3) => `${x.toFixed(digits)} ms`;

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One line of the results table. */
export interface ResultRow {
  suite: string;
  what: string;
  goal: string;
  measured: string;
  /** true = met, false = missed, undefined = informational. */
  ok?: boolean;
}
