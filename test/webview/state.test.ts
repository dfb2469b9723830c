/** The Traces view's state (webview/state.ts) and the details view's task line, without a DOM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanFilter, TracesState } from '../../webview/state';
import { taskView } from '../../webview/details-view';
import { parseWebviewState, PROTOCOL_VERSION, type Span, type TraceSummary } from '../../src/shared/trace-protocol';

const row = (id: string, startMs: number, over: Partial<TraceSummary> = {}): TraceSummary => ({
  traceId: id,
  agent: 'writer',
  server: 's',
  servers: ['s'],
  status: 'ok',
  open: false,
  startMs,
  durationMs: 10,
  spanCount: 1,
  ...over,
});
const span = (id: string, over: Partial<Span> = {}): Span => ({
  traceId: 't',
  spanId: id,
  name: `aop.invoke ${id}`,
  kind: 'server',
  startMs: 1,
  endMs: 2,
  status: { code: 'ok' },
  attributes: {},
  server: 's',
  ...over,
});

function initialized(traces: TraceSummary[], selected?: { trace: TraceSummary; spans: Span[] }) {
  const s = new TracesState();
  s.applyInit({ type: 'init', protocol: PROTOCOL_VERSION, now: Date.now(), filter: {}, traces, agents: ['writer'], ...(selected ? { detail: selected } : {}) });
  return s;
}

test('live updates keep the list newest first, drop rows that leave the filter, and add new agents', () => {
  const s = initialized([row('c', 300), row('a', 100)]);
  s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('b', 200) });
  assert.deepEqual(s.traces.map((t) => t.traceId), ['c', 'b', 'a']);
  s.filter = { status: 'ok' };
  s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('b', 200, { status: 'error' }) });
  assert.deepEqual(s.traces.map((t) => t.traceId), ['c', 'a']);
  const e = s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('d', 50, { agent: 'reader' }) });
  assert.equal(e.newAgent, true);
  assert.deepEqual(s.agents, ['reader', 'writer']);
  assert.deepEqual(s.traces.map((t) => t.traceId), ['c', 'a', 'd']);
});

test('a new call is followed when nothing is selected or the newest finished one is; not when an older one is', () => {
  const s = initialized([row('a', 100)]);
  assert.equal(s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('b', 200, { open: true }) }).follow, 'b');
  s.selectTrace('b');
  s.setDetail(row('b', 200), [span('x')], undefined);
  // the selected (newest) one is still running: a newer call does not steal the view
  assert.equal(s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('c', 300, { open: true }) }).follow, undefined);
  s.selectTrace('a');
  s.setDetail(row('a', 100), [span('y')], undefined);
  assert.equal(s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('d', 400) }).follow, undefined);
});

test("updates of the selected trace merge its spans by id; the span selection survives while it exists", () => {
  const s = initialized([row('t', 100, { open: true })], { trace: row('t', 100, { open: true }), spans: [span('root', { endMs: 0 })] });
  assert.equal(s.selectSpan('root'), true);
  assert.equal(s.selectSpan('root'), false);
  const e = s.applyUpdate({ type: 'traceUpdated', now: Date.now(), trace: row('t', 100), spans: [span('root'), span('child', { parentSpanId: 'root' })] });
  assert.equal(e.detailChanged, true);
  assert.deepEqual(s.detail!.spans.map((x) => [x.spanId, x.endMs]), [['root', 2], ['child', 2]]);
  assert.equal(s.selectedSpan()?.spanId, 'root');
  assert.equal(s.isLive(), false);
  s.setDetail(row('t', 100), [span('other')], 'root');
  assert.equal(s.selectedSpanId, undefined, 'a span that is not in the trace is not selected');
});

test('selecting a trace resets span selection, folds and expanded texts; selecting it again is a no-op', () => {
  const s = initialized([row('a', 100)], { trace: row('a', 100), spans: [span('x')] });
  s.selectSpan('x');
  s.toggle('x');
  s.toggleExpanded('x:aop.output');
  assert.equal(s.selectTrace('a'), false);
  assert.equal(s.selectTrace('b'), true);
  assert.equal(s.selectedSpanId, undefined);
  assert.equal(s.collapsed.size, 0);
  assert.equal(s.expanded.size, 0);
  assert.equal(s.detail, undefined);
});

test('the saved state is what parseWebviewState accepts, and restores the same view', () => {
  const s = initialized([row('a', 100)], { trace: row('a', 100), spans: [span('x')] });
  s.filter = cleanFilter({ agent: 'writer', text: '  ', status: undefined });
  assert.deepEqual(s.filter, { agent: 'writer' });
  s.selectSpan('x');
  for (let i = 0; i < 1200; i++) s.collapsed.add(`c${i}`);
  const saved = parseWebviewState(JSON.parse(JSON.stringify(s.saved())));
  assert.ok(saved);
  assert.equal(saved.collapsed?.length, 1000, 'folded spans saved are bounded');
  const back = new TracesState();
  back.restore(saved);
  assert.deepEqual([back.filter, back.selectedTraceId, back.selectedSpanId], [{ agent: 'writer' }, 'a', 'x']);
});

test("the details' task line: Open result only for a finished task whose result the local server keeps", () => {
  const plain = span('p');
  assert.equal(taskView(plain, undefined), undefined, 'no task id: no task line');
  const s = span('t', { attributes: { 'aop.task_id': 'k1' } });
  assert.deepEqual(taskView(s, undefined), { taskId: 'k1', text: 'asking the local server…', canOpen: false, final: false });
  assert.equal(taskView(s, { taskId: 'k1', status: 'processing', kept: false })?.final, false, 'running: asked again');
  assert.equal(taskView(s, { taskId: 'k1', status: 'completed', kept: true })?.canOpen, true);
  assert.equal(taskView(s, { taskId: 'k1', status: 'failed', kept: true })?.canOpen, true, 'a failed task keeps its error result');
  const notKept = taskView(s, { taskId: 'k1', status: 'completed', kept: false })!;
  assert.deepEqual([notKept.canOpen, notKept.final], [false, true]);
  assert.match(notKept.text, /no result kept/);
  assert.match(taskView(s, { taskId: 'k1', kept: false })!.text, /not a task of this window/);
  assert.equal(taskView(span('n', { attributes: { 'aop.task_id': 7 } }), undefined), undefined, 'a non-string id is ignored');
});
