/**
 * Waterfall layout: spans → rows on a time axis. Pure (no DOM), so it is unit-tested in node and
 * cheap enough to rerun on every live update of a 10,000-span trace.
 *
 * - Rows are the span tree in depth-first order, siblings by start time; a span whose parent is not
 *   in the trace is a root. Cycles and orphans never lose a span: what the walk misses becomes a root.
 * - Clock skew: a child recorded by ANOTHER server (a remote hop) that does not fit inside its parent
 *   is shifted, with its whole subtree, to fit (`skewMs`, like Jaeger's adjuster); when it is longer
 *   than the parent it is aligned on the parent's start and cut at its end. A same-server child that
 *   overhangs (a span that outlived its root) is clamped into the parent (`clamped`).
 * - Open spans (`endMs` 0) run to `nowMs` (or the latest known end).
 * - Zero-duration spans get `minWidthPct` so they stay visible; a bar never passes 100 %.
 */

import type { Span } from '../src/shared/span';

/** The fields of a span the layout reads (`endMs` is 0 while open). */
export type LayoutSpan = Pick<Span, 'spanId' | 'parentSpanId' | 'startMs' | 'endMs' | 'server'>;

export interface WaterfallRow {
  /** Index of the span in the input array. */
  index: number;
  spanId: string;
  depth: number;
  /** Row index of the parent, -1 for a root. */
  parentRow: number;
  /** First row index after this span's subtree (rows `row+1 … subtreeEnd-1` are its descendants). */
  subtreeEnd: number;
  childCount: number;
  /** Adjusted times (epoch ms) after skew correction and clamping. */
  startMs: number;
  endMs: number;
  /** Start relative to the trace start, ms. */
  offsetMs: number;
  /** Real duration (open spans: until `nowMs`), ms. */
  durationMs: number;
  leftPct: number;
  widthPct: number;
  /** Shift applied at this span to correct clock skew between servers (0 = none). */
  skewMs: number;
  /** Total shift of this span (its own and its ancestors'): add it to the span's event times. */
  shiftMs: number;
  /** Cut to fit inside its parent. */
  clamped: boolean;
  open: boolean;
  /** Recorded by another server than its parent: a remote hop. */
  hop: boolean;
}

export interface LayoutOptions {
  /** "Now" for open spans (epoch ms); default the latest start or end seen. */
  nowMs?: number;
  /** Narrowest bar, in % of the axis (default 0.2). */
  minWidthPct?: number;
}

/**
 * The layout of one trace. Rows are made on demand, in depth-first order (`row(k)`, `ensure(k)`),
 * so the first screen of a 10,000-span trace paints after ~50 rows; `complete()` makes the rest
 * (the view does it in slices after the first frame). The time axis is known up front: every row
 * is kept inside its parent, so the roots span the whole axis.
 */
export class WaterfallLayout {
  /** Rows made so far (all of them after `complete()`). */
  readonly rows: WaterfallRow[] = [];
  /** Rows in total (= spans: every span gets exactly one row). */
  readonly count: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly totalMs: number;
  private readonly spans: readonly LayoutSpan[];
  private readonly indexOf = new Map<string, number>();
  private readonly now: number;
  private readonly minWidth: number;
  private readonly first: Int32Array;
  private readonly kids: Int32Array;
  private readonly roots: number[];
  private readonly rowOfIndex: Int32Array;
  private readonly shiftOf: Float64Array;
  private readonly stackI: Int32Array;
  private readonly stackP: Int32Array;
  private readonly stackD: Int32Array;
  private top = 0;
  private nextRoot = 0;
  private nextOrphan = 0;
  private finished = false;

  constructor(spans: readonly LayoutSpan[], options: LayoutOptions = {}) {
    const n = spans.length;
    this.spans = spans;
    this.count = n;
    this.minWidth = options.minWidthPct ?? 0.2;
    const indexOf = this.indexOf;
    let latest = -Infinity;
    const dup = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      if (indexOf.get(s.spanId) === undefined) indexOf.set(s.spanId, i);
      else dup[i] = 1; // a repeated span id: its own root
      if (s.startMs > latest) latest = s.startMs;
      if (s.endMs > latest) latest = s.endMs;
    }
    this.now = options.nowMs !== undefined && options.nowMs > latest ? options.nowMs : latest;

    // children of each span as one flat array (CSR): kids[first[p] .. first[p+1])
    const parentOf = new Int32Array(n);
    const first = new Int32Array(n + 1);
    const roots: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      const p = s.parentSpanId !== undefined ? indexOf.get(s.parentSpanId) : undefined;
      if (p === undefined || p === i || dup[i]) {
        parentOf[i] = -1;
        roots.push(i);
      } else {
        parentOf[i] = p;
        first[p + 1]++;
      }
    }
    for (let i = 0; i < n; i++) first[i + 1] += first[i];
    const fill = first.slice(0, n);
    const kids = new Int32Array(first[n]);
    for (let i = 0; i < n; i++) if (parentOf[i] >= 0) kids[fill[parentOf[i]]++] = i;
    const byStart = (a: number, b: number) => spans[a].startMs - spans[b].startMs || a - b;
    roots.sort(byStart);
    for (let p = 0; p < n; p++) {
      const a = first[p];
      const b = first[p + 1];
      if (b - a < 2) continue;
      let sorted = true;
      for (let k = a + 1; k < b && sorted; k++) if (byStart(kids[k - 1], kids[k]) > 0) sorted = false;
      if (!sorted) kids.set(Array.from(kids.subarray(a, b)).sort(byStart), a);
    }
    this.first = first;
    this.kids = kids;
    this.roots = roots;

    // the axis: the roots' extent (children are kept inside their parents)
    let start = Infinity;
    let end = -Infinity;
    for (const r of roots.length ? roots : Array.from({ length: n }, (_, i) => i)) {
      const s = spans[r];
      if (s.startMs < start) start = s.startMs;
      const e = this.rawEnd(s);
      if (e > end) end = e;
    }
    if (n === 0) start = end = 0;
    this.startMs = start;
    this.endMs = end;
    this.totalMs = end - start;

    this.rowOfIndex = new Int32Array(n).fill(-1);
    this.shiftOf = new Float64Array(n);
    this.stackI = new Int32Array(n + 1);
    this.stackP = new Int32Array(n + 1);
    this.stackD = new Int32Array(n + 1);
  }

  private rawEnd(s: LayoutSpan): number {
    return !(s.endMs > 0) ? (this.now > s.startMs ? this.now : s.startMs) : s.endMs > s.startMs ? s.endMs : s.startMs;
  }

  /** Row `k` (made on demand). */
  row(k: number): WaterfallRow {
    if (k >= this.rows.length) this.ensure(k + 1);
    return this.rows[k];
  }

  /** Row index of a span id (undefined: not in the trace). */
  rowOf(spanId: string): number | undefined {
    const i = this.indexOf.get(spanId);
    if (i === undefined) return undefined;
    if (this.rowOfIndex[i] < 0) this.complete();
    return this.rowOfIndex[i];
  }

  get isComplete(): boolean {
    return this.finished;
  }

  /** Makes every row and the subtree ends; returns this. */
  complete(): this {
    if (this.finished) return this;
    this.ensure(this.count);
    const rows = this.rows;
    const open: number[] = [];
    for (let r = 0; r < rows.length; r++) {
      const d = rows[r].depth;
      while (open.length && rows[open[open.length - 1]].depth >= d) rows[open.pop()!].subtreeEnd = r;
      open.push(r);
    }
    for (const r of open) rows[r].subtreeEnd = rows.length;
    this.finished = true;
    return this;
  }

  /** Makes rows until there are `k` (depth-first; resumes where it stopped). */
  ensure(k: number): void {
    const { spans, rows, rowOfIndex, shiftOf, stackI, stackP, stackD, first, kids } = this;
    const want = Math.min(k, this.count);
    const total = this.totalMs > 0 ? this.totalMs : 1e-6;
    while (rows.length < want) {
      if (this.top === 0) {
        // next root; then spans caught in a parent cycle (never reachable from a root)
        let next = -1;
        while (this.nextRoot < this.roots.length && next < 0) {
          const r = this.roots[this.nextRoot++];
          if (rowOfIndex[r] < 0) next = r;
        }
        while (next < 0 && this.nextOrphan < this.count) {
          const r = this.nextOrphan++;
          if (rowOfIndex[r] < 0) next = r;
        }
        if (next < 0) break;
        stackI[0] = next;
        stackP[0] = -1;
        stackD[0] = 0;
        this.top = 1;
      }
      const t = --this.top;
      const i = stackI[t];
      const parentRow = stackP[t];
      const depth = stackD[t];
      if (rowOfIndex[i] >= 0) continue;
      const s = spans[i];
      const open = !(s.endMs > 0);
      const rawEnd = this.rawEnd(s);
      const parent = parentRow >= 0 ? rows[parentRow] : undefined;
      const hop = parent !== undefined && spans[parent.index].server !== s.server;
      let shift = parent ? shiftOf[parent.index] : 0;
      let start = s.startMs + shift;
      let end = rawEnd + shift;
      let skew = 0;
      let clamped = false;
      // the window a row must stay in: its parent's (a root: the axis, only a cycle's span can leave it)
      const ps = parent ? parent.startMs : this.startMs;
      const pe = parent ? parent.endMs : this.endMs;
      if (hop && (start < ps || end > pe)) {
        // another clock: move the remote subtree into its caller's window
        skew = end - start <= pe - ps ? (start < ps ? ps - start : pe - end) : ps - start;
        shift += skew;
        start += skew;
        end += skew;
      }
      if (start < ps) {
        start = ps;
        clamped = true;
      }
      if (end > pe) {
        end = pe;
        clamped = true;
      }
      if (start > pe) {
        start = pe;
        clamped = true;
      }
      if (end < start) end = start;
      shiftOf[i] = shift;
      const offset = start - this.startMs;
      let width = ((end - start) / total) * 100;
      if (!(width >= this.minWidth)) width = this.minWidth;
      if (width > 100) width = 100;
      let left = (offset / total) * 100;
      if (left + width > 100) left = 100 - width;
      if (left < 0) left = 0;
      const r = rows.length;
      rows.push({
        index: i,
        spanId: s.spanId,
        depth,
        parentRow,
        subtreeEnd: 0,
        childCount: first[i + 1] - first[i],
        startMs: start,
        endMs: end,
        offsetMs: offset,
        durationMs: rawEnd - s.startMs,
        leftPct: left,
        widthPct: width,
        skewMs: skew,
        shiftMs: shift,
        clamped,
        open,
        hop,
      });
      rowOfIndex[i] = r;
      for (let c = first[i + 1] - 1; c >= first[i]; c--) {
        stackI[this.top] = kids[c];
        stackP[this.top] = r;
        stackD[this.top] = depth + 1;
        this.top++;
      }
    }
  }
}

/** The complete layout of a trace (tests, small traces). */
export function layoutWaterfall(spans: readonly LayoutSpan[], options: LayoutOptions = {}): WaterfallLayout {
  return new WaterfallLayout(spans, options).complete();
}

/** Row indices left visible when the subtrees of `collapsed` span ids are folded. */
export function visibleRows(layout: WaterfallLayout, collapsed: ReadonlySet<string>): Int32Array {
  const rows = layout.complete().rows;
  if (collapsed.size === 0) {
    const all = new Int32Array(rows.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  const out: number[] = [];
  for (let r = 0; r < rows.length; ) {
    out.push(r);
    r = collapsed.has(rows[r].spanId) && rows[r].childCount > 0 ? rows[r].subtreeEnd : r + 1;
  }
  return Int32Array.from(out);
}

/** Rows to render for a scroll position: `[first, last)` with `overscan` rows either side. */
export function rowWindow(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8): { first: number; last: number } {
  const first = Math.min(count, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/** "Nice" axis ticks (1, 2, 5 × 10^k ms) for a span of `totalMs`, about `target` of them. */
export function axisTicks(totalMs: number, target = 6): Array<{ ms: number; pct: number }> {
  if (!(totalMs > 0)) return [{ ms: 0, pct: 0 }];
  const raw = totalMs / Math.max(1, target);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: Array<{ ms: number; pct: number }> = [];
  for (let ms = 0; ms <= totalMs + step * 1e-9; ms += step) ticks.push({ ms, pct: (ms / totalMs) * 100 });
  return ticks;
}

/** Position of an instant on the axis, in % (clamped to the axis). */
export function pctOf(layout: WaterfallLayout, timeMs: number): number {
  if (!(layout.totalMs > 0)) return 0;
  return Math.min(100, Math.max(0, ((timeMs - layout.startMs) / layout.totalMs) * 100));
}
