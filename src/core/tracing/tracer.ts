import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanAttributeValue,
  type SpanAttributes,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import { newSpanId, newTraceId } from './ids';
import { nowMs, type AttributeValue, type Attributes, type SpanKindName, type SpanRecord, type TraceSink } from './types';
import { truncate as cut } from '../../shared/text';

const KIND_NAMES: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** Longest string attribute value kept (characters); longer values are cut with an ellipsis. */
export const MAX_ATTRIBUTE_CHARS = 2048;
/** Most events per span. */
const MAX_EVENTS = 64;

export function truncate(text: string, max = MAX_ATTRIBUTE_CHARS): string {
  if (text.length <= max) return text;
  // A copy, not a V8 sliced string: the ring must not keep whole answers alive through their slices.
  return Buffer.from(cut(text, max), 'utf8').toString('utf8');
}

function toEpochMs(t: TimeInput | undefined): number {
  if (t === undefined) return nowMs();
  if (typeof t === 'number') return t < performance.timeOrigin ? performance.timeOrigin + t : t;
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6;
}

function cleanValue(v: SpanAttributeValue | undefined): AttributeValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return truncate(v);
  if (Array.isArray(v)) return (v as unknown[]).filter((x) => x !== null && x !== undefined) as AttributeValue;
  return v as AttributeValue;
}

function cleanAttributes(a: SpanAttributes | undefined): Attributes {
  const out: Attributes = {};
  if (a) {
    for (const k in a) {
      const v = cleanValue(a[k]);
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/**
 * The spans of one trace recorded by this process, from a local root (a span without a parent,
 * or whose parent is remote) to its descendants. Handed to the sink when the local root ends.
 */
export class LocalTrace {
  readonly spans: SpanRecord[] = [];
  readonly open = new Set<AopSpan>();
  done = false;

  constructor(
    readonly traceId: string,
    private readonly sink: TraceSink | undefined,
  ) {}

  /** Adds spans recorded elsewhere (a remote server's `aop/spans`). */
  absorb(spans: SpanRecord[]): void {
    if (spans.length === 0) return;
    if (this.done) this.sink?.putSpans(spans);
    else for (const s of spans) this.spans.push(s);
  }

  /** @internal */
  started(span: AopSpan, isRoot: boolean): void {
    this.spans.push(span.record);
    this.open.add(span);
    this.sink?.spanStarted?.(span.record, isRoot);
  }

  /** @internal */
  ended(span: AopSpan, isRoot: boolean): void {
    this.open.delete(span);
    this.sink?.spanEnded?.(span.record);
    if (!isRoot) {
      if (this.done) this.sink?.putSpans([span.record]); // a child outlived its root
      return;
    }
    // Children still open when the root ends are closed with it (e.g. a backoff cut short).
    for (const child of [...this.open]) {
      child.setAttribute('aop.unfinished', true);
      child.end(span.record.endMs);
    }
    this.done = true;
    this.sink?.putSpans(this.spans);
  }
}

/** A recording span that writes into our SpanRecord; implements the OpenTelemetry Span API. */
export class AopSpan implements Span {
  private ended = false;
  private readonly context: SpanContext;

  constructor(
    readonly record: SpanRecord,
    readonly local: LocalTrace,
    private readonly isLocalRoot: boolean,
    traceState?: SpanContext['traceState'],
  ) {
    this.context = {
      traceId: record.traceId,
      spanId: record.spanId,
      traceFlags: TraceFlags.SAMPLED,
      ...(traceState ? { traceState } : {}),
    };
    local.started(this, isLocalRoot);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get traceId(): string {
    return this.record.traceId;
  }

  get spanId(): string {
    return this.record.spanId;
  }

  setAttribute(key: string, value: SpanAttributeValue): this {
    if (!this.ended) {
      const v = cleanValue(value);
      if (v !== undefined) this.record.attributes[key] = v;
    }
    return this;
  }

  setAttributes(attributes: SpanAttributes): this {
    if (!this.ended) Object.assign(this.record.attributes, cleanAttributes(attributes));
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this {
    if (this.ended) return this;
    const events = (this.record.events ??= []);
    if (events.length >= MAX_EVENTS) return this;
    let attributes: SpanAttributes | undefined;
    let time = startTime;
    if (typeof attributesOrStartTime === 'number' || Array.isArray(attributesOrStartTime) || attributesOrStartTime instanceof Date) {
      time = attributesOrStartTime;
    } else attributes = attributesOrStartTime;
    events.push({ name, timeMs: toEpochMs(time), ...(attributes ? { attributes: cleanAttributes(attributes) } : {}) });
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    if (status.code === SpanStatusCode.ERROR) {
      this.record.status = status.message ? { code: 'error', message: truncate(status.message, 1024) } : { code: 'error' };
    } else if (status.code === SpanStatusCode.OK) this.record.status = { code: 'ok' };
    else this.record.status = { code: 'unset' };
    return this;
  }

  /** Shorthand: status error with the message, plus an `exception` event. */
  fail(error: unknown): this {
    const message = error instanceof Error ? error.message : String(error);
    this.recordException(error instanceof Error ? error : message);
    return this.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  updateName(name: string): this {
    if (!this.ended) this.record.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.record.endMs = Math.max(this.record.startMs, toEpochMs(endTime));
    this.ended = true;
    this.local.ended(this, this.isLocalRoot);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attrs: SpanAttributes = {};
    if (typeof exception === 'string') {
      attrs['exception.message'] = exception;
    } else {
      const e = exception as { name?: string; message?: string; code?: string | number; stack?: string };
      attrs['exception.type'] = e.name ?? (e.code !== undefined ? String(e.code) : 'Error');
      if (e.message) attrs['exception.message'] = e.message;
      if (e.stack) attrs['exception.stacktrace'] = truncate(e.stack, 1024);
    }
    this.addEvent('exception', attrs, time);
  }
}

export interface AopTracerOptions {
  /** Receives finished local traces (usually a TraceStore). */
  sink?: TraceSink;
  /** Id of this server, stored on each span (the OTLP resource). A function: the port is known late. */
  server: string | (() => string);
}

/**
 * A small OpenTelemetry Tracer that records into our own span records instead of pulling in the
 * OTel SDK: parents come from the explicit context (or `options.root`); a parent from another
 * process (a remote SpanContext, e.g. from `traceparent`) starts a new local fragment of that trace.
 */
export class AopTracer implements Tracer {
  readonly sink?: TraceSink;
  private readonly serverId: () => string;

  constructor(options: AopTracerOptions) {
    this.sink = options.sink;
    const s = options.server;
    this.serverId = typeof s === 'function' ? s : () => s;
  }

  get server(): string {
    return this.serverId();
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = ROOT_CONTEXT): AopSpan {
    const parent = options.root ? undefined : trace.getSpan(ctx);
    return this.start(name, options, parent);
  }

  /** Starts a child of `parent` (a local AopSpan, a remote SpanContext, or nothing for a new trace). */
  startChild(name: string, parent: AopSpan | SpanContext | undefined, options: SpanOptions = {}): AopSpan {
    if (parent === undefined || parent instanceof AopSpan) return this.start(name, options, parent);
    return this.start(name, options, trace.wrapSpanContext(parent));
  }

  private start(name: string, options: SpanOptions, parent: Span | undefined): AopSpan {
    const record: SpanRecord = {
      traceId: '',
      spanId: newSpanId(),
      name,
      kind: KIND_NAMES[options.kind ?? SpanKind.INTERNAL] ?? 'internal',
      startMs: options.startTime === undefined ? nowMs() : toEpochMs(options.startTime),
      endMs: 0,
      status: { code: 'unset' },
      attributes: cleanAttributes(options.attributes),
      server: this.serverId(),
    };
    if (parent instanceof AopSpan && parent.local && !parent.local.done) {
      record.traceId = parent.traceId;
      record.parentSpanId = parent.spanId;
      return new AopSpan(record, parent.local, false, parent.spanContext().traceState);
    }
    const pc = parent?.spanContext();
    if (pc && trace.isSpanContextValid(pc)) {
      record.traceId = pc.traceId;
      record.parentSpanId = pc.spanId;
      return new AopSpan(record, new LocalTrace(pc.traceId, this.sink), true, pc.traceState);
    }
    record.traceId = newTraceId();
    return new AopSpan(record, new LocalTrace(record.traceId, this.sink), true);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: SpanOptions | F, b?: Context | F, c?: F): ReturnType<F> {
    const fn = (c ?? (typeof b === 'function' ? b : typeof a === 'function' ? a : undefined)) as F;
    const options = typeof a === 'object' ? a : {};
    const ctx = typeof b === 'object' ? b : ROOT_CONTEXT;
    const span = this.startSpan(name, options, ctx);
    return fn(span) as ReturnType<F>;
  }
}
