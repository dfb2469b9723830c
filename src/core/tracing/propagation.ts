import { TraceFlags, createTraceState, type Span, type SpanContext } from '@opentelemetry/api';
import { truncate } from '../../shared/text';
import { isSpanId, isTraceId } from './ids';
import { AopSpan } from './tracer';
import type { AttributeValue, Attributes, SpanEventRecord, SpanKindName, SpanRecord, SpanStatusName } from './types';
import { estimateBytes } from './span-size';
import { SPANS_KEY, TRACEPARENT_KEY, TRACESTATE_KEY } from '../meta-keys';

export { estimateBytes };

/** Default bound of `_meta["aop/spans"]` (approximate JSON bytes). */
export const DEFAULT_MAX_SPANS_BYTES = 64 * 1024;

/**
 * Bounds on what a peer's `_meta["aop/spans"]` may add to our traces (issue #15: a hostile member
 * returning 2,000 spans of 64 KB grew the caller by ~160 MB per call). Spans past `maxSpans` or past
 * `maxBytes` (estimated JSON) are dropped; strings are cut to `maxStringChars`; a span keeps at most
 * `maxAttributes` attributes and `maxEvents` events.
 */
export interface RemoteSpanLimits {
  maxSpans: number;
  maxBytes: number;
  maxStringChars: number;
  maxAttributes: number;
  maxEvents: number;
}

export const DEFAULT_REMOTE_SPAN_LIMITS: RemoteSpanLimits = {
  maxSpans: 256,
  maxBytes: 256 * 1024,
  maxStringChars: 1024,
  maxAttributes: 64,
  maxEvents: 16,
};

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** W3C trace-context `traceparent` of a span context: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(sc: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'>): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Parses a `traceparent` (W3C trace-context level 1); undefined when invalid. */
export function parseTraceparent(value: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (!isTraceId(traceId) || !isSpanId(spanId)) return undefined;
  const sc: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & 0xff, isRemote: true };
  if (typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= 512) {
    sc.traceState = createTraceState(tracestate);
  }
  return sc;
}

/** The remote parent carried by a request `_meta`, if any. */
export function extractTraceContext(meta: Record<string, unknown> | undefined): SpanContext | undefined {
  if (!meta) return undefined;
  return parseTraceparent(meta[TRACEPARENT_KEY], meta[TRACESTATE_KEY]);
}

/**
 * Puts the W3C trace context of `span` into a tools/call request `_meta` (mutates and returns it):
 * the server continues the trace and returns its spans in the result `_meta["aop/spans"]`.
 */
export function injectTraceContext<M extends Record<string, unknown>>(meta: M, span: Span | SpanContext): M {
  const sc = 'spanContext' in span && typeof span.spanContext === 'function' ? span.spanContext() : (span as SpanContext);
  (meta as Record<string, unknown>)[TRACEPARENT_KEY] = formatTraceparent({ ...sc, traceFlags: sc.traceFlags | TraceFlags.SAMPLED });
  const ts = sc.traceState?.serialize();
  if (ts) (meta as Record<string, unknown>)[TRACESTATE_KEY] = ts;
  return meta;
}

// ---- spans on the wire ---------------------------------------------------------------------------

/** `_meta["aop/spans"]`: compact JSON of the spans a server recorded for one traced call. */
export interface WireSpans {
  v: 1;
  traceId: string;
  spans: Omit<SpanRecord, 'traceId'>[];
  /** Spans left out to stay under the size bound. */
  dropped?: number;
}

function shrink(s: SpanRecord, maxChars: number): SpanRecord {
  const attributes: Attributes = {};
  for (const k in s.attributes) {
    const v = s.attributes[k];
    attributes[k] = typeof v === 'string' && v.length > maxChars ? `${v.slice(0, maxChars - 1)}…` : v;
  }
  return { ...s, attributes, events: s.events?.filter((e) => e.name === 'exception').slice(0, 2) };
}

/**
 * Encodes spans for a result `_meta`, bounded by `maxBytes` (approximate): first long strings are
 * cut, then events dropped, then spans (the root and error spans are kept longest).
 */
export function encodeSpans(traceId: string, spans: readonly SpanRecord[], maxBytes = DEFAULT_MAX_SPANS_BYTES): WireSpans {
  let list = spans.filter((s) => s.traceId === traceId);
  let total = 0;
  for (const s of list) total += estimateBytes(s);
  let dropped = 0;
  if (total > maxBytes) {
    list = list.map((s) => shrink(s, 160));
    total = list.reduce((n, s) => n + estimateBytes(s), 0);
    if (total > maxBytes) {
      const ids = new Set(list.map((s) => s.spanId));
      const rank = (s: SpanRecord) => (!s.parentSpanId || !ids.has(s.parentSpanId) ? 0 : s.status.code === 'error' ? 1 : 2);
      const order = list.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i);
      const kept: { s: SpanRecord; i: number }[] = [];
      total = 0;
      for (const o of order) {
        const b = estimateBytes(o.s);
        if (total + b > maxBytes && kept.length > 0) {
          dropped++;
          continue;
        }
        total += b;
        kept.push(o);
      }
      list = kept.sort((a, b) => a.i - b.i).map((o) => o.s);
    }
  }
  return {
    v: 1,
    traceId,
    spans: list.map(({ traceId: _t, ...rest }) => rest),
    ...(dropped ? { dropped } : {}),
  };
}

const KINDS = new Set<SpanKindName>(['internal', 'server', 'client', 'producer', 'consumer']);
const STATUSES = new Set<SpanStatusName>(['unset', 'ok', 'error']);


function validAttributes(a: unknown, limits: RemoteSpanLimits): Attributes {
  const out: Attributes = Object.create(null);
  if (!a || typeof a !== 'object' || Array.isArray(a)) return out;
  let n = 0;
  for (const k in a as Record<string, unknown>) {
    if (!Object.prototype.hasOwnProperty.call(a, k)) continue;
    if (n >= limits.maxAttributes) break;
    const v = (a as Record<string, unknown>)[k];
    const key = truncate(k, 128);
    if (typeof v === 'string') out[key] = truncate(v, limits.maxStringChars);
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (Array.isArray(v) && v.length <= 64 && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) {
      out[key] = v.map((x) => (typeof x === 'string' ? truncate(x, limits.maxStringChars) : x)) as AttributeValue;
    } else continue;
    n++;
  }
  return { ...out };
}

/** Checks and decodes `_meta["aop/spans"]`; spans that do not fit the format are skipped. */
export function decodeSpans(value: unknown, expectTraceId?: string, limits: RemoteSpanLimits = DEFAULT_REMOTE_SPAN_LIMITS): SpanRecord[] {
  if (!value || typeof value !== 'object') return [];
  const w = value as Partial<WireSpans>;
  if (!isTraceId(w.traceId) || !Array.isArray(w.spans)) return [];
  if (expectTraceId && w.traceId !== expectTraceId) return [];
  const out: SpanRecord[] = [];
  let bytes = 0;
  for (const raw of w.spans.slice(0, limits.maxSpans)) {
    if (!raw || typeof raw !== 'object') continue;
    const s = raw as Partial<SpanRecord>;
    if (!isSpanId(s.spanId) || typeof s.name !== 'string') continue;
    if (typeof s.startMs !== 'number' || typeof s.endMs !== 'number' || !Number.isFinite(s.startMs) || !Number.isFinite(s.endMs)) continue;
    const status = s.status && STATUSES.has(s.status.code) ? s.status : { code: 'unset' as const };
    const events: SpanEventRecord[] | undefined = Array.isArray(s.events)
      ? s.events
          .slice(0, limits.maxEvents)
          .filter((e) => e && typeof e.name === 'string' && typeof e.timeMs === 'number')
          .map((e) => ({ name: truncate(e.name, 256), timeMs: e.timeMs, ...(e.attributes ? { attributes: validAttributes(e.attributes, limits) } : {}) }))
      : undefined;
    const span: SpanRecord = {
      traceId: w.traceId,
      spanId: s.spanId,
      ...(isSpanId(s.parentSpanId) ? { parentSpanId: s.parentSpanId } : {}),
      name: s.name.slice(0, 256),
      kind: s.kind && KINDS.has(s.kind) ? s.kind : 'internal',
      startMs: s.startMs,
      endMs: s.endMs,
      status: { code: status.code, ...(typeof status.message === 'string' ? { message: status.message.slice(0, 1024) } : {}) },
      attributes: validAttributes(s.attributes, limits),
      ...(events && events.length ? { events } : {}),
      server: typeof s.server === 'string' ? s.server.slice(0, 256) : 'remote',
    };
    bytes += estimateBytes(span);
    if (bytes > limits.maxBytes) break;
    out.push(span);
  }
  return out;
}

/**
 * Adds the spans a remote AOP server returned in a tools/call result `_meta["aop/spans"]` to the
 * local trace of `into` (the `aop.remote` client span of that call), so the caller holds one
 * stitched trace. Accepts the result or its `_meta`. Returns the spans added.
 */
export function absorbRemoteSpans(
  resultOrMeta: { _meta?: Record<string, unknown> } | Record<string, unknown> | undefined,
  into: Span,
  limits: RemoteSpanLimits = DEFAULT_REMOTE_SPAN_LIMITS,
): SpanRecord[] {
  if (!resultOrMeta || !(into instanceof AopSpan)) return [];
  const meta =
    '_meta' in resultOrMeta && resultOrMeta._meta && typeof resultOrMeta._meta === 'object'
      ? (resultOrMeta._meta as Record<string, unknown>)
      : (resultOrMeta as Record<string, unknown>);
  const spans = decodeSpans(meta[SPANS_KEY], into.traceId, limits);
  if (spans.length === 0) return [];
  const known = new Set(into.local.spans.map((s) => s.spanId));
  const fresh = spans.filter((s) => !known.has(s.spanId));
  into.local.absorb(fresh);
  return fresh;
}
