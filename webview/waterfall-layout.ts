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

export interface LayoutSpan {
  spanId: string;
  parentSpanId?: string;
  startMs: number;
  /** 0 while open. */
  endMs: number;
  server: string;
}

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

export interface WaterfallLayout {
  rows: WaterfallRow[];
  /** Row index by span id. */
  rowOf: Map<string, number>;
  startMs: number;
  endMs: number;
  totalMs: number;
}

export interface LayoutOptions {
  /** "Now" for open spans (epoch ms); default the latest start or end seen. */
  nowMs?: number;
  /** Narrowest bar, in % of the axis (default 0.2). */
  minWidthPct?: number;
}

export function layoutWaterfall(spans: readonly LayoutSpan[], options: LayoutOptions = {}): WaterfallLayout {
  const n = spans.length;
  const minWidth = options.minWidthPct ?? 0.2;
  const indexOf = new Map<string, number>();
  let latest = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    if (!indexOf.has(s.spanId)) indexOf.set(s.spanId, i);
    if (s.startMs > latest) latest = s.startMs;
    if (s.endMs > latest) latest = s.endMs;
  }
  const now = options.nowMs !== undefined && options.nowMs > latest ? options.nowMs : latest;

  // children by parent index; -1 = roots
  const children: number[][] = new Array(n);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const p = s.parentSpanId !== undefined ? indexOf.get(s.parentSpanId) : undefined;
    if (p === undefined || p === i || indexOf.get(s.spanId) !== i) roots.push(i);
    else (children[p] ??= []).push(i);
  }
  const byStart = (a: number, b: number) => spans[a].startMs - spans[b].startMs || a - b;
  roots.sort(byStart);
  for (const list of children) if (list && list.length > 1) list.sort(byStart);

  const rows: WaterfallRow[] = [];
  const rowOf = new Map<string, number>();
  const visited = new Uint8Array(n);
  const shiftOf = new Float64Array(n);

  const walk = (root: number) => {
    // explicit stack: deep chains must not overflow the JS stack
    const stack: Array<{ i: number; parentRow: number; depth: number }> = [{ i: root, parentRow: -1, depth: 0 }];
    while (stack.length) {
      const { i, parentRow, depth } = stack.pop()!;
      if (visited[i]) continue;
      visited[i] = 1;
      const s = spans[i];
      const open = !(s.endMs > 0);
      const rawEnd = open ? Math.max(now, s.startMs) : Math.max(s.endMs, s.startMs);
      const parent = parentRow >= 0 ? rows[parentRow] : undefined;
      const parentSpan = parent ? spans[parent.index] : undefined;
      const hop = parentSpan !== undefined && parentSpan.server !== s.server;
      let shift = parent ? shiftOf[parent.index] : 0;
      let start = s.startMs + shift;
      let end = rawEnd + shift;
      let skew = 0;
      let clamped = false;
      if (parent) {
        const ps = parent.startMs;
        const pe = parent.endMs;
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
      }
      shiftOf[i] = shift;
      const row: WaterfallRow = {
        index: i,
        spanId: s.spanId,
        depth,
        parentRow,
        subtreeEnd: 0,
        childCount: 0,
        startMs: start,
        endMs: end,
        offsetMs: 0,
        durationMs: rawEnd - s.startMs,
        leftPct: 0,
        widthPct: 0,
        skewMs: skew,
        shiftMs: shift,
        clamped,
        open,
        hop,
      };
      const r = rows.length;
      rows.push(row);
      rowOf.set(s.spanId, r);
      if (parent) parent.childCount++;
      const kids = children[i];
      if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push({ i: kids[k], parentRow: r, depth: depth + 1 });
    }
  };
  for (const r of roots) walk(r);
  // spans caught in a parent cycle: none of them was reachable from a root
  for (let i = 0; i < n; i++) if (!visited[i]) walk(i);

  // subtree ends: rows are in DFS order, so a row's subtree ends where the next row of depth ≤ its own starts
  const open: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const d = rows[r].depth;
    while (open.length && rows[open[open.length - 1]].depth >= d) rows[open.pop()!].subtreeEnd = r;
    open.push(r);
  }
  for (const r of open) rows[r].subtreeEnd = rows.length;

  let start = Infinity;
  let end = -Infinity;
  for (const row of rows) {
    if (row.startMs < start) start = row.startMs;
    if (row.endMs > end) end = row.endMs;
  }
  if (rows.length === 0) start = end = 0;
  const total = Math.max(end - start, 1e-6);
  for (const row of rows) {
    row.offsetMs = row.startMs - start;
    let width = ((row.endMs - row.startMs) / total) * 100;
    if (!(width >= minWidth)) width = minWidth;
    if (width > 100) width = 100;
    let left = (row.offsetMs / total) * 100;
    if (left + width > 100) left = 100 - width;
    if (left < 0) left = 0;
    row.leftPct = left;
    row.widthPct = width;
  }
  return { rows, rowOf, startMs: start, endMs: end, totalMs: end - start };
}

/** Row indices left visible when the subtrees of `collapsed` span ids are folded. */
export function visibleRows(layout: WaterfallLayout, collapsed: ReadonlySet<string>): Int32Array {
  const rows = layout.rows;
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
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
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
