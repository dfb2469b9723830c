/**
 * A virtualised list: fixed row height, only the rows in view (plus a few) exist in the DOM; row
 * elements are pooled and rebound as you scroll, so 10,000 rows cost what 40 do.
 */
import { rowWindow } from './waterfall-layout';

export interface VirtualListOptions {
  /** The scrolling element (overflow: auto). */
  scroller: HTMLElement;
  rowHeight: number;
  /** Builds an empty row element (once per pooled row). */
  createRow: () => HTMLElement;
  /** Fills a pooled row for item `index`. */
  bindRow: (el: HTMLElement, index: number) => void;
  /** Height of sticky content above the rows inside the scroller (e.g. an axis). */
  headerHeight?: number;
  overscan?: number;
  /** Extra content placed in the spacer behind the rows (e.g. grid lines). */
  underlay?: HTMLElement;
}

export class VirtualList {
  readonly spacer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private count = 0;
  private frame = 0;
  private first = -1;
  private last = -1;
  private viewport = 0;
  private scrollTop = 0;
  private readonly o: Required<Omit<VirtualListOptions, 'underlay'>> & { underlay?: HTMLElement };

  constructor(options: VirtualListOptions) {
    this.o = { headerHeight: 0, overscan: 8, ...options };
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    if (options.underlay) this.spacer.append(options.underlay);
    options.scroller.append(this.spacer);
    // scrollTop and the height are cached from events: rendering never forces a layout
    options.scroller.addEventListener(
      'scroll',
      () => {
        this.scrollTop = options.scroller.scrollTop;
        this.schedule(false);
      },
      { passive: true },
    );
    new ResizeObserver((entries) => {
      this.viewport = entries[entries.length - 1].contentRect.height;
      this.schedule(false);
    }).observe(options.scroller);
  }

  get length(): number {
    return this.count;
  }

  /** Rows currently in the DOM (for tests). */
  get renderedRange(): { first: number; last: number } {
    return { first: this.first, last: this.last };
  }

  /** New item count; rebinds every visible row now (synchronously: the caller paints next). */
  setCount(count: number): void {
    this.count = count;
    this.spacer.style.height = `${count * this.o.rowHeight}px`;
    this.render(true);
  }

  /** Rebinds the visible rows (data changed, count the same). */
  refresh(): void {
    this.render(true);
  }

  private schedule(force: boolean): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render(force);
    });
  }

  private render(force: boolean): void {
    const { rowHeight, headerHeight, overscan } = this.o;
    // before the first resize report: the window's height is an upper bound of the viewport
    const top = Math.max(0, this.scrollTop - headerHeight);
    const { first, last } = rowWindow(top, this.viewport || window.innerHeight, rowHeight, this.count, overscan);
    if (!force && first === this.first && last === this.last) return;
    const need = last - first;
    while (this.pool.length < need) {
      const el = this.o.createRow();
      el.classList.add('vlist-row');
      this.spacer.append(el);
      this.pool.push(el);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      if (k < need) {
        const index = first + k;
        el.hidden = false;
        el.style.transform = `translateY(${index * rowHeight}px)`;
        el.dataset.index = String(index);
        this.o.bindRow(el, index);
      } else if (!el.hidden) {
        el.hidden = true;
      }
    }
    this.first = first;
    this.last = last;
  }

  /** Scrolls so that item `index` is in view (nearest edge). */
  scrollToIndex(index: number): void {
    const { scroller, rowHeight, headerHeight } = this.o;
    const top = index * rowHeight + headerHeight;
    const view = scroller.clientHeight;
    if (top - headerHeight < scroller.scrollTop) scroller.scrollTop = top - headerHeight;
    else if (top + rowHeight > scroller.scrollTop + view) scroller.scrollTop = top + rowHeight - view;
    this.scrollTop = scroller.scrollTop;
    this.schedule(false);
  }

  /** Item index under a row element (for clicks), or -1. */
  indexOf(el: Element | null): number {
    const row = el?.closest('.vlist-row') as HTMLElement | null;
    if (!row || !this.spacer.contains(row)) return -1;
    const i = Number(row.dataset.index);
    return Number.isInteger(i) ? i : -1;
  }
}
