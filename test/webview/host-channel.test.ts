/** The webview's request(): one promise per request, settled by the host's reply with that id. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostChannel, HostError, type MessageSource } from '../../webview/host-channel';
import type { HostMessage } from '../../src/shared/trace-protocol';

function channel() {
  const posted: Array<Record<string, unknown>> = [];
  const pushed: HostMessage[] = [];
  const invalid: string[] = [];
  let listener: ((e: { data: unknown }) => void) | undefined;
  const source: MessageSource = { addEventListener: (_type, l) => void (listener = l) };
  let state: unknown;
  const api = {
    postMessage: (m: unknown) => void posted.push(m as Record<string, unknown>),
    getState: () => state,
    setState: (s: unknown) => void (state = s),
  };
  const ch = new HostChannel(api, source, { onPush: (m) => void pushed.push(m), onInvalid: (e) => void invalid.push(e) });
  /** The host sends a message (as `window.postMessage` would deliver it). */
  const send = (data: unknown) => listener!({ data });
  return { ch, posted, pushed, invalid, send };
}

const summary = { traceId: 't1', server: 's', servers: ['s'], status: 'ok' as const, open: false, startMs: 1, durationMs: 2, spanCount: 1 };

test('replies settle their own request, in any order; each request gets a fresh id', async () => {
  const { ch, posted, pushed, send } = channel();
  const q = ch.request({ type: 'query', filter: { agent: 'a' } });
  const d = ch.request({ type: 'selectTrace', traceId: 't1' });
  assert.equal(posted.length, 2);
  assert.notEqual(posted[0].requestId, posted[1].requestId);
  assert.deepEqual(posted[0], { type: 'query', filter: { agent: 'a' }, requestId: posted[0].requestId });
  assert.equal(ch.waiting, 2);
  // answered in reverse order
  send({ type: 'traceDetail', requestId: posted[1].requestId, trace: summary, spans: [] });
  send({ type: 'traces', requestId: posted[0].requestId, filter: { agent: 'a' }, traces: [summary], agents: ['a'] });
  const [list, detail] = await Promise.all([q, d]);
  assert.equal(list.type, 'traces');
  assert.deepEqual(list.traces, [summary]);
  assert.equal(detail.type, 'traceDetail');
  assert.equal(ch.waiting, 0);
  assert.equal(pushed.length, 0);
});

test('an error reply rejects with its message; a reply of the wrong type rejects too', async () => {
  const { ch, posted, send } = channel();
  const a = ch.request({ type: 'openTaskResult', taskId: 'k1' });
  send({ type: 'error', requestId: posted[0].requestId, message: 'no kept result for task k1' });
  await assert.rejects(a, (err: Error) => err instanceof HostError && err.message === 'no kept result for task k1');
  const b = ch.request({ type: 'taskInfo', taskId: 'k1' });
  send({ type: 'ack', requestId: posted[1].requestId });
  await assert.rejects(b, /answered a request for taskInfo with ack/);
  assert.equal(ch.waiting, 0);
});

test('messages for no pending request are pushed: live updates, a Show Traces list, a late or repeated reply', async () => {
  const { ch, posted, pushed, send } = channel();
  send({ type: 'traceUpdated', now: 5, trace: summary });
  send({ type: 'traces', filter: { agent: 'x' }, traces: [], agents: [] });
  const r = ch.request({ type: 'copyJson', traceId: 't1' });
  send({ type: 'ack', requestId: posted[0].requestId, message: 'Copied' });
  send({ type: 'ack', requestId: posted[0].requestId, message: 'again' });
  assert.deepEqual((await r).message, 'Copied');
  assert.deepEqual(pushed.map((m) => m.type), ['traceUpdated', 'traces', 'ack']);
});

test('an invalid message is reported and, when it names a pending request, rejects that request (nothing waits forever)', async () => {
  const { ch, posted, pushed, invalid, send } = channel();
  const r = ch.request({ type: 'selectTrace', traceId: 't1' });
  send({ type: 'traceDetail', requestId: posted[0].requestId, trace: summary, spans: [{ spanId: 1 }] });
  await assert.rejects(r, /invalid message at spans\.0/);
  send({ type: 'bogus' });
  send(null);
  assert.equal(invalid.length, 3);
  assert.equal(pushed.length, 0);
  assert.equal(ch.waiting, 0);
});

test('a host that never answers cannot grow the pending requests past their bound', async () => {
  const { ch } = channel();
  const first = ch.request({ type: 'query', filter: {} });
  for (let i = 0; i < 300; i++) void ch.request({ type: 'query', filter: {} }).catch(() => undefined);
  assert.equal(ch.waiting, 256);
  await assert.rejects(first, /did not answer/);
});
