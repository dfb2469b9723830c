import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../support/aop';
import { TraceStore } from '../../src/core/tracing/store';
import { TraceFeed, toSummary, type TraceUpdate } from '../../src/extension/trace-feed';
import { invocation, retriedRemoteTrace, traceId } from './fixtures';

test('a running call shows up live, throttled, with the changed spans of the selected trace', async () => {
  const store = new TraceStore();
  const feed = new TraceFeed(store, { maxRate: 10 });
  const batches: TraceUpdate[][] = [];
  feed.onUpdates = (u) => batches.push(u);
  const spans = invocation(traceId(500), { agent: 'planner', task: 'plan', server: 'local', start: Date.now(), failures: 1 });
  const id = spans[0].traceId;
  feed.selected = id;
  // start every span (open), as the tracer does
  const open = spans.map((s) => ({ ...s, endMs: 0, status: { code: 'unset' as const } }));
  store.spanStarted(open[0], true);
  for (const s of open.slice(1)) store.spanStarted(s, false);
  assert.equal(batches.length, 0, 'throttled: nothing sent synchronously');
  // while running: listed, open, all spans known
  const listed = feed.query({});
  assert.equal(listed.length, 1);
  assert.equal(listed[0].open, true);
  assert.equal(feed.detail(id)!.spans.length, spans.length);
  await waitUntil(() => batches.length >= 1, 10_000, 'the first batch');
  assert.equal(batches.length, 1, 'one batch for many events');
  assert.equal(batches[0][0].trace.traceId, id);
  assert.equal(batches[0][0].spans!.length, spans.length);
  // the call ends: the store gets the fragment
  store.putSpans(spans);
  await waitUntil(() => batches.length > 1 && batches[batches.length - 1][0].trace.open === false, 10_000, 'the closing batch');
  const last = batches[batches.length - 1][0];
  assert.equal(last.trace.open, false);
  assert.equal(last.trace.status, 'ok');
  assert.equal(feed.query({})[0].spanCount, spans.length);
  assert.equal(feed.detail(id)!.spans.length, spans.length, 'no duplicates once stored');
  feed.dispose();
});

test('query filters and orders newest first; agents come from the traces', () => {
  const store = new TraceStore();
  const a = retriedRemoteTrace(1, 1_000_000, 0);
  const b = invocation(traceId(2), { agent: 'summarizer', task: 'sum up', server: 'local', start: 2_000_000, fail: true });
  store.putSpans(b);
  store.putSpans(a);
  const feed = new TraceFeed(store);
  assert.deepEqual(
    feed.query({}).map((t) => t.agent),
    ['summarizer', 'planner'],
  );
  assert.deepEqual(
    feed.query({ status: 'error' }).map((t) => t.agent),
    ['summarizer'],
  );
  assert.deepEqual(
    feed.query({ text: 'billing' }).map((t) => t.agent),
    ['planner'],
  );
  assert.deepEqual(feed.agents(['local-only']), ['local-only', 'planner', 'summarizer']);
  const s = toSummary(b[0].traceId, b);
  assert.match(s.error!, /503/);
  assert.equal(s.task, 'sum up');
  feed.dispose();
});
