/**
 * The Traces view: invocation list (left), waterfall of the selected trace (right, top) and the
 * selected span's details (right, bottom). State lives here; the host is asked through requests.
 */
import {
  compareTraces,
  matchesFilter,
  parseWebviewState,
  type HostMessage,
  type HostMessageOf,
  type Span,
  type SpanStatusCode,
  type TraceFilter,
  type TraceSummary,
} from '../src/shared/trace-protocol';
import { h, icon, setClass, setText } from './dom';
import { formatClock, formatDuration, formatOffset, formatTick, truncateText } from './format';
import { HostChannel } from './vscode-api';
import { VirtualList } from './virtual-list';
import { WaterfallLayout, axisTicks, pctOf, visibleRows, type WaterfallRow } from './waterfall-layout';

export const SPAN_ROW_HEIGHT = 22;
export const TRACE_ROW_HEIGHT = 40;
const AXIS_HEIGHT = 24;
const TEXT_PREVIEW = 600;
const VALUE_PREVIEW = 300;
const MAX_MARKS = 6;

interface SelectElement extends HTMLElement {
  value: string;
}

interface Detail {
  trace: TraceSummary;
  spans: Span[];
  /** Index in `spans` by span id. */
  byId: Map<string, number>;
}

/** What a span is, for its icon and bar style. */
function spanKind(s: Span): { icon: string; cls: string } {
  const n = s.name;
  if (n.startsWith('aop.invoke')) return { icon: 'hubot', cls: 'k-invoke' };
  if (n.startsWith('aop.remote')) return { icon: 'remote', cls: 'k-remote' };
  if (n.startsWith('aop.attempt')) {
    const k = Number(n.slice('aop.attempt'.length));
    return { icon: k > 1 ? 'debug-restart' : 'play', cls: k > 1 ? 'k-attempt k-retry' : 'k-attempt' };
  }
  if (n.startsWith('aop.backoff')) return { icon: 'watch', cls: 'k-backoff' };
  if (n.startsWith('aop.queue')) return { icon: 'history', cls: 'k-queue' };
  if (n.startsWith('aop.model')) return { icon: 'sparkle', cls: 'k-model' };
  if (n.startsWith('aop.validate')) return { icon: 'check-all', cls: 'k-validate' };
  return { icon: s.kind === 'client' ? 'arrow-swap' : 'symbol-event', cls: 'k-other' };
}

function statusIcon(status: SpanStatusCode, open: boolean): HTMLSpanElement {
  if (open) return icon('loading', 'codicon-modifier-spin st-open');
  if (status === 'error') return icon('error', 'st-error');
  if (status === 'ok') return icon('pass-filled', 'st-ok');
  return icon('circle-large-outline', 'st-unset');
}

function statusLabel(status: SpanStatusCode, open: boolean): string {
  return open ? 'running' : status === 'error' ? 'error' : status === 'ok' ? 'ok' : 'unset';
}

function attrString(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(', ') : String(v);
}

export class TracesApp {
  private readonly channel: HostChannel;
  private filter: TraceFilter = {};
  private traces: TraceSummary[] = [];
  private agents: string[] = [];
  private selectedTraceId?: string;
  private detail?: Detail;
  private layout?: WaterfallLayout;
  /** Visible rows when some are collapsed; null: every row (row k is visible row k). */
  private visible: Int32Array | null = null;
  private completeTimer = 0;
  private collapsed = new Set<string>();
  private selectedSpanId?: string;
  private clockOffset = 0;
  private initialized = false;
  private measured = false;
  private latestQuery?: string;
  private latestSelect?: string;
  private readonly busy = new Map<string, HTMLElement>();
  private relayoutFrame = 0;
  private listFrame = 0;
  private ticker = 0;
  private toastTimer = 0;
  private queryTimer = 0;
  /** Full text shown for these detail fields ("show all"). */
  private expanded = new Set<string>();

  // elements
  private readonly root: HTMLElement;
  private readonly search: SelectElement;
  private readonly agentSelect: SelectElement;
  private readonly statusSelect: SelectElement;
  private readonly countEl: HTMLElement;
  private readonly listScroller: HTMLElement;
  private readonly list: VirtualList;
  private readonly listEmpty: HTMLElement;
  private readonly head: HTMLElement;
  private readonly waterfall: HTMLElement;
  private readonly wfScroller: HTMLElement;
  private readonly axisTrack: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly spans: VirtualList;
  private readonly wfEmpty: HTMLElement;
  private readonly details: HTMLElement;
  private readonly toast: HTMLElement;
  private readonly actions: Record<'open' | 'rerun' | 'export' | 'copy', HTMLElement>;

  constructor(root: HTMLElement) {
    this.root = root;
    this.channel = new HostChannel(
      (m) => this.onMessage(m),
      (error) => this.showToast(`Ignored a message from the extension: ${error}`, true),
    );

    // ---- toolbar
    this.search = h('vscode-textfield', { placeholder: 'Filter: agent, task, trace id, server, error', 'aria-label': 'Filter traces', 'data-testid': 'filter-text' }) as SelectElement;
    const searchIcon = h('vscode-icon', { name: 'search', slot: 'content-before' });
    this.search.append(searchIcon);
    this.agentSelect = h('vscode-single-select', { 'aria-label': 'Agent', 'data-testid': 'filter-agent' }) as SelectElement;
    this.statusSelect = h('vscode-single-select', { 'aria-label': 'Status', 'data-testid': 'filter-status' }) as SelectElement;
    for (const [value, label] of [
      ['', 'All statuses'],
      ['ok', 'OK'],
      ['error', 'Error'],
      ['unset', 'Running / unset'],
    ]) this.statusSelect.append(h('vscode-option', { value, text: label }));
    this.agentSelect.append(h('vscode-option', { value: '', text: 'All agents' }));
    const refresh = h('vscode-button', { icon: 'refresh', secondary: true, title: 'Refresh', 'aria-label': 'Refresh', 'icon-only': true });
    this.countEl = h('span', { class: 'count', 'aria-live': 'polite' });
    const toolbar = h('header', { class: 'toolbar' }, this.search, this.agentSelect, this.statusSelect, refresh, this.countEl);

    // ---- invocation list
    this.listScroller = h('div', { class: 'list-scroll', role: 'listbox', tabindex: 0, 'aria-label': 'Invocations', 'data-testid': 'trace-list' });
    this.listEmpty = h('div', { class: 'empty', hidden: true });
    this.list = new VirtualList({
      scroller: this.listScroller,
      rowHeight: TRACE_ROW_HEIGHT,
      createRow: () => this.createTraceRow(),
      bindRow: (el, i) => this.bindTraceRow(el, i),
    });
    const listPane = h('section', { class: 'list-pane' }, this.listScroller, this.listEmpty);

    // ---- trace header + actions
    const button = (iconName: string, text: string, title: string, testid: string) =>
      h('vscode-button', { icon: iconName, secondary: true, title, 'data-testid': testid }, text);
    this.actions = {
      open: button('go-to-file', 'Definition', "Open the agent's definition", 'action-open'),
      rerun: button('debug-rerun', 'Re-run', 'Run the agent again with the same task', 'action-rerun'),
      export: button('export', 'Export', 'Save the trace as OTLP/JSON', 'action-export'),
      copy: button('copy', 'Copy JSON', 'Copy the trace (spans) as JSON', 'action-copy'),
    };
    this.head = h('div', { class: 'trace-head', 'data-testid': 'trace-head' });
    const headBar = h('div', { class: 'trace-headbar' }, this.head, h('div', { class: 'actions' }, ...Object.values(this.actions)));

    // ---- waterfall
    this.axisTrack = h('div', { class: 'axis-track' });
    const axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' }, h('div', { class: 'axis-label', text: 'Span' }), this.axisTrack);
    this.grid = h('div', { class: 'wf-grid', 'aria-hidden': 'true' });
    this.wfScroller = h('div', { class: 'wf-scroll', role: 'tree', tabindex: 0, 'aria-label': 'Spans' }, axis);
    this.spans = new VirtualList({
      scroller: this.wfScroller,
      rowHeight: SPAN_ROW_HEIGHT,
      headerHeight: AXIS_HEIGHT,
      underlay: this.grid,
      createRow: () => this.createSpanRow(),
      bindRow: (el, i) => this.bindSpanRow(el, i),
    });
    this.wfEmpty = h('div', { class: 'empty', text: 'Loading…' });
    this.waterfall = h('section', { class: 'waterfall', 'data-testid': 'waterfall', 'data-span-count': '0' }, this.wfScroller, this.wfEmpty);

    // ---- details + splitter
    this.details = h('section', { class: 'details', 'data-testid': 'span-details', 'aria-label': 'Span details' });
    const splitter = h('div', { class: 'splitter', role: 'separator', 'aria-orientation': 'horizontal', tabindex: -1 });
    const main = h('section', { class: 'main-pane' }, headBar, this.waterfall, splitter, this.details);

    this.toast = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: true });
    root.classList.add('traces');
    root.append(toolbar, listPane, main, this.toast);

    // ---- events
    this.search.addEventListener('input', () => {
      clearTimeout(this.queryTimer);
      this.queryTimer = window.setTimeout(() => this.setFilter({ ...this.filter, text: this.search.value || undefined }), 150);
    });
    this.agentSelect.addEventListener('change', () => this.setFilter({ ...this.filter, agent: this.agentSelect.value || undefined }));
    this.statusSelect.addEventListener('change', () =>
      this.setFilter({ ...this.filter, status: (this.statusSelect.value || undefined) as SpanStatusCode | undefined }),
    );
    refresh.addEventListener('click', () => this.query());
    this.listScroller.addEventListener('click', (e) => {
      const i = this.list.indexOf(e.target as Element);
      if (i >= 0) this.selectTrace(this.traces[i].traceId);
    });
    this.listScroller.addEventListener('keydown', (e) => this.onListKey(e));
    this.wfScroller.addEventListener('click', (e) => {
      const i = this.spans.indexOf(e.target as Element);
      if (i < 0) return;
      const row = this.rowAt(i);
      if ((e.target as Element).closest('.twisty')) this.toggle(row.spanId);
      else this.selectSpan(row.spanId);
    });
    this.wfScroller.addEventListener('dblclick', (e) => {
      const i = this.spans.indexOf(e.target as Element);
      if (i >= 0) this.toggle(this.rowAt(i).spanId);
    });
    this.wfScroller.addEventListener('keydown', (e) => this.onSpanKey(e));
    this.actions.open.addEventListener('click', () => this.action('openDefinition', this.actions.open));
    this.actions.rerun.addEventListener('click', () => this.action('rerun', this.actions.rerun));
    this.actions.export.addEventListener('click', () => this.action('exportTrace', this.actions.export));
    this.actions.copy.addEventListener('click', () => this.action('copyJson', this.actions.copy));
    this.details.addEventListener('click', (e) => {
      const btn = (e.target as Element).closest<HTMLElement>('[data-expand]');
      if (!btn) return;
      const key = btn.dataset.expand!;
      if (this.expanded.has(key)) this.expanded.delete(key);
      else this.expanded.add(key);
      this.renderDetails();
    });
    this.installSplitter(splitter, main);

    this.renderHead();
    this.renderDetails();
    const state = parseWebviewState(this.channel.getState());
    if (state) {
      this.filter = state.filter;
      this.selectedTraceId = state.selectedTraceId;
      this.selectedSpanId = state.selectedSpanId;
      this.collapsed = new Set(state.collapsed ?? []);
      this.syncControls();
    }
    this.channel.request({ type: 'ready', ...(state ? { state } : {}) });
  }

  // ---- messages -------------------------------------------------------------------------------------

  private onMessage(m: HostMessage): void {
    switch (m.type) {
      case 'init':
        return this.onInit(m);
      case 'traces':
        if (m.requestId && m.requestId !== this.latestQuery) return; // a newer query is on its way
        this.filter = m.filter;
        this.agents = m.agents;
        this.traces = m.traces;
        this.syncControls();
        this.renderList();
        this.save();
        return;
      case 'traceUpdated':
        return this.onTraceUpdated(m);
      case 'traceDetail':
        if (m.requestId !== this.latestSelect) return;
        this.setDetail(m.trace, m.spans, this.selectedSpanId);
        return;
      case 'ack':
        this.unbusy(m.requestId);
        if (m.message) this.showToast(m.message, false);
        return;
      case 'error':
        if (m.requestId) this.unbusy(m.requestId);
        if (m.requestId && m.requestId === this.latestSelect) {
          this.detail = undefined;
          this.layout = undefined;
          this.renderWaterfall();
        }
        this.showToast(m.message, true);
        return;
    }
  }

  private onInit(m: HostMessageOf<'init'>): void {
    this.initialized = true;
    this.clockOffset = m.now - Date.now();
    this.filter = m.filter;
    this.agents = m.agents;
    this.traces = m.traces;
    // the filter controls (web components) re-render after the rows are on screen
    requestAnimationFrame(() => setTimeout(() => this.syncControls(), 0));
    this.renderList();
    if (m.detail) {
      this.selectedTraceId = m.detail.trace.traceId;
      this.setDetail(m.detail.trace, m.detail.spans, m.selectedSpanId);
    } else {
      this.selectedTraceId = undefined;
      this.detail = undefined;
      this.layout = undefined;
      this.renderWaterfall();
    }
    this.save();
  }

  private onTraceUpdated(m: HostMessageOf<'traceUpdated'>): void {
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
    if (t.agent && !this.agents.includes(t.agent)) {
      this.agents = [...this.agents, t.agent].sort();
      this.syncAgentOptions();
    }
    this.scheduleList();

    if (t.traceId === this.selectedTraceId && this.detail) {
      this.detail.trace = t;
      for (const s of m.spans ?? []) {
        const i = this.detail.byId.get(s.spanId);
        if (i === undefined) {
          this.detail.byId.set(s.spanId, this.detail.spans.length);
          this.detail.spans.push(s);
        } else this.detail.spans[i] = s;
      }
      this.scheduleRelayout();
    } else if (inserted === 0) {
      // follow: a new call starts while nothing is selected, or while the newest (finished) one is
      const prev = this.traces[1];
      if (!this.selectedTraceId || (prev && prev.traceId === this.selectedTraceId && !prev.open)) this.selectTrace(t.traceId);
    }
    this.updateTicker();
  }

  // ---- requests ----------------------------------------------------------------------------------

  private setFilter(filter: TraceFilter): void {
    const clean: TraceFilter = {};
    if (filter.agent) clean.agent = filter.agent;
    if (filter.status) clean.status = filter.status;
    if (filter.text?.trim()) clean.text = filter.text;
    this.filter = clean;
    this.save();
    this.query();
  }

  private query(): void {
    this.latestQuery = this.channel.request({ type: 'query', filter: this.filter });
  }

  selectTrace(traceId: string): void {
    if (traceId === this.selectedTraceId && this.detail?.trace.traceId === traceId) return;
    this.selectedTraceId = traceId;
    this.selectedSpanId = undefined;
    this.collapsed.clear();
    this.expanded.clear();
    this.detail = undefined;
    this.layout = undefined;
    this.latestSelect = this.channel.request({ type: 'selectTrace', traceId });
    this.list.refresh();
    this.renderWaterfall('Loading…');
    this.save();
  }

  private action(type: 'openDefinition' | 'rerun' | 'exportTrace' | 'copyJson', button: HTMLElement): void {
    if (!this.selectedTraceId) return;
    const id = this.channel.request({ type, traceId: this.selectedTraceId });
    button.setAttribute('disabled', '');
    this.busy.set(id, button);
  }

  private unbusy(requestId: string): void {
    const b = this.busy.get(requestId);
    if (!b) return;
    this.busy.delete(requestId);
    b.removeAttribute('disabled');
  }

  private save(): void {
    this.channel.setState({
      filter: this.filter,
      ...(this.selectedTraceId ? { selectedTraceId: this.selectedTraceId } : {}),
      ...(this.selectedSpanId ? { selectedSpanId: this.selectedSpanId } : {}),
      ...(this.collapsed.size ? { collapsed: [...this.collapsed].slice(0, 1000) } : {}),
    });
  }

  // ---- list ----------------------------------------------------------------------------------------

  private syncControls(): void {
    if ((this.search.value ?? '') !== (this.filter.text ?? '') && document.activeElement !== this.search) this.search.value = this.filter.text ?? '';
    this.syncAgentOptions();
    this.statusSelect.value = this.filter.status ?? '';
  }

  private syncAgentOptions(): void {
    const wanted = ['', ...new Set([...this.agents, ...(this.filter.agent ? [this.filter.agent] : [])])];
    const have = Array.from(this.agentSelect.querySelectorAll('vscode-option')).map((o) => o.getAttribute('value') ?? '');
    if (wanted.join('\n') !== have.join('\n')) {
      this.agentSelect.replaceChildren(...wanted.map((a) => h('vscode-option', { value: a, text: a || 'All agents' })));
    }
    const value = this.filter.agent ?? '';
    // the options are slotted asynchronously: set the value once they are in
    queueMicrotask(() => {
      if (this.agentSelect.value !== value) this.agentSelect.value = value;
    });
  }

  private scheduleList(): void {
    if (this.listFrame) return;
    this.listFrame = requestAnimationFrame(() => {
      this.listFrame = 0;
      this.renderList();
    });
  }

  private renderList(): void {
    this.list.setCount(this.traces.length);
    const n = this.traces.length;
    setText(this.countEl, `${n} trace${n === 1 ? '' : 's'}`);
    const filtered = !!(this.filter.agent || this.filter.status || this.filter.text);
    this.listEmpty.hidden = n > 0;
    if (n === 0) {
      this.listEmpty.replaceChildren(
        icon('pulse'),
        h('p', { text: filtered ? 'No trace matches the filter.' : 'No traces yet.' }),
        h('p', { class: 'dim', text: filtered ? 'Clear the filter to see every invocation.' : 'Invoke an agent (AOP: Invoke Agent…) and its trace appears here live.' }),
      );
    }
  }

  private createTraceRow(): HTMLElement {
    return h(
      'div',
      { class: 'trace-row', role: 'option', 'data-testid': 'trace-row' },
      h('span', { class: 'tr-status' }),
      h(
        'div',
        { class: 'tr-main' },
        h('div', { class: 'tr-line' }, h('span', { class: 'tr-agent' }), h('span', { class: 'tr-dur' })),
        h('div', { class: 'tr-line dim' }, h('span', { class: 'tr-time' }), h('span', { class: 'tr-server' }), h('span', { class: 'tr-task' })),
      ),
    );
  }

  private bindTraceRow(el: HTMLElement, i: number): void {
    const t = this.traces[i];
    el.dataset.traceId = t.traceId;
    el.dataset.status = t.open ? 'running' : t.status;
    const selected = t.traceId === this.selectedTraceId;
    setClass(el, `trace-row vlist-row${selected ? ' selected' : ''}`);
    el.setAttribute('aria-selected', String(selected));
    el.setAttribute('aria-posinset', String(i + 1));
    el.setAttribute('aria-setsize', String(this.traces.length));
    const status = el.children[0] as HTMLElement;
    const key = `${t.status}:${t.open}`;
    if (status.dataset.key !== key) {
      status.dataset.key = key;
      status.replaceChildren(statusIcon(t.status, t.open));
      status.title = statusLabel(t.status, t.open);
    }
    const lines = el.children[1].children;
    const line1 = lines[0];
    const line2 = lines[1];
    setText(line1.children[0], t.agent ?? '(unknown)');
    setText(line1.children[1], t.open ? `${formatDuration(Math.max(t.durationMs, this.now() - t.startMs))}…` : formatDuration(t.durationMs));
    setText(line2.children[0], formatClock(t.startMs));
    setText(line2.children[1], t.server);
    setText(line2.children[2], t.error ?? t.task ?? '');
    (line2.children[2] as HTMLElement).classList.toggle('err', !!t.error);
    el.title = `${t.agent ?? ''} · ${statusLabel(t.status, t.open)} · ${t.spanCount} spans · trace ${t.traceId}${t.task ? `\n${t.task}` : ''}${t.error ? `\n${t.error}` : ''}`;
  }

  private onListKey(e: KeyboardEvent): void {
    const n = this.traces.length;
    if (!n) return;
    const cur = this.traces.findIndex((t) => t.traceId === this.selectedTraceId);
    let next = cur;
    if (e.key === 'ArrowDown') next = Math.min(n - 1, cur + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, cur < 0 ? 0 : cur - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'PageDown') next = Math.min(n - 1, cur + 10);
    else if (e.key === 'PageUp') next = Math.max(0, cur - 10);
    else return;
    e.preventDefault();
    if (next !== cur && next >= 0) {
      this.selectTrace(this.traces[next].traceId);
      this.list.scrollToIndex(next);
    }
  }

  // ---- waterfall -----------------------------------------------------------------------------------

  private now(): number {
    return Date.now() + this.clockOffset;
  }

  private setDetail(trace: TraceSummary, spans: Span[], selectSpan: string | undefined): void {
    const byId = new Map<string, number>();
    for (let i = 0; i < spans.length; i++) byId.set(spans[i].spanId, i);
    this.detail = { trace, spans, byId };
    // the selection first: the rows are bound once, with it
    this.selectedSpanId = selectSpan && byId.has(selectSpan) ? selectSpan : undefined;
    this.relayout();
    if (this.selectedSpanId === undefined && this.layout?.count) {
      this.selectedSpanId = this.layout.row(0).spanId;
      this.spans.refresh();
    }
    this.renderDetails();
    this.list.refresh();
    this.save();
    this.updateTicker();
  }

  private scheduleRelayout(): void {
    if (this.relayoutFrame) return;
    this.relayoutFrame = requestAnimationFrame(() => {
      this.relayoutFrame = 0;
      this.relayout();
      this.renderDetails();
    });
  }

  private relayout(): void {
    const d = this.detail;
    const t0 = performance.now();
    this.layout = d ? new WaterfallLayout(d.spans, { nowMs: this.now() }) : undefined;
    const t1 = performance.now();
    this.renderWaterfall();
    if (d && !this.measured) {
      // first waterfall of this view: timings for the bench and the e2e suite
      this.measured = true;
      performance.measure('aop:layout', { start: t0, end: t1 });
      performance.measure('aop:render', { start: t1 });
    }
  }

  private renderWaterfall(emptyText?: string): void {
    const layout = this.layout;
    const d = this.detail;
    this.renderHead();
    if (!layout || !d) {
      this.visible = null;
      this.spans.setCount(0);
      this.waterfall.dataset.spanCount = '0';
      delete this.waterfall.dataset.traceId;
      this.wfEmpty.hidden = false;
      this.wfEmpty.textContent =
        emptyText ?? (this.selectedTraceId ? 'This trace is no longer stored.' : this.traces.length ? 'Select an invocation to see its spans.' : 'No trace selected.');
      this.axisTrack.replaceChildren();
      this.grid.replaceChildren();
      return;
    }
    this.wfEmpty.hidden = true;
    this.visible = this.collapsed.size ? visibleRows(layout, this.collapsed) : null;
    const ticks = axisTicks(layout.totalMs, 6);
    this.axisTrack.replaceChildren(
      ...ticks.map((t) => {
        const el = h('span', { class: 'tick', text: formatTick(t.ms) });
        el.style.left = `${t.pct}%`;
        if (t.pct > 92) el.classList.add('end');
        return el;
      }),
    );
    this.grid.replaceChildren(
      ...ticks.map((t) => {
        const el = h('div', { class: 'gridline' });
        el.style.left = `${t.pct}%`;
        return el;
      }),
    );
    this.waterfall.dataset.spanCount = String(d.spans.length);
    this.waterfall.dataset.traceId = d.trace.traceId;
    this.spans.setCount(this.visibleCount());
    this.completeSoon(layout);
  }

  private visibleCount(): number {
    return this.visible ? this.visible.length : (this.layout?.count ?? 0);
  }

  /** Visible index of a row index (-1: folded away). */
  private visibleIndexOf(row: number): number {
    return this.visible ? this.visible.indexOf(row) : row;
  }

  private rowAt(visibleIndex: number): WaterfallRow {
    return this.layout!.row(this.visible ? this.visible[visibleIndex] : visibleIndex);
  }

  /** After the first frame, make the rest of the rows in slices (the first screen needed ~50). */
  private completeSoon(layout: WaterfallLayout): void {
    clearTimeout(this.completeTimer);
    const step = () => {
      if (layout !== this.layout || layout.isComplete) return;
      layout.ensure(layout.rows.length + 2000);
      if (layout.rows.length >= layout.count) layout.complete();
      else this.completeTimer = window.setTimeout(step, 0);
    };
    this.completeTimer = window.setTimeout(step, 16);
  }

  private createSpanRow(): HTMLElement {
    return h(
      'div',
      { class: 'span-row', role: 'treeitem', 'data-testid': 'span-row' },
      h(
        'div',
        { class: 'span-label' },
        h('span', { class: 'twisty' }),
        h('span', { class: 'kind' }),
        h('span', { class: 'span-name' }),
        h('span', { class: 'hop', hidden: true }, icon('remote'), h('span')),
      ),
      h('div', { class: 'span-track' }, h('div', { class: 'bar' }), h('span', { class: 'span-dur' }), h('div', { class: 'marks' })),
    );
  }

  private bindSpanRow(el: HTMLElement, vi: number): void {
    const layout = this.layout!;
    const row = this.rowAt(vi);
    const s = this.detail!.spans[row.index];
    const selected = s.spanId === this.selectedSpanId;
    const kind = spanKind(s);
    const status = s.status.code;
    setClass(el, `span-row vlist-row${selected ? ' selected' : ''}${row.hop ? ' is-hop' : ''}`);
    el.dataset.spanId = s.spanId;
    el.dataset.status = row.open ? 'running' : status;
    el.setAttribute('aria-level', String(row.depth + 1));
    el.setAttribute('aria-selected', String(selected));
    if (row.childCount) el.setAttribute('aria-expanded', String(!this.collapsed.has(s.spanId)));
    else el.removeAttribute('aria-expanded');

    const [label, track] = el.children as unknown as [HTMLElement, HTMLElement];
    label.style.paddingLeft = `${4 + row.depth * 14}px`;
    const [twisty, kindEl, name, hop] = label.children as unknown as HTMLElement[];
    setClass(twisty, row.childCount ? `twisty codicon codicon-chevron-${this.collapsed.has(s.spanId) ? 'right' : 'down'}` : 'twisty');
    setClass(kindEl, `kind codicon codicon-${status === 'error' ? 'error' : kind.icon}${status === 'error' ? ' st-error' : ''}`);
    setText(name, s.name);
    const remoteServer = row.hop ? s.server : s.name.startsWith('aop.remote') ? attrString(s.attributes['aop.remote.server'] ?? s.attributes['server.address'] ?? '') : '';
    hop.hidden = !remoteServer;
    if (remoteServer) {
      // the server's name (before "@host:port"); the whole id is in the tooltip
      const short = remoteServer.replace(/^cluster /, '').split('@')[0] || remoteServer;
      setText(hop.children[1], row.hop ? `@${short}` : `→ ${short}`);
      hop.title = row.hop
        ? `remote hop: recorded by server ${s.server}${row.skewMs ? ` (clock skew corrected by ${formatDuration(Math.abs(row.skewMs))})` : ''}`
        : `call to ${remoteServer}`;
    }

    const [bar, dur, marks] = track.children as unknown as HTMLElement[];
    setClass(bar, `bar st-${status} ${kind.cls}${row.open ? ' open' : ''}${row.durationMs === 0 ? ' zero' : ''}`);
    bar.style.left = `${row.leftPct}%`;
    bar.style.width = `${row.widthPct}%`;
    const end = row.leftPct + row.widthPct;
    setText(dur, `${formatDuration(row.durationMs)}${row.open ? '…' : ''}`);
    if (end <= 82) {
      setClass(dur, 'span-dur after');
      dur.style.left = `${end}%`;
      dur.style.right = '';
    } else if (row.leftPct >= 18) {
      setClass(dur, 'span-dur before');
      dur.style.left = '';
      dur.style.right = `${100 - row.leftPct}%`;
    } else {
      setClass(dur, 'span-dur inside');
      dur.style.left = '';
      dur.style.right = `${100 - end}%`;
    }
    // events (exceptions, first token) as ticks on the bar
    const events = s.events ?? [];
    const count = Math.min(events.length, MAX_MARKS);
    while (marks.children.length < count) marks.append(h('span', { class: 'mark' }));
    for (let k = 0; k < marks.children.length; k++) {
      const m = marks.children[k] as HTMLElement;
      if (k >= count) {
        m.hidden = true;
        continue;
      }
      const ev = events[k];
      m.hidden = false;
      m.style.left = `${pctOf(layout, ev.timeMs + row.shiftMs)}%`;
      setClass(m, `mark${ev.name === 'exception' ? ' exc' : ''}`);
      m.title = ev.name;
    }
    el.title = `${s.name} · ${formatDuration(row.durationMs)} · ${statusLabel(status, row.open)}${s.status.message ? ` · ${s.status.message}` : ''} · @${s.server}`;
  }

  private selectSpan(spanId: string): void {
    if (this.selectedSpanId === spanId) return;
    this.selectedSpanId = spanId;
    this.expanded.clear();
    this.spans.refresh();
    this.renderDetails();
    this.save();
  }

  private toggle(spanId: string): void {
    if (this.collapsed.has(spanId)) this.collapsed.delete(spanId);
    else {
      this.collapsed.add(spanId);
      // folding away the selected span selects the folded one (as trees do)
      const layout = this.layout?.complete();
      const r = layout?.rowOf(spanId);
      const sel = this.selectedSpanId !== undefined ? layout?.rowOf(this.selectedSpanId) : undefined;
      if (layout && r !== undefined && sel !== undefined && sel > r && sel < layout.rows[r].subtreeEnd) this.selectSpan(spanId);
    }
    if (this.layout) {
      this.visible = this.collapsed.size ? visibleRows(this.layout, this.collapsed) : null;
      this.spans.setCount(this.visibleCount());
    }
    this.save();
  }

  private onSpanKey(e: KeyboardEvent): void {
    const layout = this.layout;
    const count = this.visibleCount();
    if (!layout || !count) return;
    const rowIndex = this.selectedSpanId !== undefined ? layout.rowOf(this.selectedSpanId) : undefined;
    let vi = rowIndex === undefined ? -1 : this.visibleIndexOf(rowIndex);
    const row = vi >= 0 ? this.rowAt(vi) : undefined;
    switch (e.key) {
      case 'ArrowDown':
        vi = Math.min(count - 1, vi + 1);
        break;
      case 'ArrowUp':
        vi = Math.max(0, vi - 1);
        break;
      case 'Home':
        vi = 0;
        break;
      case 'End':
        vi = count - 1;
        break;
      case 'PageDown':
        vi = Math.min(count - 1, vi + 20);
        break;
      case 'PageUp':
        vi = Math.max(0, vi - 20);
        break;
      case 'ArrowRight':
        if (row && row.childCount && this.collapsed.has(row.spanId)) {
          this.toggle(row.spanId);
          e.preventDefault();
          return;
        }
        if (row && row.childCount) vi = vi + 1;
        break;
      case 'ArrowLeft':
        if (row && row.childCount && !this.collapsed.has(row.spanId)) {
          this.toggle(row.spanId);
          e.preventDefault();
          return;
        }
        if (row && row.parentRow >= 0) vi = this.visibleIndexOf(row.parentRow);
        break;
      case 'Enter':
      case ' ':
        if (row?.childCount) this.toggle(row.spanId);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    if (vi >= 0) {
      this.selectSpan(this.rowAt(vi).spanId);
      this.spans.scrollToIndex(vi);
    }
  }

  private updateTicker(): void {
    const live = !!this.detail?.trace.open || this.traces.some((t) => t.open);
    if (live && !this.ticker) {
      this.ticker = window.setInterval(() => {
        if (this.detail?.trace.open) this.scheduleRelayout();
        if (this.traces.some((t) => t.open)) this.list.refresh();
        else if (!this.detail?.trace.open) {
          clearInterval(this.ticker);
          this.ticker = 0;
        }
      }, 250);
    }
  }

  // ---- header + details ----------------------------------------------------------------------------

  private renderHead(): void {
    const d = this.detail;
    const has = !!d;
    for (const b of Object.values(this.actions)) {
      if (!has) b.setAttribute('disabled', '');
      else if (![...this.busy.values()].includes(b)) b.removeAttribute('disabled');
    }
    if (!d) {
      this.head.replaceChildren(h('span', { class: 'dim', text: this.initialized ? 'No trace selected' : 'Loading traces…' }));
      return;
    }
    const t = d.trace;
    let attempts = 0;
    let retries = 0;
    let backoffs = 0;
    let remotes = 0;
    for (const s of d.spans) {
      if (s.name.startsWith('aop.attempt')) {
        attempts++;
        if (Number(s.name.slice('aop.attempt'.length)) > 1) retries++;
      }
      else if (s.name.startsWith('aop.backoff')) backoffs++;
      else if (s.name.startsWith('aop.remote')) remotes++;
    }
    const meta: string[] = [
      `${t.open ? 'started' : 'ran'} ${formatClock(t.startMs)}`,
      `${t.spanCount} span${t.spanCount === 1 ? '' : 's'}`,
      t.servers.length > 1 ? `${t.servers.length} servers` : `@${t.server}`,
    ];
    if (attempts) meta.push(`${attempts} attempt${attempts === 1 ? '' : 's'}${retries ? ` (${retries} retr${retries === 1 ? 'y' : 'ies'})` : ''}`);
    if (backoffs) meta.push(`${backoffs} backoff${backoffs === 1 ? '' : 's'}`);
    if (remotes) meta.push(`${remotes} remote hop${remotes === 1 ? '' : 's'}`);
    this.head.replaceChildren(
      h(
        'div',
        { class: 'th-title' },
        statusIcon(t.status, t.open),
        h('span', { class: 'th-agent', text: t.agent ?? '(unknown)' }),
        h('span', { class: `chip st-${t.open ? 'running' : t.status}`, text: statusLabel(t.status, t.open) }),
        h('span', { class: 'th-dur', text: t.open ? `${formatDuration(Math.max(t.durationMs, this.now() - t.startMs))}…` : formatDuration(t.durationMs) }),
        h('span', { class: 'th-id dim', title: t.traceId, text: `trace ${t.traceId.slice(0, 12)}…` }),
      ),
      h('div', { class: 'th-meta dim', text: meta.join(' · ') }),
    );
  }

  private renderDetails(): void {
    const d = this.detail;
    const layout = this.layout;
    const i = d && this.selectedSpanId ? d.byId.get(this.selectedSpanId) : undefined;
    if (!d || !layout || i === undefined) {
      this.details.replaceChildren(h('div', { class: 'empty', text: d ? 'Select a span to see its attributes, events, input and output.' : '' }));
      return;
    }
    const s = d.spans[i];
    const row = layout.row(layout.rowOf(s.spanId)!);
    const status = s.status.code;
    const kv = (k: string, v: Node | string) => [h('dt', { text: k }), h('dd', null, v)];
    const parent = s.parentSpanId !== undefined ? d.byId.get(s.parentSpanId) : undefined;
    const meta = h(
      'dl',
      { class: 'meta' },
      ...kv('Duration', `${formatDuration(row.durationMs)}${row.open ? ' (running)' : ''}`),
      ...kv('Start', `${formatOffset(row.offsetMs)} · ${formatClock(s.startMs)}`),
      ...kv('Server', s.server),
      ...kv('Kind', s.kind),
      ...kv('Span', s.spanId),
      ...kv('Parent', parent !== undefined ? `${d.spans[parent].name} (${s.parentSpanId})` : (s.parentSpanId ?? '—')),
      ...(row.skewMs ? kv('Clock skew', `shifted by ${formatDuration(Math.abs(row.skewMs))} to fit its caller`) : []),
      ...(row.clamped ? kv('Clamped', 'drawn inside its parent (it overhangs it)') : []),
    );
    const sections: Node[] = [
      h('div', { class: 'd-title' }, statusIcon(status, row.open), h('span', { class: 'd-name', text: s.name }), h('span', { class: `chip st-${row.open ? 'running' : status}`, text: statusLabel(status, row.open) })),
      meta,
    ];
    if (s.status.message) sections.push(this.textBlock('Error', s.status.message, `${s.spanId}:status`, 'err'));
    const shown = new Set<string>();
    for (const [key, title] of [
      ['aop.input.task', 'Input task'],
      ['aop.output', 'Output'],
      ['aop.error', 'Error output'],
    ] as const) {
      const v = s.attributes[key];
      if (v === undefined) continue;
      shown.add(key);
      sections.push(this.textBlock(title, attrString(v), `${s.spanId}:${key}`, key === 'aop.error' ? 'err' : ''));
    }
    const attrs = Object.keys(s.attributes)
      .filter((k) => !shown.has(k))
      .sort();
    if (attrs.length) {
      sections.push(
        h('h4', { text: `Attributes (${attrs.length})` }),
        h(
          'table',
          { class: 'attrs' },
          h(
            'tbody',
            null,
            ...attrs.map((k) => {
              const full = attrString(s.attributes[k]);
              const key = `${s.spanId}:a:${k}`;
              const open = this.expanded.has(key);
              const { text, cut } = open ? { text: full, cut: true } : truncateText(full, VALUE_PREVIEW);
              return h('tr', null, h('th', { text: k, title: k }), h('td', null, text, cut ? this.expandButton(key, open, full.length) : null));
            }),
          ),
        ),
      );
    }
    const events = s.events ?? [];
    if (events.length) {
      sections.push(
        h('h4', { text: `Events (${events.length})` }),
        h(
          'ul',
          { class: 'events' },
          ...events.map((ev) => {
            const attrsText = Object.entries(ev.attributes ?? {})
              .map(([k, v]) => `${k}=${attrString(v)}`)
              .join('  ');
            return h(
              'li',
              { class: ev.name === 'exception' ? 'err' : '' },
              h('span', { class: 'ev-time', text: formatOffset(ev.timeMs + row.shiftMs - layout.startMs) }),
              h('span', { class: 'ev-name', text: ev.name }),
              attrsText ? h('span', { class: 'ev-attrs', text: truncateText(attrsText, 400).text }) : null,
            );
          }),
        ),
      );
    }
    this.details.replaceChildren(...sections);
  }

  private expandButton(key: string, open: boolean, length: number): HTMLElement {
    return h('button', { class: 'link', type: 'button', 'data-expand': key, text: open ? 'show less' : `show all (${length} chars)` });
  }

  private textBlock(title: string, text: string, key: string, cls: string): HTMLElement {
    const open = this.expanded.has(key);
    const { text: shown, cut } = open ? { text, cut: text.length > TEXT_PREVIEW } : truncateText(text, TEXT_PREVIEW);
    return h('div', { class: 'block' }, h('h4', { text: title }), h('pre', { class: cls, 'data-testid': `detail-${title.toLowerCase().replace(/\s+/g, '-')}`, text: shown }), cut ? this.expandButton(key, open, text.length) : null);
  }

  // ---- misc ----------------------------------------------------------------------------------------

  private showToast(message: string, error: boolean): void {
    this.toast.replaceChildren(icon(error ? 'error' : 'info'), h('span', { text: message }));
    this.toast.classList.toggle('err', error);
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast.hidden = true), error ? 8000 : 4000);
  }

  private installSplitter(splitter: HTMLElement, main: HTMLElement): void {
    splitter.addEventListener('pointerdown', (e) => {
      splitter.setPointerCapture(e.pointerId);
      const move = (ev: PointerEvent) => {
        const rect = main.getBoundingClientRect();
        const px = Math.min(rect.height - 120, Math.max(60, rect.bottom - ev.clientY));
        main.style.setProperty('--details-h', `${px}px`);
      };
      const up = () => {
        splitter.removeEventListener('pointermove', move);
        splitter.removeEventListener('pointerup', up);
      };
      splitter.addEventListener('pointermove', move);
      splitter.addEventListener('pointerup', up);
    });
  }
}
