import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import {
  AopTracer,
  SPANS_KEY,
  TRACE_ID_KEY,
  TraceStore,
  absorbRemoteSpans,
  decodeSpans,
  endRemoteCall,
  formatTraceparent,
  injectTraceContext,
  newSpanId,
  newTraceId,
  parseTraceparent,
  type SpanRecord,
  type TraceRecord,
  type WireSpans,
} from '../../src/core/tracing';

function structured(r: unknown) {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}

function byName(t: TraceRecord, prefix: string): SpanRecord[] {
  return t.spans.filter((s) => s.name.startsWith(prefix)).sort((a, b) => a.startMs - b.startMs);
}

describe('invocation spans', () => {
  let model: FakeOpenAi;
  let aop: TestServer;

  before(async () => {
    model = await startFakeOpenAi({ text: 'fine' });
    aop = await startServer(
      [
        makeAgent({ name: 'flaky', maxRetries: 2 }),
        makeAgent({ name: 'once', maxRetries: 0 }),
        makeAgent({ name: 'narrow', maxConcurrency: 1, queueLimit: 2, maxRetries: 0 }),
      ],
      { openAiUrl: model.url, initialBackoffMs: 30, maxBackoffMs: 60 },
    );
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  test('retries show as separate attempt spans with backoff spans between, each under the root', async () => {
    model.setScript([{ status: 500 }, { status: 500 }, { text: 'third time lucky', usage: { prompt_tokens: 11, completion_tokens: 3 } }]);
    const client = await aop.connect();
    const r = (await client.callTool({ name: 'flaky', arguments: { task: 'try hard' } })) as CallToolResult;
    assert.equal(structured(r).success, true);
    const traceId = (r._meta as Record<string, unknown>)[TRACE_ID_KEY] as string;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.equal((r._meta as Record<string, unknown>)[SPANS_KEY], undefined, 'no spans returned without a traceparent');
    const t = aop.server.tracing.store.get(traceId)!;
    assert.ok(t, 'trace stored');
    assert.equal(t.root.name, 'aop.invoke flaky');
    assert.equal(t.root.kind, 'server');
    assert.equal(t.root.parentSpanId, undefined);
    assert.equal(t.status, 'ok');
    assert.equal(t.agent, 'flaky');
    assert.equal(t.root.attributes['aop.input.task'], 'try hard');
    assert.equal(t.root.attributes['aop.output'], 'third time lucky');
    assert.equal(t.root.attributes['aop.attempts'], 3);

    const attempts = byName(t, 'aop.attempt');
    assert.deepEqual(attempts.map((s) => s.name), ['aop.attempt 1', 'aop.attempt 2', 'aop.attempt 3']);
    assert.deepEqual(attempts.map((s) => s.status.code), ['error', 'error', 'ok']);
    for (const a of attempts) assert.equal(a.parentSpanId, t.root.spanId);
    const exc = attempts[0].events?.find((e) => e.name === 'exception');
    assert.ok(exc, 'failed attempt has an exception event');
    assert.match(String(exc.attributes?.['exception.message']), /500/);

    const backoffs = byName(t, 'aop.backoff');
    assert.equal(backoffs.length, 2);
    for (const [i, b] of backoffs.entries()) {
      assert.equal(b.parentSpanId, t.root.spanId);
      assert.ok(b.startMs >= attempts[i].endMs - 0.01, 'backoff starts after the failed attempt');
      assert.ok(b.endMs <= attempts[i + 1].startMs + 0.01, 'backoff ends before the next attempt');
      assert.equal(typeof b.attributes['aop.backoff.delay_ms'], 'number');
    }

    const models = byName(t, 'aop.model');
    assert.equal(models.length, 3, 'one model span per attempt (failed ones too)');
    assert.deepEqual(models.map((m) => m.status.code), ['error', 'error', 'ok']);
    const ok = models[2];
    assert.equal(ok.parentSpanId, attempts[2].spanId);
    assert.equal(ok.kind, 'client');
    assert.equal(ok.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(ok.attributes['gen_ai.request.model'], 'fake-model');
    assert.equal(ok.attributes['gen_ai.response.model'], 'fake-model');
    assert.equal(ok.attributes['gen_ai.usage.input_tokens'], 11);
    assert.equal(ok.attributes['gen_ai.usage.output_tokens'], 3);
    assert.equal(typeof ok.attributes['aop.model.first_token_ms'], 'number');

    const validate = byName(t, 'aop.validate');
    assert.equal(validate.length, 1);
    assert.ok(validate[0].endMs <= attempts[0].startMs + 0.01);
    // every span ends inside the root
    for (const s of t.spans) {
      assert.ok(s.endMs > 0 && s.startMs >= t.root.startMs - 0.01 && s.endMs <= t.root.endMs + 0.01, s.name);
      assert.equal(s.traceId, traceId);
    }
  });

  test('a failed call: root status error with the message; invalid arguments fail the validate span', async () => {
    model.setScript({ status: 500 });
    const client = await aop.connect();
    const r = await client.callTool({ name: 'once', arguments: { task: 'x' } });
    const t = aop.server.tracing.store.get((r._meta as Record<string, string>)[TRACE_ID_KEY])!;
    assert.equal(t.status, 'error');
    assert.match(t.root.status.message ?? '', /500/);
    assert.equal(t.root.attributes['aop.success'], false);

    const bad = await client.callTool({ name: 'once', arguments: { task: '' } });
    const t2 = aop.server.tracing.store.get((bad._meta as Record<string, string>)[TRACE_ID_KEY])!;
    assert.equal(t2.status, 'error');
    const v = byName(t2, 'aop.validate')[0];
    assert.equal(v.status.code, 'error');
    assert.match(v.status.message ?? '', /invalid arguments/);
    assert.equal(byName(t2, 'aop.attempt').length, 0);
  });

  test('a cancelled call: its open attempt ends as an error that says so, with the model span', async () => {
    model.setScript({ hang: true });
    const client = await aop.connect();
    const before = model.requests.length;
    const seen = aop.server.tracing.store.query({ agent: 'once' }).length;
    const ctrl = new AbortController();
    const call = client.callTool({ name: 'once', arguments: { task: 'x' } }, undefined, { signal: ctrl.signal });
    await waitUntil(() => model.requests.length > before, 10_000, 'the model asked');
    ctrl.abort();
    await assert.rejects(call);
    await waitUntil(() => aop.server.tracing.store.query({ agent: 'once' }).length > seen, 10_000, 'the trace of the cancelled call');
    const t = aop.server.tracing.store.query({ agent: 'once', limit: 1 })[0];
    assert.equal(t.status, 'error');
    const [attempt] = byName(t, 'aop.attempt');
    assert.equal(attempt.status.code, 'error', 'the attempt span says it failed (it was left unset)');
    assert.match(attempt.status.message ?? '', /cancel/);
    assert.equal(byName(t, 'aop.model')[0]?.status.code, 'error');
    model.setScript({ text: 'fine' });
  });

  test('queue wait shows as an aop.queue span', async () => {
    // The model answers only when the test opens the gate: the second call is queued for sure.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    model.setScript(async () => {
      await gate;
      return { text: 'slowly' };
    });
    const client = await aop.connect();
    const calls = [1, 2].map((i) => client.callTool({ name: 'narrow', arguments: { task: `job ${i}` } }));
    await waitUntil(() => aop.server.executor.queueStats('narrow').queued === 1, 10_000, 'the second call queued');
    open();
    const results = await Promise.all(calls);
    const traces = results.map((r) => aop.server.tracing.store.get((r._meta as Record<string, string>)[TRACE_ID_KEY])!);
    const queued = traces.filter((t) => byName(t, 'aop.queue').length === 1);
    assert.equal(queued.length, 1, 'exactly one call waited in the queue');
    const q = byName(queued[0], 'aop.queue')[0];
    const first = traces.find((t) => t !== queued[0])!;
    // it waited while the first call ran: the queue span ends when the first call's attempt ends
    assert.ok(q.endMs >= byName(first, 'aop.attempt')[0].endMs - 1, `queue ended ${q.endMs}, first attempt ended ${byName(first, 'aop.attempt')[0].endMs}`);
    assert.ok(q.endMs <= byName(queued[0], 'aop.attempt')[0].startMs, 'the queued call starts after its wait');
    assert.ok(Math.abs(Number(queued[0].root.attributes['aop.queue_ms']) - (q.endMs - q.startMs)) < 1, 'aop.queue_ms is the queue span');
  });

  test('a traceparent in the request _meta (real SDK client) is continued; the result _meta carries the spans', async () => {
    model.setScript({ text: 'traced answer' });
    const client = await aop.connect();
    const traceId = newTraceId();
    const callerSpan = newSpanId();
    const traceparent = formatTraceparent({ traceId, spanId: callerSpan, traceFlags: 1 });
    const r = (await client.callTool({
      name: 'once',
      arguments: { task: 'follow the trace' },
      _meta: { traceparent, tracestate: 'vendor=abc' },
    })) as CallToolResult;
    assert.equal(structured(r).result, 'traced answer');
    const meta = r._meta as Record<string, unknown>;
    assert.equal(meta[TRACE_ID_KEY], traceId);
    const wire = meta[SPANS_KEY] as WireSpans;
    assert.equal(wire.v, 1);
    assert.equal(wire.traceId, traceId);
    const spans = decodeSpans(wire, traceId);
    assert.equal(spans.length, wire.spans.length);
    const root = spans.find((s) => s.name === 'aop.invoke once')!;
    assert.ok(root);
    assert.equal(root.parentSpanId, callerSpan, "the server's root continues the caller's span");
    assert.ok(root.server.startsWith('aop@127.0.0.1:'), root.server);
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) if (s !== root) assert.ok(ids.has(s.parentSpanId!), `${s.name} has a parent in the trace`);
    assert.ok(spans.some((s) => s.name === 'aop.model'));
    // the server stored the same trace (under the caller's trace id)
    assert.equal(aop.server.tracing.store.get(traceId)?.root.parentSpanId, callerSpan);
  });

  test('an invalid traceparent starts a new trace', async () => {
    model.setScript({ text: 'ok' });
    const client = await aop.connect();
    const r = await client.callTool({ name: 'once', arguments: { task: 't' }, _meta: { traceparent: '00-zz-bad-01' } });
    const meta = r._meta as Record<string, unknown>;
    assert.match(String(meta[TRACE_ID_KEY]), /^[0-9a-f]{32}$/);
    assert.equal(meta[SPANS_KEY], undefined);
    assert.equal(parseTraceparent('00-00000000000000000000000000000000-0000000000000001-01'), undefined);
    assert.equal(parseTraceparent('ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), undefined);
    assert.equal(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')?.spanId, 'b7ad6b7169203331');
  });

  test('subscribe sees trace start, span start/end and trace end live', async () => {
    model.setScript({ text: 'live' });
    const events: string[] = [];
    const off = aop.server.tracing.store.subscribe((e) => events.push(`${e.type}:${'span' in e ? e.span.name : e.trace.root.name}`));
    const client = await aop.connect();
    await client.callTool({ name: 'once', arguments: { task: 'watch me' } });
    off();
    assert.equal(events[0], 'trace-start:aop.invoke once');
    assert.ok(events.includes('span-start:aop.attempt 1'));
    assert.ok(events.includes('span-end:aop.model'));
    assert.equal(events.at(-1), 'trace-end:aop.invoke once');
  });
});

describe('stitching across two real AopServers (the test plays the caller)', () => {
  let model: FakeOpenAi;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    model = await startFakeOpenAi({ text: 'from b' });
    a = await startServer([makeAgent({ name: 'front', maxRetries: 0 })], { openAiUrl: model.url, name: 'alpha' });
    b = await startServer([makeAgent({ name: 'back', maxRetries: 1 })], { openAiUrl: model.url, name: 'beta' });
  });
  after(async () => {
    await a.close();
    await b.close();
    await model.close();
  });

  test('caller → alpha → beta: one trace whose spans come from both servers with correct parents', async () => {
    model.setScript({ text: 'from a' });
    // The caller's own tracer and store (what the cluster client does).
    const callerStore = new TraceStore();
    const tracer = new AopTracer({ sink: callerStore, server: 'caller' });
    const top = tracer.startSpan('caller.job');

    // Hop 1: the caller calls alpha.
    const alphaClient = await a.connect();
    const hop1 = a.server.tracing.startRemoteCall('front', { url: a.url, server: 'alpha' }, top);
    const r1 = (await alphaClient.callTool({ name: 'front', arguments: { task: 'hop 1' }, _meta: injectTraceContext({}, hop1) })) as CallToolResult;

    // Hop 2: beta is called under alpha's root span, as alpha's cluster client will do once it
    // exists; here the test makes that call itself, with a client span whose parent is alpha's root.
    const alphaRoot = decodeSpans((r1._meta as Record<string, unknown>)[SPANS_KEY]).find((s) => s.name === 'aop.invoke front')!;
    assert.equal(structured(r1).result, 'from a');
    model.setScript([{ status: 503 }, { text: 'from b' }]);
    const betaClient = await b.connect();
    const hop2 = tracer.startChild('aop.remote back', { traceId: top.traceId, spanId: alphaRoot.spanId, traceFlags: 1, isRemote: true });
    const r2 = (await betaClient.callTool({ name: 'back', arguments: { task: 'hop 2' }, _meta: injectTraceContext({}, hop2) })) as CallToolResult;
    assert.equal(structured(r2).result, 'from b');
    endRemoteCall(hop2, r2);

    const added = absorbRemoteSpans(r1, hop1);
    assert.ok(added.length >= 3);
    endRemoteCall(hop1, r1); // absorbs nothing new the second time
    top.end();

    await waitUntil(() => callerStore.get(top.traceId) !== undefined);
    const t = callerStore.get(top.traceId)!;
    assert.equal(t.root.name, 'caller.job');
    assert.deepEqual(new Set(t.servers), new Set(['caller', `alpha@127.0.0.1:${a.port}`, `beta@127.0.0.1:${b.port}`]));
    const ids = new Map(t.spans.map((s) => [s.spanId, s]));
    for (const s of t.spans) if (s !== t.root) assert.ok(ids.has(s.parentSpanId!), `${s.name}@${s.server} parent present`);
    const front = t.spans.find((s) => s.name === 'aop.invoke front')!;
    const back = t.spans.find((s) => s.name === 'aop.invoke back')!;
    assert.equal(front.parentSpanId, hop1.spanId);
    assert.equal(ids.get(hop1.spanId)!.parentSpanId, top.spanId);
    assert.equal(ids.get(hop1.spanId)!.kind, 'client');
    assert.equal(back.parentSpanId, hop2.spanId);
    assert.equal(ids.get(hop2.spanId)!.parentSpanId, front.spanId);
    const backAttempts = t.spans.filter((s) => s.name.startsWith('aop.attempt') && s.server.startsWith('beta'));
    assert.deepEqual(backAttempts.map((s) => s.status.code).sort(), ['error', 'ok']);
    assert.equal(t.spans.filter((s) => s.name === 'aop.backoff' && s.server.startsWith('beta')).length, 1);
    // no duplicates
    assert.equal(ids.size, t.spans.length);
  });

  test('nested absorption: spans absorbed by a server travel back in its own result', async () => {
    // alpha's handler continues the caller's trace; a remote span under an open alpha span absorbs
    // beta's spans, so encodeSpans of alpha's fragment carries them (multi-level federation).
    model.setScript({ text: 'deep' });
    const traceId = newTraceId();
    const callerSpan = newSpanId();
    const inv = a.server.tracing.startInvocation('front', { task: 'nested' }, { traceparent: formatTraceparent({ traceId, spanId: callerSpan, traceFlags: 1 }) });
    const remote = a.server.tracing.startRemoteCall('back', { url: b.url }, inv.span);
    const betaClient = await b.connect();
    const r = (await betaClient.callTool({ name: 'back', arguments: { task: 'deep' }, _meta: injectTraceContext({}, remote) })) as CallToolResult;
    endRemoteCall(remote, r);
    inv.end({ result: 'deep', success: true, error: null });
    const wire = inv.resultMeta()[SPANS_KEY] as WireSpans;
    const spans = decodeSpans(wire, traceId);
    const names = spans.map((s) => s.name);
    assert.ok(names.includes('aop.invoke front') && names.includes('aop.remote back') && names.includes('aop.invoke back'), names.join());
    const back = spans.find((s) => s.name === 'aop.invoke back')!;
    assert.equal(back.parentSpanId, remote.spanId);
    assert.equal(spans.find((s) => s.name === 'aop.invoke front')!.parentSpanId, callerSpan);
  });
});
