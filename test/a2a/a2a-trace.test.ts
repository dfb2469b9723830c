import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate } from '../../src/core/cluster/federation';
import { traceFederatedCalls } from '../../src/core/tracing/federation';
import { InstantChatModel } from '../../src/core/models/instant';
import { AopServer } from '../../src/core/server/aop-server';
import { makeCluster, startMember } from '../support/cluster';

describe('A2A and MCP in one trace', () => {
  it('MCP client → server c (MCP) → server a (A2A) → server b: one tree, both protocols', async () => {
    const b = await startMember('b', ['x']);
    const a = new AopServer({ name: 'a', id: 'a', port: 0, models: () => new InstantChatModel() });
    const c = new AopServer({ name: 'c', id: 'c', port: 0, models: () => new InstantChatModel() });
    const toB = makeCluster({ name: 'b', servers: [{ url: `http://127.0.0.1:${b.port}/a2a/x/.well-known/agent-card.json`, protocol: 'a2a' }] }, { selfId: 'a' });
    const stopA = federate(a, toB, { wrapCall: traceFederatedCalls(a.tracing) });
    const { url: aUrl } = await a.listen();
    const toA = makeCluster({ name: 'a', servers: [aUrl] }, { selfId: 'c' });
    const stopC = federate(c, toA, { wrapCall: traceFederatedCalls(c.tracing) });
    const { url: cUrl } = await c.listen();
    const client = new Client({ name: 't', version: '0' });
    try {
      await toB.refresh();
      await toA.refresh();
      await client.connect(new StreamableHTTPClientTransport(new URL(cUrl)));
      const r = (await client.callTool({ name: 'a__b__x', arguments: { task: 'deep' } })) as CallToolResult;
      assert.deepEqual(r.structuredContent, { result: 'b: deep', success: true, error: null });

      const traceId = String(r._meta?.['aop/trace_id']);
      const spans = c.tracing.store.get(traceId)?.spans ?? [];
      const cRemote = spans.find((s) => s.name === 'aop.remote b__x');
      const aRemote = spans.find((s) => s.name === 'aop.remote x');
      const bInvoke = spans.find((s) => s.name === 'aop.invoke x');
      assert.ok(cRemote && aRemote && bInvoke, `spans: ${spans.map((s) => `${s.name}@${s.server}`).join(', ')}`);
      assert.equal(cRemote.attributes['aop.protocol'], 'mcp');
      assert.equal(cRemote.attributes['mcp.method.name'], 'tools/call');
      assert.equal(aRemote.attributes['aop.protocol'], 'a2a');
      assert.equal(aRemote.attributes['mcp.method.name'], undefined);
      assert.equal(bInvoke.attributes['aop.protocol'], 'a2a');
      assert.equal(aRemote.parentSpanId, cRemote.spanId, 'a hangs under c (the MCP hop)');
      assert.equal(bInvoke.parentSpanId, aRemote.spanId, 'b hangs under a (the A2A hop)');
      assert.ok(spans.some((s) => s.name === 'aop.model' && s.server.startsWith('b')), "b's model span came back too");
      assert.ok(new Set(spans.map((s) => s.traceId)).size === 1);
    } finally {
      await client.close();
      stopC();
      stopA();
      await toA.close();
      await toB.close();
      await c.close();
      await a.close();
      await b.stop();
    }
  });

  it('an AOP server card as a cluster member: each skill is an agent, called by tenant, with the token', async () => {
    const b = await startMember('b', ['x', 'y'], { token: 'b-token' });
    const cluster = makeCluster({
      name: 'bsrv',
      servers: [{ url: `http://127.0.0.1:${b.port}/.well-known/agent-card.json`, protocol: 'a2a', headers: { Authorization: 'Bearer b-token' } }],
    });
    const anon = makeCluster({ name: 'anon', servers: [{ url: `http://127.0.0.1:${b.port}/.well-known/agent-card.json`, protocol: 'a2a' }] });
    try {
      const registry = await cluster.discover();
      assert.deepEqual(registry.entries().map((e) => e.name).sort(), ['x', 'y']);
      assert.equal(cluster.health()[0].agentCount, 2);
      const r = await cluster.call('y', { task: 'by tenant' });
      assert.deepEqual(r.structuredContent, { result: 'b: by tenant', success: true, error: null });
      // The card is public; the calls need the token.
      await anon.discover();
      await assert.rejects(anon.call('x', { task: 'no token' }), /401|Unauthorized/);
      assert.match(anon.health()[0].lastError ?? '', /401|Unauthorized/);
    } finally {
      await cluster.close();
      await anon.close();
      await b.stop();
    }
  });
});
