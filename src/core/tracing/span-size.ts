import type { AttributeValue, SpanRecord } from './types';

/** Rough JSON size of a span (no JSON.stringify on the hot path). */
export function estimateBytes(s: SpanRecord): number {
  let n = 220 + s.name.length + s.server.length + (s.status.message?.length ?? 0);
  for (const k in s.attributes) n += k.length + valueBytes(s.attributes[k]);
  for (const e of s.events ?? []) {
    n += 60 + e.name.length;
    for (const k in e.attributes ?? {}) n += k.length + valueBytes(e.attributes![k]);
  }
  return n;
}

function valueBytes(v: AttributeValue): number {
  if (typeof v === 'string') return v.length + 6;
  if (Array.isArray(v)) {
    let n = 4;
    for (const x of v) n += typeof x === 'string' ? x.length + 4 : 12;
    return n;
  }
  return 12;
}

