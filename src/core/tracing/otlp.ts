import { writeFile } from 'node:fs/promises';
import { VERSION } from '../version';
import type { AttributeValue, Attributes, SpanKindName, SpanRecord, SpanStatusName, TraceRecord } from './types';
import type { TraceStore } from './store';

/** OTLP/JSON (opentelemetry-proto `ExportTraceServiceRequest` in its JSON mapping). */
export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } };
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: { timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }[];
  status: { code: number; message?: string };
}
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

const KIND: Record<SpanKindName, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS: Record<SpanStatusName, number> = { unset: 0, ok: 1, error: 2 };

/** Epoch ms (fractional) → decimal nanoseconds string, without losing the sub-ms digits. */
export function msToUnixNano(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(frac)).toString();
}

export function otlpValue(v: AttributeValue | unknown): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(otlpValue) } };
  return { stringValue: String(v) };
}

export function otlpAttributes(a: Attributes | Record<string, unknown> | undefined): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const k in a ?? {}) out.push({ key: k, value: otlpValue(a![k]) });
  return out;
}

function otlpSpan(s: SpanRecord): OtlpSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: KIND[s.kind] ?? 1,
    startTimeUnixNano: msToUnixNano(s.startMs),
    endTimeUnixNano: msToUnixNano(s.endMs || s.startMs),
    attributes: otlpAttributes(s.attributes),
    events: (s.events ?? []).map((e) => ({ timeUnixNano: msToUnixNano(e.timeMs), name: e.name, attributes: otlpAttributes(e.attributes) })),
    status: { code: STATUS[s.status.code] ?? 0, ...(s.status.message ? { message: s.status.message } : {}) },
  };
}

/** OTLP/JSON of spans (or traces), one resource per recording server (`service.name` = aop). */
export function toOtlp(input: readonly (SpanRecord | TraceRecord)[]): OtlpTraceRequest {
  const byServer = new Map<string, OtlpSpan[]>();
  for (const item of input) {
    const spans = 'spans' in item ? item.spans : [item];
    for (const s of spans) {
      let list = byServer.get(s.server);
      if (!list) byServer.set(s.server, (list = []));
      list.push(otlpSpan(s));
    }
  }
  return {
    resourceSpans: [...byServer].map(([server, spans]) => ({
      resource: {
        attributes: otlpAttributes({ 'service.name': 'aop', 'service.instance.id': server, 'aop.server.id': server, 'service.version': VERSION }),
      },
      scopeSpans: [{ scope: { name: 'aop-agents', version: VERSION }, spans }],
    })),
  };
}

export async function writeOtlpFile(file: string, input: readonly (SpanRecord | TraceRecord)[]): Promise<void> {
  await writeFile(file, JSON.stringify(toOtlp(input), null, 2) + '\n');
}

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL already ending in /v1/traces is kept. */
export function otlpTracesUrl(endpoint: string): string {
  const u = endpoint.replace(/\/+$/, '');
  return u.endsWith('/v1/traces') ? u : `${u}/v1/traces`;
}

/** POSTs spans as OTLP/JSON to an OTLP/HTTP collector (Jaeger, the OTel Collector…). */
export async function sendOtlp(
  endpoint: string,
  input: readonly (SpanRecord | TraceRecord)[],
  opts: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<void> {
  const res = await fetch(otlpTracesUrl(endpoint), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...opts.headers },
    body: JSON.stringify(toOtlp(input)),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`OTLP export to ${otlpTracesUrl(endpoint)} failed: HTTP ${res.status}`);
}

export interface OtlpExporterOptions {
  endpoint: string;
  headers?: Record<string, string>;
  /** Send at least this often while spans wait (default 2 s). */
  intervalMs?: number;
  /** Send at once past this many waiting spans (default 512). */
  batchSpans?: number;
  /** Spans kept waiting at most (default 8,192; older ones are dropped when the collector is down). */
  maxQueue?: number;
  onError?: (err: unknown) => void;
}

/** Sends every trace fragment a TraceStore stores to an OTLP/HTTP endpoint, batched, off the hot path. */
export class OtlpExporter {
  private queue: SpanRecord[] = [];
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;
  dropped = 0;
  sent = 0;

  constructor(private readonly options: OtlpExporterOptions) {}

  attach(store: TraceStore): this {
    this.unsubscribe = store.subscribe((e) => {
      if (e.type === 'trace-end') this.enqueue(e.added);
    });
    return this;
  }

  enqueue(spans: SpanRecord[]): void {
    this.queue.push(...spans);
    const max = this.options.maxQueue ?? 8192;
    if (this.queue.length > max) {
      this.dropped += this.queue.length - max;
      this.queue.splice(0, this.queue.length - max);
    }
    if (this.queue.length >= (this.options.batchSpans ?? 512)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.intervalMs ?? 2000);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return this.sending;
    const batch = this.queue;
    this.queue = [];
    this.sending = this.sending
      .then(() => sendOtlp(this.options.endpoint, batch, { headers: this.options.headers }))
      .then(
        () => {
          this.sent += batch.length;
        },
        (err) => {
          this.dropped += batch.length;
          this.options.onError?.(err);
        },
      );
    return this.sending;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
  }
}
