/**
 * Cutting text for display: one rule for the Traces view, the trace feed and `aop traces` —
 * at most `max` characters including the ellipsis, never splitting a surrogate pair.
 * No imports: bundled into the webview as is.
 */

/** `s` cut to at most `max` characters, the last one an ellipsis when it was cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate: keep the pair whole (drop it)
  return `${s.slice(0, end)}…`;
}

/** Whitespace runs (newlines too) as one space, trimmed, then cut to `max`. */
export function oneLine(s: string, max: number): string {
  return truncate(s.replace(/\s+/g, ' ').trim(), max);
}
