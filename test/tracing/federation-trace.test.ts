import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate } from '../../src/core/cluster/federation';
import { makeCluster, startMember } from '../support/cluster';
import { AopTracer, TraceStore, endRemoteCall, injectTraceContext, traceFederatedCalls, SPANS_KEY, TRACE_ID_KEY } from '../../src/core/tracing';

test('a call through a two-level federation is one trace with spans from every server and correct parents', async () => {
  const c = await startMember('C', ['leaf']);
  const b = await startMember('B', ['mid']);
  const a = await startMember('A', ['top']);
  const toC = makeCluster({ name: 'c', servers: [c.url] }, { selfId: b.server.id });
  const toB = makeCluster({ name: 'b', servers: [b.url] }, { selfId: a.server.id });
  const stopB = federate(b.server, toC, { wrapCall: traceFederatedCalls(b.server.tracing) });
  const stopA = federate(a.server, toB, { wrapCall: traceFederatedCalls(a.server.tracing) });
  const client = new Client({ name: 't', version: '0' });
  try {
    await toC.discover();
    await toB.discover();
    assert.ok(a.server.tools.has('b__c__leaf'));

    // The test is the outermost caller, with its own tracer and store.
    const store = new TraceStore();
    const tracer = new AopTracer({ sink: store, server: 'caller' });
    const call = tracer.startSpan('aop.remote b__c__leaf', { kind: 3 });
    await client.connect(new StreamableHTTPClientTransport(new URL(a.url)));
    const r = (await client.callTool({ name: 'b__c__leaf', arguments: { task: 'deep' }, _meta: injectTraceContext({}, call) })) as CallToolResult;
    assert.equal((r.structuredContent as { result: string }).result, 'C: deep');
    assert.equal(r._meta?.[TRACE_ID_KEY], call.traceId);
    assert.ok(r._meta?.[SPANS_KEY], 'A returned its spans (and those it absorbed)');
    endRemoteCall(call, r);

    const t = store.get(call.traceId)!;
    const servers = new Set(t.spans.map((s) => s.server.split('@')[0]));
    assert.deepEqual([...servers].sort(), ['A', 'B', 'C', 'caller']);
    const byId = new Map(t.spans.map((s) => [s.spanId, s]));
    assert.equal(byId.size, t.spans.length, 'no duplicate spans');
    for (const s of t.spans) if (s !== t.root) assert.ok(byId.has(s.parentSpanId!), `${s.name}@${s.server} has its parent in the trace`);
    assert.equal(t.root.spanId, call.spanId);

    // caller → A's aop.remote c__leaf… → B's aop.remote leaf → C's aop.invoke leaf → attempt → model
    const chain: string[] = [];
    const invoke = t.spans.find((s) => s.name === 'aop.invoke leaf')!;
    assert.ok(invoke.server.startsWith('C@'));
    for (let s: typeof invoke | undefined = invoke; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) {
      chain.push(`${s.name}@${s.server.split('@')[0]}`);
    }
    assert.deepEqual(chain, ['aop.invoke leaf@C', 'aop.remote leaf@B', 'aop.remote c__leaf@A', 'aop.remote b__c__leaf@caller']);
    const remoteB = t.spans.find((s) => s.name === 'aop.remote leaf')!;
    assert.equal(remoteB.kind, 'client');
    assert.equal(remoteB.status.code, 'ok');
    assert.match(String(remoteB.attributes['aop.remote.server']), new RegExp(`:${c.port}$`), 'the replica that answered');
    assert.ok(t.spans.some((s) => s.name === 'aop.model' && s.server.startsWith('C@')));

    // Each server also keeps its own part under the same trace id.
    assert.ok(c.server.tracing.store.get(call.traceId));
    const fromC = t.spans.filter((s) => s.server.startsWith('C@')).length;
    assert.equal(b.server.tracing.store.get(call.traceId)!.spans.filter((s) => s.server.startsWith('C@')).length, fromC, "B absorbed C's spans");
  } finally {
    await client.close().catch(() => {});
    stopA();
    stopB();
    await Promise.all([toB.close(), toC.close()]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  }
});
