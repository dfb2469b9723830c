/**
 * THE span type: what the TraceStore records (`src/core/tracing`), what JSON Lines and
 * `_meta["aop/spans"]` carry, and what the Traces webview draws (`src/shared/trace-protocol.ts`
 * validates it on the wire). Types only: importable from core, extension and webview alike.
 */

/** Attribute value: a scalar or an array of scalars (OpenTelemetry asks for one type per array; spans
 * decoded from remote servers are not held to it, so the type does not promise it). */
export type AttributeValue = string | number | boolean | Array<string | number | boolean>;
export type Attributes = Record<string, AttributeValue>;

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusCode = 'unset' | 'ok' | 'error';

export interface SpanEvent {
  name: string;
  /** Epoch milliseconds (fractional: sub-millisecond from the monotonic clock). */
  timeMs: number;
  attributes?: Attributes;
}

export interface Span {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Parent span (local, or the remote caller's span for a continued trace). */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Epoch milliseconds, fractional (performance.timeOrigin + performance.now()). */
  startMs: number;
  /** Epoch milliseconds; 0 while the span is still open. */
  endMs: number;
  status: { code: SpanStatusCode; message?: string };
  attributes: Attributes;
  events?: SpanEvent[];
  /** Id of the server (process) that recorded the span: the OTLP resource. */
  server: string;
}

/** Attribute of an agent call's span: the id of its task in the server's task store (`aop.task_id`). */
export const TASK_ID_ATTRIBUTE = 'aop.task_id';
