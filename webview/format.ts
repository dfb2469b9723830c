/** Text for times and durations in the view. */
import { formatDuration } from '../src/core/tracing/format';

export { formatDuration };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Clock time of an epoch ms: `14:03:07.123` today, `Nov 25 14:03:07` otherwise. */
export function formatClock(ms: number, nowMs = Date.now()): string {
  const d = new Date(ms);
  const now = new Date(nowMs);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === now.toDateString()) return `${time}.${pad(d.getMilliseconds(), 3)}`;
  return `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()} ${time}`;
}

/** Offset on the axis: `+12.3 ms`. */
export function formatOffset(ms: number): string {
  return ms <= 0 ? '0' : `+${formatDuration(ms)}`;
}

/** Axis tick label (short). */
export function formatTick(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1) return `${+(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${+ms.toFixed(ms < 10 ? 1 : 0)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  return `${+(ms / 60_000).toFixed(1)}min`;
}

export function truncateText(s: string, max: number): { text: string; cut: boolean } {
  return s.length > max ? { text: `${s.slice(0, max)}…`, cut: true } : { text: s, cut: false };
}
