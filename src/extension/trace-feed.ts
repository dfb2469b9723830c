/**
 * What the Traces panel shows, from a TraceStore: stored traces plus the spans of calls still
 * running (seen through `subscribe()`), summaries for the list, details for the waterfall, and
 * throttled live updates. No `vscode` import: unit-testable.
 */
import { summarize, type TraceStore, type SpanRecord, type TraceEvent, type TraceRecord } from '../core';
import { truncate } from '../shared/text';
import { compareTraces, matchesFilter, type Span, type TraceFilter, type TraceSummary } from '../shared/trace-protocol';

const LIST_TEXT_CHARS = 200;

/** A list row for a trace (its spans from every server). */
export function toSummary(traceId: string, spans: readonly SpanRecord[]): TraceSummary {
  return recordSummary(summarize(traceId, spans as SpanRecord[]));
}

/** A list row from the store's own summary of a trace. */
export function recordSummary(t: TraceRecord): TraceSummary {
  const traceId = t.traceId;
  // a remote root (aop.remote) carries no task: the remote server's invoke span has it
  const task = t.root.attributes['aop.input.task'] ?? t.spans.find((s) => s.attributes['aop.input.task'] !== undefined)?.attributes['aop.input.task'];
  const error = t.root.status.code === 'error' ? (t.root.status.message ?? t.root.attributes['aop.error']) : undefined;
  return {
    traceId,
    ...(t.agent !== undefined ? { agent: t.agent } : { agent: t.root.name }),
    server: t.root.server,
    servers: t.servers,
    status: t.status,
    open: !(t.root.endMs > 0),
    startMs: t.startMs,
    durationMs: t.durationMs,
    spanCount: t.spans.length,
    ...(typeof task === 'string' ? { task: truncate(task, LIST_TEXT_CHARS) } : {}),
    ...(typeof error === 'string' ? { error: truncate(error, LIST_TEXT_CHARS) } : {}),
  };
}

export interface TraceUpdate {
  trace: TraceSummary;
  /** New or changed spans; only for the selected trace. */
  spans?: Span[];
}

export interface TraceFeedOptions {
  /** Most updates per second (default 10). */
  maxRate?: number;
  /** Traces still running that are tracked at most (default 200; the oldest are dropped). */
  maxLive?: number;
}

export class TraceFeed {
  /** Spans of traces with a call still running, by trace id → span id (records mutate in place). */
  private readonly live = new Map<string, Map<string, SpanRecord>>();
  private readonly dirty = new Map<string, Set<string>>();
  private timer?: NodeJS.Timeout;
  private lastFlush = 0;
  private readonly unsubscribe: () => void;
  private readonly minInterval: number;
  private readonly maxLive: number;
  /** The trace whose spans the view shows (updates carry its changed spans). */
  selected?: string;
  /** Receives throttled updates; set by the panel (no listener: changes are only tracked). */
  onUpdates?: (updates: TraceUpdate[]) => void;

  constructor(
    private readonly store: TraceStore,
    options: TraceFeedOptions = {},
  ) {
    this.minInterval = 1000 / Math.max(1, options.maxRate ?? 10);
    this.maxLive = options.maxLive ?? 200;
    this.unsubscribe = store.subscribe((e) => this.onEvent(e));
  }

  private onEvent(e: TraceEvent): void {
    if (e.type === 'trace-end') {
      const live = this.live.get(e.trace.traceId);
      if (live) {
        for (const s of e.added) live.delete(s.spanId);
        for (const [id, s] of live) if (s.endMs > 0) live.delete(id);
        if (live.size === 0) this.live.delete(e.trace.traceId);
      }
      this.markDirty(e.trace.traceId, e.added);
      return;
    }
    const span = e.span;
    let live = this.live.get(span.traceId);
    if (!live) {
      live = new Map();
      this.live.set(span.traceId, live);
      if (this.live.size > this.maxLive) this.live.delete(this.live.keys().next().value!);
    }
    live.set(span.spanId, span);
    this.markDirty(span.traceId, [span]);
  }

  private markDirty(traceId: string, spans: readonly SpanRecord[]): void {
    let set = this.dirty.get(traceId);
    if (!set) this.dirty.set(traceId, (set = new Set()));
    if (traceId === this.selected) for (const s of spans) set.add(s.spanId);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || !this.onUpdates) return;
    const wait = Math.max(0, this.lastFlush + this.minInterval - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  /** Sends what changed since the last flush (called by the throttle timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = Date.now();
    if (this.dirty.size === 0 || !this.onUpdates) return;
    const updates: TraceUpdate[] = [];
    for (const [traceId, spanIds] of this.dirty) {
      const spans = this.spansOf(traceId);
      if (!spans.length) continue;
      const update: TraceUpdate = { trace: toSummary(traceId, spans) };
      if (traceId === this.selected && spanIds.size) {
        update.spans = spans.filter((s) => spanIds.has(s.spanId)).map(wireSpan);
      }
      updates.push(update);
    }
    this.dirty.clear();
    if (updates.length) this.onUpdates(updates);
  }

  /** Forget pending changes (the view is about to get a full `init`). */
  reset(): void {
    this.dirty.clear();
  }

  /** Every known span of a trace: stored and still running. */
  spansOf(traceId: string): SpanRecord[] {
    const stored = this.store.get(traceId)?.spans ?? [];
    const live = this.live.get(traceId);
    if (!live || live.size === 0) return stored;
    if (stored.length === 0) return [...live.values()];
    const ids = new Set(stored.map((s) => s.spanId));
    const out = stored.slice();
    for (const s of live.values()) if (!ids.has(s.spanId)) out.push(s);
    return out;
  }

  summary(traceId: string): TraceSummary | undefined {
    const spans = this.spansOf(traceId);
    return spans.length ? toSummary(traceId, spans) : undefined;
  }

  detail(traceId: string): { trace: TraceSummary; spans: Span[] } | undefined {
    const spans = this.spansOf(traceId);
    if (!spans.length) return undefined;
    return { trace: toSummary(traceId, spans), spans: spans.map(wireSpan) };
  }

  /** Traces for the list, newest first. */
  query(filter: TraceFilter, limit = 1000): TraceSummary[] {
    const out: TraceSummary[] = [];
    const seen = new Set<string>();
    for (const t of this.store.query({ agent: filter.agent, status: filter.status })) {
      seen.add(t.traceId);
      const s = this.live.has(t.traceId) ? this.summary(t.traceId)! : recordSummary(t);
      if (matchesFilter(s, filter)) out.push(s);
    }
    for (const id of this.live.keys()) {
      if (seen.has(id)) continue;
      const s = this.summary(id);
      if (s && matchesFilter(s, filter)) out.push(s);
    }
    out.sort(compareTraces);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** Agents seen in traces (for the agent filter). */
  agents(extra: readonly string[] = []): string[] {
    const set = new Set(extra);
    for (const t of this.store.query()) if (t.agent) set.add(t.agent);
    return [...set].sort();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    this.onUpdates = undefined;
  }
}

/** A plain copy for postMessage (span records are mutated in place while open). */
export function wireSpan(s: SpanRecord): Span {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind,
    startMs: s.startMs,
    endMs: s.endMs,
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
    attributes: { ...s.attributes },
    ...(s.events?.length ? { events: s.events.map((e) => ({ ...e })) } : {}),
    server: s.server,
  };
}
