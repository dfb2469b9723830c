import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaterfallLayout, axisTicks, layoutWaterfall, rowWindow, visibleRows, type LayoutSpan } from '../../webview/waterfall-layout';
import { bigTrace, retriedRemoteTrace } from './fixtures';

const sp = (spanId: string, parentSpanId: string | undefined, startMs: number, endMs: number, server = 'a'): LayoutSpan => ({
  spanId,
  ...(parentSpanId ? { parentSpanId } : {}),
  startMs,
  endMs,
  server,
});

test('times → rows: depth-first, children by start time, offsets and widths in % of the trace', () => {
  // given out of order on purpose
  const spans = [sp('c2', 'root', 1060, 1100), sp('root', undefined, 1000, 1100), sp('c1', 'root', 1010, 1050), sp('g1', 'c1', 1020, 1030)];
  const l = layoutWaterfall(spans);
  assert.deepEqual(
    l.rows.map((r) => [r.spanId, r.depth, r.parentRow]),
    [
      ['root', 0, -1],
      ['c1', 1, 0],
      ['g1', 2, 1],
      ['c2', 1, 0],
    ],
  );
  assert.equal(l.startMs, 1000);
  assert.equal(l.totalMs, 100);
  const c1 = l.rows[1];
  assert.equal(c1.offsetMs, 10);
  assert.equal(c1.leftPct, 10);
  assert.equal(c1.widthPct, 40);
  assert.equal(l.rows[0].leftPct, 0);
  assert.equal(l.rows[0].widthPct, 100);
  assert.equal(l.rows[3].leftPct, 60);
  assert.equal(l.rows[0].subtreeEnd, 4);
  assert.equal(l.rows[1].subtreeEnd, 3);
  assert.equal(l.rows[1].childCount, 1);
  assert.equal(l.rowOf('g1'), 2);
  assert.equal(l.rowOf('nope'), undefined);
});

test('parent/child ordering: orphans become roots, duplicate ids and cycles lose no span', () => {
  const spans = [
    sp('root', undefined, 0, 10),
    sp('orphan', 'missing-parent', 5, 6),
    sp('x', 'y', 1, 2),
    sp('y', 'x', 1, 2), // a cycle: reachable from no root
    sp('root', undefined, 3, 4), // a repeated id
  ];
  const l = layoutWaterfall(spans);
  assert.equal(l.rows.length, spans.length);
  assert.deepEqual(new Set(l.rows.map((r) => r.index)), new Set([0, 1, 2, 3, 4]));
  const orphan = l.rows.find((r) => r.spanId === 'orphan')!;
  assert.equal(orphan.depth, 0);
  assert.ok(l.rows.every((r) => r.leftPct >= 0 && r.leftPct + r.widthPct <= 100 + 1e-9));
});

test('clock skew between servers: a remote subtree that overhangs its caller is shifted inside', () => {
  // caller on server a: 1000..1100; the remote server's clock is 30 ms ahead
  const spans = [
    sp('call', undefined, 1000, 1100, 'a'),
    sp('remote', 'call', 1040, 1120, 'b'),
    sp('remote-child', 'remote', 1050, 1110, 'b'),
  ];
  const l = layoutWaterfall(spans);
  const [call, remote, child] = l.rows;
  assert.equal(remote.hop, true);
  assert.equal(child.hop, false);
  assert.equal(remote.skewMs, -20);
  assert.equal(remote.startMs, 1020);
  assert.equal(remote.endMs, 1100);
  assert.equal(child.startMs, 1030); // the whole subtree moves
  assert.equal(child.shiftMs, -20);
  assert.equal(remote.durationMs, 80); // real durations are kept
  assert.ok(remote.startMs >= call.startMs && remote.endMs <= call.endMs);
  assert.equal(l.endMs, 1100); // the axis is the caller's
  // a remote span that starts before its caller (clock behind) moves forward
  const behind = layoutWaterfall([sp('call', undefined, 1000, 1100, 'a'), sp('remote', 'call', 990, 1050, 'b')]);
  assert.equal(behind.rows[1].skewMs, 10);
  assert.equal(behind.rows[1].startMs, 1000);
  // longer than its caller: aligned on its start, cut at its end
  const longer = layoutWaterfall([sp('call', undefined, 1000, 1100, 'a'), sp('remote', 'call', 1010, 1200, 'b')]);
  assert.equal(longer.rows[1].startMs, 1000);
  assert.equal(longer.rows[1].endMs, 1100);
  assert.equal(longer.rows[1].clamped, true);
});

test('a same-server child that outlives its parent is clamped, not shifted', () => {
  const l = layoutWaterfall([sp('p', undefined, 0, 100), sp('c', 'p', 90, 150)]);
  assert.equal(l.rows[1].skewMs, 0);
  assert.equal(l.rows[1].clamped, true);
  assert.equal(l.rows[1].endMs, 100);
  assert.equal(l.rows[1].durationMs, 60);
});

test('zero-duration spans stay visible and never run past the axis', () => {
  const l = layoutWaterfall([sp('p', undefined, 0, 1000), sp('z', 'p', 500, 500), sp('end', 'p', 1000, 1000)], { minWidthPct: 0.5 });
  const z = l.rows[1];
  assert.equal(z.durationMs, 0);
  assert.equal(z.widthPct, 0.5);
  assert.equal(z.leftPct, 50);
  const end = l.rows[2];
  assert.equal(end.widthPct, 0.5);
  assert.equal(end.leftPct + end.widthPct, 100);
  // a trace of one instant
  const one = layoutWaterfall([sp('only', undefined, 42, 42)]);
  assert.equal(one.rows[0].leftPct, 0);
  assert.ok(one.rows[0].widthPct > 0);
});

test('open spans run to now', () => {
  const l = layoutWaterfall([sp('p', undefined, 0, 0), sp('c', 'p', 10, 40)], { nowMs: 100 });
  assert.equal(l.rows[0].open, true);
  assert.equal(l.rows[0].durationMs, 100);
  assert.equal(l.totalMs, 100);
  assert.equal(l.rows[1].widthPct, 30);
});

test('the README trace: attempts, backoff and the remote hop in order, skew corrected', () => {
  const spans = retriedRemoteTrace(1, 1_000_000, 12);
  const l = layoutWaterfall(spans);
  assert.deepEqual(
    l.rows.map((r) => '  '.repeat(r.depth) + spans[r.index].name),
    ['aop.remote planner', '  aop.invoke planner', '    aop.validate', '    aop.attempt 1', '      aop.model', '    aop.backoff', '    aop.attempt 2', '      aop.model'],
  );
  assert.equal(l.rows[1].hop, true);
  assert.notEqual(l.rows[1].skewMs, 0);
  for (const r of l.rows.slice(1)) {
    const p = l.rows[r.parentRow];
    assert.ok(r.startMs >= p.startMs && r.endMs <= p.endMs, spans[r.index].name);
  }
});

test('lazy rows: the first screen needs only its rows; completing gives the same layout', () => {
  const spans = bigTrace(10_000);
  const lazy = new WaterfallLayout(spans);
  assert.equal(lazy.count, 10_000);
  lazy.row(40);
  assert.ok(lazy.rows.length <= 60, `made ${lazy.rows.length} rows`);
  assert.equal(lazy.isComplete, false);
  const full = layoutWaterfall(spans);
  assert.equal(full.rows.length, 10_000);
  lazy.complete();
  assert.deepEqual(lazy.rows.slice(0, 100), full.rows.slice(0, 100));
  assert.deepEqual(lazy.rows[9_999], full.rows[9_999]);
  assert.equal(lazy.startMs, full.startMs);
  assert.equal(lazy.endMs, full.endMs);
});

test('collapsing hides subtrees; row windows and ticks', () => {
  const l = layoutWaterfall([sp('r', undefined, 0, 10), sp('a', 'r', 0, 5), sp('a1', 'a', 1, 2), sp('b', 'r', 5, 10)]);
  assert.deepEqual([...visibleRows(l, new Set())], [0, 1, 2, 3]);
  assert.deepEqual([...visibleRows(l, new Set(['a']))], [0, 1, 3]);
  assert.deepEqual([...visibleRows(l, new Set(['r']))], [0]);
  assert.deepEqual(rowWindow(0, 220, 22, 10_000, 0), { first: 0, last: 10 });
  assert.deepEqual(rowWindow(22_000, 220, 22, 10_000, 5), { first: 995, last: 1015 });
  assert.deepEqual(rowWindow(1e9, 220, 22, 100, 5), { first: 100, last: 100 });
  const ticks = axisTicks(1000, 5);
  assert.deepEqual(
    ticks.map((t) => t.ms),
    [0, 200, 400, 600, 800, 1000],
  );
  assert.equal(ticks[ticks.length - 1].pct, 100);
});

test('10,000 spans lay out quickly (warm)', () => {
  const spans = bigTrace(10_000);
  layoutWaterfall(spans);
  const t = performance.now();
  layoutWaterfall(spans);
  const ms = performance.now() - t;
  assert.ok(ms < 500, `${ms.toFixed(1)} ms`);
});
