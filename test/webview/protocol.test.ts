import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROTOCOL_VERSION,
  SpanSchema,
  compareTraces,
  isSpan,
  matchesFilter,
  parseHostMessage,
  parseWebviewMessage,
  parseWebviewState,
  type HostMessage,
  type TraceSummary,
  type WebviewMessage,
} from '../../src/shared/trace-protocol';
import * as z from 'zod/mini';
import { bigTrace, invocationList, retriedRemoteTrace } from './fixtures';
import { toSummary } from '../../src/extension/trace-feed';

const spans = retriedRemoteTrace(1, 1_700_000_000_000, 5);
const summary = toSummary(spans[0].traceId, spans);

test('every webview → host message kind validates, with its request id', () => {
  const msgs: WebviewMessage[] = [
    { type: 'ready', requestId: 'r1' },
    { type: 'ready', requestId: 'r1', state: { filter: { agent: 'planner' }, selectedTraceId: summary.traceId, collapsed: ['a'] } },
    { type: 'query', requestId: 'r2', filter: { status: 'error', text: 'billing' }, limit: 100 },
    { type: 'selectTrace', requestId: 'r3', traceId: summary.traceId },
    { type: 'openDefinition', requestId: 'r4', traceId: summary.traceId },
    { type: 'rerun', requestId: 'r5', traceId: summary.traceId },
    { type: 'exportTrace', requestId: 'r6', traceId: summary.traceId },
    { type: 'copyJson', requestId: 'r7', traceId: summary.traceId },
  ];
  for (const m of msgs) {
    const r = parseWebviewMessage(JSON.parse(JSON.stringify(m)));
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    assert.deepEqual(r.message, m);
  }
});

test('invalid webview messages are refused with a reason', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /invalid message/],
    ['ready', /invalid message/],
    [{ type: 'nope', requestId: 'r1' }, /invalid message/],
    [{ type: 'selectTrace', traceId: 'abc' }, /requestId/], // no request id
    [{ type: 'selectTrace', requestId: '', traceId: 'abc' }, /requestId/],
    [{ type: 'selectTrace', requestId: 'r'.repeat(65), traceId: 'abc' }, /requestId/],
    [{ type: 'selectTrace', requestId: 'r1', traceId: 42 }, /traceId/],
    [{ type: 'query', requestId: 'r1', filter: { status: 'weird' } }, /filter\.status/],
    [{ type: 'query', requestId: 'r1', filter: {}, limit: -1 }, /limit/],
    [{ type: 'query', requestId: 'r1', filter: {}, limit: 1.5 }, /limit/],
    [{ type: 'ready', requestId: 'r1', state: { filter: 'all' } }, /state\.filter/],
  ];
  for (const [data, re] of bad) {
    const r = parseWebviewMessage(data);
    assert.equal(r.ok, false, JSON.stringify(data));
    if (!r.ok) assert.match(r.error, re, JSON.stringify(data));
  }
});

test('every host → webview message kind validates', () => {
  const msgs: HostMessage[] = [
    { type: 'init', requestId: 'r1', protocol: PROTOCOL_VERSION, now: 1, filter: {}, traces: [summary], agents: ['planner'], detail: { trace: summary, spans }, selectedSpanId: spans[1].spanId },
    { type: 'init', protocol: PROTOCOL_VERSION, now: 1, filter: { agent: 'x' }, traces: [], agents: [] },
    { type: 'traces', requestId: 'r2', filter: {}, traces: [summary], agents: [] },
    { type: 'traces', filter: { agent: 'planner' }, traces: [], agents: ['planner'] },
    { type: 'traceUpdated', now: 2, trace: summary, spans: spans.slice(0, 2) },
    { type: 'traceUpdated', now: 2, trace: { ...summary, open: true } },
    { type: 'traceDetail', requestId: 'r3', trace: summary, spans },
    { type: 'ack', requestId: 'r4', message: 'Copied' },
    { type: 'ack', requestId: 'r4' },
    { type: 'error', requestId: 'r5', message: 'gone' },
    { type: 'error', message: 'no id' },
  ];
  for (const m of msgs) {
    const r = parseHostMessage(JSON.parse(JSON.stringify(m)));
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    assert.deepEqual(r.message, JSON.parse(JSON.stringify(m)));
  }
});

test('invalid host messages are refused; a bad span is named by index and field', () => {
  const detail = (s: unknown[]) => ({ type: 'traceDetail', requestId: 'r1', trace: summary, spans: s });
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'init', protocol: 2, now: 1, filter: {}, traces: [], agents: [] }, /protocol/],
    [{ type: 'traceDetail', trace: summary, spans }, /requestId/],
    [{ type: 'traces', filter: {}, traces: [{ ...summary, status: 'fine' }], agents: [] }, /traces\.0\.status/],
    [detail([...spans.slice(0, 3), { ...spans[3], startMs: 'soon' }]), /spans\.3\.startMs/],
    [detail([{ ...spans[0], kind: 'sideways' }]), /spans\.0\.kind/],
    [detail([{ ...spans[0], attributes: { ok: { nested: true } } }]), /spans\.0\.attributes/],
    [detail([{ ...spans[0], events: [{ name: 'e' }] }]), /spans\.0\.events/],
    [detail([{ ...spans[0], status: { code: 'error', message: 5 } }]), /spans\.0\.status/],
    [detail('not a list' as unknown as unknown[]), /spans/],
    [{ type: 'ack', message: 'no id' }, /requestId/],
  ];
  for (const [data, re] of cases) {
    const r = parseHostMessage(data);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
});

test('isSpan (the fast path of span lists) agrees with SpanSchema', () => {
  const base = spans[3];
  const variants: unknown[] = [
    base,
    { ...base, parentSpanId: undefined },
    { ...base, parentSpanId: 7 },
    { ...base, endMs: NaN },
    { ...base, kind: 'server' },
    { ...base, kind: 'nope' },
    { ...base, status: { code: 'ok' } },
    { ...base, status: { code: 'ok', message: null } },
    { ...base, attributes: { a: [1, 'b', true] } },
    { ...base, attributes: { a: [{}] } },
    { ...base, attributes: [] },
    { ...base, events: [] },
    { ...base, events: [{ name: 'x', timeMs: 1, attributes: { k: 'v' } }] },
    { ...base, events: [{ name: 'x', timeMs: 1, attributes: { k: null } }] },
    { ...base, server: undefined },
    { ...base, extra: 'kept' },
    null,
    [],
  ];
  for (const v of variants) assert.equal(isSpan(v), z.safeParse(SpanSchema, v).success, JSON.stringify(v));
});

test('a 10,000-span detail validates', () => {
  const big = bigTrace(10_000);
  const r = parseHostMessage({ type: 'traceDetail', requestId: 'r1', trace: toSummary(big[0].traceId, big), spans: big });
  assert.ok(r.ok);
  if (r.ok && r.message.type === 'traceDetail') assert.equal(r.message.spans.length, 10_000);
});

test('saved state: valid comes back, anything else is dropped', () => {
  assert.deepEqual(parseWebviewState({ filter: {}, selectedTraceId: 'abc' }), { filter: {}, selectedTraceId: 'abc' });
  assert.equal(parseWebviewState(undefined), undefined);
  assert.equal(parseWebviewState({ filter: { status: 'bad' } }), undefined);
  assert.equal(parseWebviewState('x'), undefined);
});

test('filters and order shared by both sides', () => {
  const { summaries } = invocationList();
  const t: TraceSummary = summaries[0];
  assert.ok(matchesFilter(t, {}));
  assert.ok(matchesFilter(t, { agent: t.agent }));
  assert.ok(!matchesFilter(t, { agent: 'someone-else' }));
  assert.ok(matchesFilter(t, { text: t.traceId.slice(0, 6).toUpperCase() }));
  assert.ok(matchesFilter(t, { text: 'PR #412' }) || matchesFilter(t, { text: 'billing' }));
  const errors = summaries.filter((s) => matchesFilter(s, { status: 'error' }));
  assert.ok(errors.length > 0 && errors.every((s) => s.status === 'error'));
  assert.ok(summaries.some((s) => matchesFilter(s, { text: '503' })), 'error messages are searched');
  const sorted = [...summaries].reverse().sort(compareTraces);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1].startMs >= sorted[i].startMs);
});
