/**
 * THE duration and timestamp text of AOP: the Traces webview, the explorer tree, the palette and
 * `aop traces` all print times through these functions, so one call reads the same everywhere.
 * No imports: bundled into the webview as is.
 *
 * Durations keep three significant digits in the largest unit that is at least 1:
 * `500 µs`, `1.25 ms`, `12.5 ms`, `125 ms`, `1.25 s`, `12.5 s`, `2 min 5 s`, `1 h 2 min`.
 * (Below a millisecond, microseconds: "500 µs" rather than "0.50 ms".)
 */

export interface DurationOptions {
  /** Axis labels: no space, trailing zeros dropped (`500µs`, `2.5ms`, `1.5s`, `1.5min`). */
  compact?: boolean;
}

/** Three significant digits for 1 ≤ x < 1000 (`1.25`, `12.5`, `125`). */
function sig3(x: number): string {
  return x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
}

/** A duration in milliseconds (fractional) as text; negative durations keep their sign, NaN/∞ are "—". */
export function formatDuration(ms: number, options: DurationOptions = {}): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms, options)}`;
  const compact = options.compact === true;
  const unit = (value: string, u: string) => (compact ? `${+value}${u}` : `${value} ${u}`);
  if (ms === 0) return compact ? '0' : '0 ms';
  // Round first, then pick the unit: 999.6 µs is "1.00 ms", never "1000 µs".
  const us = Math.round(ms * 1000);
  if (us < 1000) return unit(String(us), 'µs');
  if (ms < 1000 && Number(sig3(ms)) < 1000) return unit(sig3(ms), 'ms');
  const s = ms / 1000;
  if (s < 60 && Number(sig3(s)) < 60) return unit(sig3(s), 's');
  if (compact) return ms < 3_600_000 ? `${+(ms / 60_000).toFixed(1)}min` : `${+(ms / 3_600_000).toFixed(1)}h`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${totalMin % 60} min`;
}

/** An offset from a start (the waterfall's axis, event times): `0` or `+12.5 ms`. */
export function formatOffset(ms: number): string {
  return ms <= 0 ? '0' : `+${formatDuration(ms)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Clock time of an epoch ms, local: `14:03:07.123` on the day of `nowMs`, `Nov 25 14:03:07` otherwise. */
export function formatClock(ms: number, nowMs = Date.now()): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === new Date(nowMs).toDateString()) return `${time}.${pad(d.getMilliseconds(), 3)}`;
  return `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()} ${time}`;
}

/** Full local timestamp of an epoch ms (logs, the CLI): `2026-11-25 14:03:07.123`. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
