/** Our span record: what the TraceStore keeps, what JSON Lines hold and what `_meta["aop/spans"]` carries. */

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type Attributes = Record<string, AttributeValue>;

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusName = 'unset' | 'ok' | 'error';

export interface SpanEventRecord {
  name: string;
  /** Epoch milliseconds (fractional: sub-millisecond from the monotonic clock). */
  timeMs: number;
  attributes?: Attributes;
}

export interface SpanRecord {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Parent span (local, or the remote caller's span for a continued trace). */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  /** Epoch milliseconds, fractional (performance.timeOrigin + performance.now()). */
  startMs: number;
  /** Epoch milliseconds; 0 while the span is still open. */
  endMs: number;
  status: { code: SpanStatusName; message?: string };
  attributes: Attributes;
  events?: SpanEventRecord[];
  /** Id of the server (process) that recorded the span: the OTLP resource. */
  server: string;
}

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
