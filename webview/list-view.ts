/** The filter toolbar and the invocation list (left pane): one virtualised row per trace. */
import type { SpanStatusCode, TraceFilter } from '../src/shared/trace-protocol';
import { formatClock, formatDuration } from '../src/shared/format';
import { h, icon, setClass, setText } from './dom';
import { statusIcon, statusLabel } from './span-look';
import type { TracesState } from './state';
import { VirtualList } from './virtual-list';

const TRACE_ROW_HEIGHT = 40;
/** Typing in the filter box waits this long before asking the host. */
const TYPE_DELAY_MS = 150;

interface ValueElement extends HTMLElement {
  value: string;
}

export interface ListViewEvents {
  filter(filter: TraceFilter): void;
  refresh(): void;
  select(traceId: string): void;
}

export class ListView {
  readonly toolbar: HTMLElement;
  readonly pane: HTMLElement;
  private readonly search: ValueElement;
  private readonly agentSelect: ValueElement;
  private readonly statusSelect: ValueElement;
  private readonly countEl: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly list: VirtualList;
  private frame = 0;
  private typeTimer = 0;

  constructor(
    private readonly state: TracesState,
    on: ListViewEvents,
  ) {
    this.search = h('vscode-textfield', { placeholder: 'Filter: agent, task, trace id, server, error', 'aria-label': 'Filter traces', 'data-testid': 'filter-text' }) as ValueElement;
    this.search.append(h('vscode-icon', { name: 'search', slot: 'content-before' }));
    this.agentSelect = h('vscode-single-select', { 'aria-label': 'Agent', 'data-testid': 'filter-agent' }) as ValueElement;
    this.statusSelect = h('vscode-single-select', { 'aria-label': 'Status', 'data-testid': 'filter-status' }) as ValueElement;
    for (const [value, label] of [
      ['', 'All statuses'],
      ['ok', 'OK'],
      ['error', 'Error'],
      ['unset', 'Running / unset'],
    ]) this.statusSelect.append(h('vscode-option', { value, text: label }));
    this.agentSelect.append(h('vscode-option', { value: '', text: 'All agents' }));
    const refresh = h('vscode-button', { icon: 'refresh', secondary: true, title: 'Refresh', 'aria-label': 'Refresh', 'icon-only': true });
    this.countEl = h('span', { class: 'count', 'aria-live': 'polite' });
    this.toolbar = h('header', { class: 'toolbar' }, this.search, this.agentSelect, this.statusSelect, refresh, this.countEl);

    this.scroller = h('div', { class: 'list-scroll', role: 'listbox', tabindex: 0, 'aria-label': 'Invocations', 'data-testid': 'trace-list' });
    this.empty = h('div', { class: 'empty', hidden: true });
    this.list = new VirtualList({
      scroller: this.scroller,
      rowHeight: TRACE_ROW_HEIGHT,
      createRow: () => this.createRow(),
      bindRow: (el, i) => this.bindRow(el, i),
    });
    this.pane = h('section', { class: 'list-pane' }, this.scroller, this.empty);

    this.search.addEventListener('input', () => {
      clearTimeout(this.typeTimer);
      this.typeTimer = window.setTimeout(() => on.filter({ ...this.state.filter, text: this.search.value || undefined }), TYPE_DELAY_MS);
    });
    this.agentSelect.addEventListener('change', () => on.filter({ ...this.state.filter, agent: this.agentSelect.value || undefined }));
    this.statusSelect.addEventListener('change', () =>
      on.filter({ ...this.state.filter, status: (this.statusSelect.value || undefined) as SpanStatusCode | undefined }),
    );
    refresh.addEventListener('click', () => on.refresh());
    this.scroller.addEventListener('click', (e) => {
      const i = this.list.indexOf(e.target as Element);
      if (i >= 0) on.select(this.state.traces[i].traceId);
    });
    this.scroller.addEventListener('keydown', (e) => {
      const next = this.keyTarget(e.key);
      if (next === undefined) return;
      e.preventDefault();
      if (next < 0) return;
      on.select(this.state.traces[next].traceId);
      this.list.scrollToIndex(next);
    });
  }

  /** The filter controls show the state's filter and agents. */
  syncControls(): void {
    const text = this.state.filter.text ?? '';
    if ((this.search.value ?? '') !== text && document.activeElement !== this.search) this.search.value = text;
    this.syncAgentOptions();
    this.statusSelect.value = this.state.filter.status ?? '';
  }

  syncAgentOptions(): void {
    const { agents, filter } = this.state;
    const wanted = ['', ...new Set([...agents, ...(filter.agent ? [filter.agent] : [])])];
    const have = Array.from(this.agentSelect.querySelectorAll('vscode-option')).map((o) => o.getAttribute('value') ?? '');
    if (wanted.join('\n') !== have.join('\n')) {
      this.agentSelect.replaceChildren(...wanted.map((a) => h('vscode-option', { value: a, text: a || 'All agents' })));
    }
    const value = filter.agent ?? '';
    // the options are slotted asynchronously: set the value once they are in
    queueMicrotask(() => {
      if (this.agentSelect.value !== value) this.agentSelect.value = value;
    });
  }

  /** Re-renders the list on the next frame (live updates come in bursts). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    const n = this.state.traces.length;
    this.list.setCount(n);
    setText(this.countEl, `${n} trace${n === 1 ? '' : 's'}`);
    this.empty.hidden = n > 0;
    if (n === 0) {
      const filtered = this.state.filtered;
      this.empty.replaceChildren(
        icon('pulse'),
        h('p', { text: filtered ? 'No trace matches the filter.' : 'No traces yet.' }),
        h('p', { class: 'dim', text: filtered ? 'Clear the filter to see every invocation.' : 'Invoke an agent (AOP: Invoke Agent…) and its trace appears here live.' }),
      );
    }
  }

  /** Rebinds the rows on screen (selection, running durations). */
  refresh(): void {
    this.list.refresh();
  }

  /** The row a key moves the selection to (undefined: not a list key; -1: no move). */
  private keyTarget(key: string): number | undefined {
    const { traces, selectedTraceId } = this.state;
    const n = traces.length;
    if (!n) return undefined;
    const cur = traces.findIndex((t) => t.traceId === selectedTraceId);
    let next: number;
    if (key === 'ArrowDown') next = Math.min(n - 1, cur + 1);
    else if (key === 'ArrowUp') next = Math.max(0, cur < 0 ? 0 : cur - 1);
    else if (key === 'Home') next = 0;
    else if (key === 'End') next = n - 1;
    else if (key === 'PageDown') next = Math.min(n - 1, cur + 10);
    else if (key === 'PageUp') next = Math.max(0, cur - 10);
    else return undefined;
    return next !== cur && next >= 0 ? next : -1;
  }

  private createRow(): HTMLElement {
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

  private bindRow(el: HTMLElement, i: number): void {
    const { traces, selectedTraceId } = this.state;
    const t = traces[i];
    el.dataset.traceId = t.traceId;
    el.dataset.status = t.open ? 'running' : t.status;
    const selected = t.traceId === selectedTraceId;
    setClass(el, `trace-row vlist-row${selected ? ' selected' : ''}`);
    el.setAttribute('aria-selected', String(selected));
    el.setAttribute('aria-posinset', String(i + 1));
    el.setAttribute('aria-setsize', String(traces.length));
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
    setText(line1.children[1], t.open ? `${formatDuration(Math.max(t.durationMs, this.state.now() - t.startMs))}…` : formatDuration(t.durationMs));
    setText(line2.children[0], formatClock(t.startMs));
    setText(line2.children[1], t.server);
    setText(line2.children[2], t.error ?? t.task ?? '');
    (line2.children[2] as HTMLElement).classList.toggle('err', !!t.error);
    el.title = `${t.agent ?? ''} · ${statusLabel(t.status, t.open)} · ${t.spanCount} spans · trace ${t.traceId}${t.task ? `\n${t.task}` : ''}${t.error ? `\n${t.error}` : ''}`;
  }
}
