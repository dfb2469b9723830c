/** Our span record: what the TraceStore keeps, what JSON Lines hold and what `_meta["aop/spans"]` carries. */

import type { Attributes, AttributeValue, Span, SpanEvent, SpanKind, SpanStatusCode } from '../../shared/span';

// One span type for core, extension and webview: `src/shared/span.ts`. The names below are the
// ones core has always used for it.
export type { Attributes, AttributeValue };
export type SpanKindName = SpanKind;
export type SpanStatusName = SpanStatusCode;
export type SpanEventRecord = SpanEvent;
export type SpanRecord = Span;

/** One trace as the store keeps it: every span known for the trace id, from all servers. */
export interface TraceRecord {
  traceId: string;
  spans: SpanRecord[];
  /** The root: the span whose parent is not in the trace (earliest when several). */
  root: SpanRecord;
  /** `aop.agent` (or `aop.remote.tool`) of the root. */
  agent?: string;
  status: SpanStatusName;
  startMs: number;
  durationMs: number;
  /** Servers that contributed spans. */
  servers: string[];
}

export type TraceEvent =
  | { type: 'trace-start'; span: SpanRecord }
  | { type: 'span-start'; span: SpanRecord }
  | { type: 'span-end'; span: SpanRecord }
  /** A trace (or a further fragment of it) was stored; `added` are the spans new to the store. */
  | { type: 'trace-end'; trace: TraceRecord; added: SpanRecord[] };

export type TraceListener = (event: TraceEvent) => void;

/** Where finished spans go (the TraceStore implements it). */
export interface TraceSink {
  /** A local trace fragment is complete (its local root ended), or remote spans arrived late. */
  putSpans(spans: SpanRecord[]): void;
  /** Live updates; optional and cheap when nobody listens. */
  spanStarted?(span: SpanRecord, isLocalRoot: boolean): void;
  spanEnded?(span: SpanRecord): void;
}

/** Epoch ms with sub-millisecond precision from the monotonic clock. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
