/**
 * The waterfall of the selected trace: a time axis and one virtualised row per span (a tree:
 * folding, keyboard navigation). The layout (`waterfall-layout.ts`) is made here from the state's
 * spans; the details view reads it for the selected span's adjusted times.
 */
import { formatDuration } from '../src/shared/format';
import { h, icon, setClass, setText } from './dom';
import { attrString, spanKind, statusLabel } from './span-look';
import type { TracesState } from './state';
import { VirtualList } from './virtual-list';
import { WaterfallLayout, axisTicks, pctOf, visibleRows, type WaterfallRow } from './waterfall-layout';

const SPAN_ROW_HEIGHT = 22;
const AXIS_HEIGHT = 24;
/** Event marks drawn on a bar, at most. */
const MAX_MARKS = 6;
/** Rows made per slice after the first frame. */
const ROWS_PER_SLICE = 2000;

export interface WaterfallEvents {
  /** A span was clicked or reached with the keyboard. */
  select(spanId: string): void;
  /** A span was folded or unfolded (the state changed). */
  toggled(): void;
  /** The waterfall was drawn again (the head shows the same trace). */
  rendered(): void;
}

export class WaterfallView {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly axisTrack: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly spans: VirtualList;
  private current?: WaterfallLayout;
  /** Visible rows when some are folded; null: every row (row k is visible row k). */
  private visible: Int32Array | null = null;
  private completeTimer = 0;
  private frame = 0;
  private measured = false;

  constructor(
    private readonly state: TracesState,
    private readonly on: WaterfallEvents,
  ) {
    this.axisTrack = h('div', { class: 'axis-track' });
    const axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' }, h('div', { class: 'axis-label', text: 'Span' }), this.axisTrack);
    this.grid = h('div', { class: 'wf-grid', 'aria-hidden': 'true' });
    this.scroller = h('div', { class: 'wf-scroll', role: 'tree', tabindex: 0, 'aria-label': 'Spans' }, axis);
    this.spans = new VirtualList({
      scroller: this.scroller,
      rowHeight: SPAN_ROW_HEIGHT,
      headerHeight: AXIS_HEIGHT,
      underlay: this.grid,
      createRow: () => this.createRow(),
      bindRow: (el, i) => this.bindRow(el, i),
    });
    this.empty = h('div', { class: 'empty', text: 'Loading…' });
    this.element = h('section', { class: 'waterfall', 'data-testid': 'waterfall', 'data-span-count': '0' }, this.scroller, this.empty);

    this.scroller.addEventListener('click', (e) => {
      const i = this.spans.indexOf(e.target as Element);
      if (i < 0) return;
      const row = this.rowAt(i);
      if ((e.target as Element).closest('.twisty')) this.toggle(row.spanId);
      else this.on.select(row.spanId);
    });
    this.scroller.addEventListener('dblclick', (e) => {
      const i = this.spans.indexOf(e.target as Element);
      if (i >= 0) this.toggle(this.rowAt(i).spanId);
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** The layout of the selected trace (undefined while none is loaded). */
  get layout(): WaterfallLayout | undefined {
    return this.current;
  }

  /** Lays the state's spans out again and draws them. */
  relayout(): void {
    const d = this.state.detail;
    const t0 = performance.now();
    this.current = d ? new WaterfallLayout(d.spans, { nowMs: this.state.now() }) : undefined;
    const t1 = performance.now();
    this.render();
    if (d && !this.measured) {
      // first waterfall of this view: timings for the bench and the e2e suite
      this.measured = true;
      performance.measure('aop:layout', { start: t0, end: t1 });
      performance.measure('aop:render', { start: t1 });
    }
  }

  /** `relayout` on the next frame, then `after` (live updates come in bursts). */
  scheduleRelayout(after: () => void): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.relayout();
      after();
    });
  }

  /** Draws the current layout, or the empty text (`emptyText`, or what the state implies). */
  render(emptyText?: string): void {
    const layout = this.current;
    const d = this.state.detail;
    if (!d) this.current = undefined;
    if (!layout || !d) {
      this.visible = null;
      this.spans.setCount(0);
      this.element.dataset.spanCount = '0';
      delete this.element.dataset.traceId;
      this.empty.hidden = false;
      this.empty.textContent =
        emptyText ??
        (this.state.selectedTraceId ? 'This trace is no longer stored.' : this.state.traces.length ? 'Select an invocation to see its spans.' : 'No trace selected.');
      this.axisTrack.replaceChildren();
      this.grid.replaceChildren();
      this.on.rendered();
      return;
    }
    this.empty.hidden = true;
    this.visible = this.state.collapsed.size ? visibleRows(layout, this.state.collapsed) : null;
    const ticks = axisTicks(layout.totalMs, 6);
    this.axisTrack.replaceChildren(
      ...ticks.map((t) => {
        const el = h('span', { class: 'tick', text: formatDuration(t.ms, { compact: true }) });
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
    this.element.dataset.spanCount = String(d.spans.length);
    this.element.dataset.traceId = d.trace.traceId;
    this.spans.setCount(this.visibleCount());
    this.completeSoon(layout);
    this.on.rendered();
  }

  /** Rebinds the rows on screen (the selection moved). */
  refresh(): void {
    this.spans.refresh();
  }

  /** The first row's span (selected when nothing else is). */
  firstSpanId(): string | undefined {
    return this.current?.count ? this.current.row(0).spanId : undefined;
  }

  /** Folds or unfolds a span; folding away the selected span selects the folded one (as trees do). */
  toggle(spanId: string): void {
    const folding = !this.state.collapsed.has(spanId);
    this.state.toggle(spanId);
    if (folding) {
      const layout = this.current?.complete();
      const r = layout?.rowOf(spanId);
      const sel = this.state.selectedSpanId !== undefined ? layout?.rowOf(this.state.selectedSpanId) : undefined;
      if (layout && r !== undefined && sel !== undefined && sel > r && sel < layout.rows[r].subtreeEnd) this.on.select(spanId);
    }
    if (this.current) {
      this.visible = this.state.collapsed.size ? visibleRows(this.current, this.state.collapsed) : null;
      this.spans.setCount(this.visibleCount());
    }
    this.on.toggled();
  }

  private visibleCount(): number {
    return this.visible ? this.visible.length : (this.current?.count ?? 0);
  }

  /** Visible index of a row index (-1: folded away). */
  private visibleIndexOf(row: number): number {
    return this.visible ? this.visible.indexOf(row) : row;
  }

  private rowAt(visibleIndex: number): WaterfallRow {
    return this.current!.row(this.visible ? this.visible[visibleIndex] : visibleIndex);
  }

  /** After the first frame, make the rest of the rows in slices (the first screen needed ~50). */
  private completeSoon(layout: WaterfallLayout): void {
    clearTimeout(this.completeTimer);
    const step = () => {
      if (layout !== this.current || layout.isComplete) return;
      layout.ensure(layout.rows.length + ROWS_PER_SLICE);
      if (layout.rows.length >= layout.count) layout.complete();
      else this.completeTimer = window.setTimeout(step, 0);
    };
    this.completeTimer = window.setTimeout(step, 16);
  }

  private onKey(e: KeyboardEvent): void {
    const layout = this.current;
    const count = this.visibleCount();
    if (!layout || !count) return;
    const collapsed = this.state.collapsed;
    const selected = this.state.selectedSpanId;
    const rowIndex = selected !== undefined ? layout.rowOf(selected) : undefined;
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
        if (row && row.childCount && collapsed.has(row.spanId)) {
          this.toggle(row.spanId);
          e.preventDefault();
          return;
        }
        if (row && row.childCount) vi = vi + 1;
        break;
      case 'ArrowLeft':
        if (row && row.childCount && !collapsed.has(row.spanId)) {
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
      this.on.select(this.rowAt(vi).spanId);
      this.spans.scrollToIndex(vi);
    }
  }

  private createRow(): HTMLElement {
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

  private bindRow(el: HTMLElement, vi: number): void {
    const layout = this.current!;
    const row = this.rowAt(vi);
    const s = this.state.detail!.spans[row.index];
    const collapsed = this.state.collapsed;
    const selected = s.spanId === this.state.selectedSpanId;
    const kind = spanKind(s);
    const status = s.status.code;
    setClass(el, `span-row vlist-row${selected ? ' selected' : ''}${row.hop ? ' is-hop' : ''}`);
    el.dataset.spanId = s.spanId;
    el.dataset.status = row.open ? 'running' : status;
    el.setAttribute('aria-level', String(row.depth + 1));
    el.setAttribute('aria-selected', String(selected));
    if (row.childCount) el.setAttribute('aria-expanded', String(!collapsed.has(s.spanId)));
    else el.removeAttribute('aria-expanded');

    const [label, track] = el.children as unknown as [HTMLElement, HTMLElement];
    label.style.paddingLeft = `${4 + row.depth * 14}px`;
    const [twisty, kindEl, name, hop] = label.children as unknown as HTMLElement[];
    setClass(twisty, row.childCount ? `twisty codicon codicon-chevron-${collapsed.has(s.spanId) ? 'right' : 'down'}` : 'twisty');
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
}
