/**
 * What the Traces view knows, apart from its DOM: the filter, the invocation list, the selected
 * trace with its spans, the selected span, folded spans and expanded texts. The views read it and
 * the app changes it through these methods. No DOM: unit-tested in node.
 */
import {
  compareTraces,
  matchesFilter,
  type HostMessageOf,
  type Span,
  type TraceFilter,
  type TraceSummary,
  type WebviewState,
} from '../src/shared/trace-protocol';

/** Span ids kept folded in the saved state, at most. */
const MAX_SAVED_COLLAPSED = 1000;

/** The selected trace and its spans. */
export interface Detail {
  trace: TraceSummary;
  spans: Span[];
  /** Index in `spans` by span id. */
  byId: Map<string, number>;
}

/** What a live update did to the list. */
export interface UpdateEffect {
  /** The update's spans went into the selected trace. */
  detailChanged: boolean;
  /** A new agent name appeared (the agent filter gets an option). */
  newAgent: boolean;
  /** The list now follows this new call (select it). */
  follow?: string;
}

/** The filter without empty fields (what is sent and saved). */
export function cleanFilter(filter: TraceFilter): TraceFilter {
  const clean: TraceFilter = {};
  if (filter.agent) clean.agent = filter.agent;
  if (filter.status) clean.status = filter.status;
  if (filter.text?.trim()) clean.text = filter.text;
  return clean;
}

export class TracesState {
  filter: TraceFilter = {};
  traces: TraceSummary[] = [];
  agents: string[] = [];
  selectedTraceId?: string;
  selectedSpanId?: string;
  detail?: Detail;
  /** Span ids whose children are folded in the waterfall. */
  collapsed = new Set<string>();
  /** Detail fields shown in full ("show all"). */
  expanded = new Set<string>();
  /** The host's `init` arrived. */
  initialized = false;
  /** Host clock − webview clock (open spans grow against the host's clock). */
  private clockOffset = 0;

  /** "Now" on the host's clock. */
  now(): number {
    return Date.now() + this.clockOffset;
  }

  /** The state saved with `setState` (and handed back after a reload). */
  saved(): WebviewState {
    return {
      filter: this.filter,
      ...(this.selectedTraceId ? { selectedTraceId: this.selectedTraceId } : {}),
      ...(this.selectedSpanId ? { selectedSpanId: this.selectedSpanId } : {}),
      ...(this.collapsed.size ? { collapsed: [...this.collapsed].slice(0, MAX_SAVED_COLLAPSED) } : {}),
    };
  }

  restore(saved: WebviewState): void {
    this.filter = saved.filter;
    this.selectedTraceId = saved.selectedTraceId;
    this.selectedSpanId = saved.selectedSpanId;
    this.collapsed = new Set(saved.collapsed ?? []);
  }

  /** The host's answer to `ready`. */
  applyInit(m: HostMessageOf<'init'>): void {
    this.initialized = true;
    this.clockOffset = m.now - Date.now();
    this.filter = m.filter;
    this.agents = m.agents;
    this.traces = m.traces;
    if (m.detail) {
      this.selectedTraceId = m.detail.trace.traceId;
      this.setDetail(m.detail.trace, m.detail.spans, m.selectedSpanId);
    } else {
      this.selectedTraceId = undefined;
      this.detail = undefined;
    }
  }

  /** A list (answer to `query`, or pushed with a new filter). */
  applyTraces(m: HostMessageOf<'traces'>): void {
    this.filter = m.filter;
    this.agents = m.agents;
    this.traces = m.traces;
  }

  /** Selects a trace; false when it already is the one shown (nothing to load). */
  selectTrace(traceId: string): boolean {
    if (traceId === this.selectedTraceId && this.detail?.trace.traceId === traceId) return false;
    this.selectedTraceId = traceId;
    this.selectedSpanId = undefined;
    this.collapsed.clear();
    this.expanded.clear();
    this.detail = undefined;
    return true;
  }

  /** The spans of the selected trace arrived; the span selection is kept when it is among them. */
  setDetail(trace: TraceSummary, spans: Span[], selectSpan: string | undefined): void {
    const byId = new Map<string, number>();
    for (let i = 0; i < spans.length; i++) byId.set(spans[i].spanId, i);
    this.detail = { trace, spans, byId };
    this.selectedSpanId = selectSpan && byId.has(selectSpan) ? selectSpan : undefined;
  }

  /** Selects a span; false when it already was. */
  selectSpan(spanId: string): boolean {
    if (this.selectedSpanId === spanId) return false;
    this.selectedSpanId = spanId;
    this.expanded.clear();
    return true;
  }

  /** The selected span (undefined: none, or not among the spans). */
  selectedSpan(): Span | undefined {
    const d = this.detail;
    const i = d && this.selectedSpanId !== undefined ? d.byId.get(this.selectedSpanId) : undefined;
    return i === undefined ? undefined : d!.spans[i];
  }

  /** A trace changed while calls run: the list row (kept in order and in the filter) and the selected trace's spans. */
  applyUpdate(m: HostMessageOf<'traceUpdated'>): UpdateEffect {
    this.clockOffset = m.now - Date.now();
    const t = m.trace;
    const at = this.traces.findIndex((x) => x.traceId === t.traceId);
    const matches = matchesFilter(t, this.filter);
    let inserted = -1;
    if (at >= 0) {
      if (matches) this.traces[at] = t;
      else this.traces.splice(at, 1);
    } else if (matches) {
      let lo = 0;
      let hi = this.traces.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareTraces(this.traces[mid], t) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.traces.splice(lo, 0, t);
      inserted = lo;
    }
    let newAgent = false;
    if (t.agent && !this.agents.includes(t.agent)) {
      this.agents = [...this.agents, t.agent].sort();
      newAgent = true;
    }
    if (t.traceId === this.selectedTraceId && this.detail) {
      const d = this.detail;
      d.trace = t;
      for (const s of m.spans ?? []) {
        const i = d.byId.get(s.spanId);
        if (i === undefined) {
          d.byId.set(s.spanId, d.spans.length);
          d.spans.push(s);
        } else d.spans[i] = s;
      }
      return { detailChanged: true, newAgent };
    }
    if (inserted === 0) {
      // follow: a new call starts while nothing is selected, or while the newest (finished) one is
      const prev = this.traces[1];
      if (!this.selectedTraceId || (prev && prev.traceId === this.selectedTraceId && !prev.open)) return { detailChanged: false, newAgent, follow: t.traceId };
    }
    return { detailChanged: false, newAgent };
  }

  /** Folds or unfolds a span's children. */
  toggle(spanId: string): void {
    if (this.collapsed.has(spanId)) this.collapsed.delete(spanId);
    else this.collapsed.add(spanId);
  }

  /** Shows a detail field in full, or cut again. */
  toggleExpanded(key: string): void {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
  }

  /** Something is still running (the durations on screen grow). */
  isLive(): boolean {
    return !!this.detail?.trace.open || this.traces.some((t) => t.open);
  }

  get filtered(): boolean {
    return !!(this.filter.agent || this.filter.status || this.filter.text);
  }
}
