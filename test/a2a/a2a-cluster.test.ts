import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate } from '../../src/core/cluster/federation';
import { ClusterCallError } from '../../src/core/cluster/cluster';
import { traceFederatedCalls } from '../../src/core/tracing/federation';
import { InstantChatModel } from '../../src/core/models/instant';
import { AopServer } from '../../src/core/server/aop-server';
import { startA2aPeer, type A2aPeer } from '../support/a2a-peer';
import { closedPort, makeCluster } from '../support/cluster';
import { makeAgent } from '../support/agents';
import { waitUntil } from '../support/aop';
import { runCli } from '../support/cli';

const structured = (r: CallToolResult) => r.structuredContent as { result: string; success: boolean; error: string | null };

describe('A2A in: an A2A agent built with the official SDK joins a cluster', () => {
  let peer: A2aPeer;
  before(async () => {
    peer = await startA2aPeer({ token: 'peer-secret' });
  });
  after(async () => {
    await peer.close();
  });

  const a2aCluster = (over: Record<string, unknown> = {}) =>
    makeCluster({
      name: 'peers',
      servers: [{ url: peer.cardUrl, protocol: 'a2a', headers: { Authorization: 'Bearer ${env:PEER_TOKEN}' } }],
      call_timeout_ms: 10_000,
      ...over,
    }, { lookup: (kind, key) => (kind === 'env' && key === 'PEER_TOKEN' ? 'peer-secret' : undefined) });

  it('discovers the agent from its card, with health and latency, and calls it through the SDK client', async () => {
    const cluster = a2aCluster();
    try {
      const registry = await cluster.discover();
      const entry = registry.get('Echo_Peer');
      assert.ok(entry, `registry: ${registry.entries().map((e) => e.name)}`);
      assert.equal(entry.isAgent, true);
      assert.deepEqual(entry.capabilities, ['echo', 'shout']);
      assert.ok(entry.tags.includes('loud'));
      const [h] = cluster.health();
      assert.equal(h.status, 'up');
      assert.equal(h.protocol, 'a2a');
      assert.equal(h.agentCount, 1);
      assert.ok(h.latencyP50Ms !== undefined && h.latencyP50Ms >= 0);

      const progress: string[] = [];
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const result = await cluster.call('Echo_Peer', { task: 'hello there' }, {
        meta: { traceparent, 'aop/hops': 1, 'aop/chain': ['upstream'] },
        onprogress: (p) => progress.push(p.message ?? ''),
      });
      assert.deepEqual(structured(result), { result: 'peer: hello there', success: true, error: null });
      assert.equal(progress.join(''), 'peer: hello there', 'artifact chunks arrive as progress');
      assert.equal(result._meta?.['aop/served_by'] && (result._meta['aop/served_by'] as { protocol?: string }).protocol, 'a2a');
      const seen = peer.messages.at(-1)!;
      assert.equal(seen.metadata?.traceparent, traceparent, 'the traceparent travels in the message metadata');
      assert.deepEqual(seen.metadata?.['aop/chain'], ['upstream']);
      assert.equal(peer.auth.at(-1), 'Bearer peer-secret', 'the configured header reaches the peer');

      const failed = await cluster.call('Echo_Peer', { task: 'please fail' });
      assert.equal(structured(failed).success, false);
      assert.match(structured(failed).error!, /peer could not do it/);
      assert.equal(cluster.health()[0].status, 'up', 'a failed task is an answer, not a down peer');
    } finally {
      await cluster.close();
    }
  });

  it('a peer without streaming is called with SendMessage', async () => {
    const plain = await startA2aPeer({ name: 'Plain', streaming: false });
    const cluster = makeCluster({ name: 'plain', servers: [{ url: plain.cardUrl, protocol: 'a2a' }] });
    try {
      const r = await cluster.call('Plain', { task: 'no stream' });
      assert.equal(structured(r).result, 'peer: no stream');
    } finally {
      await cluster.close();
      await plain.close();
    }
  });

  it('federation: the agent appears as <cluster>__<agent>; an MCP cancel becomes CancelTask; the trace marks the A2A hop', async () => {
    const cluster = a2aCluster();
    const server = new AopServer({ name: 'front', port: 0, models: () => new InstantChatModel() });
    const stop = federate(server, cluster, { wrapCall: traceFederatedCalls(server.tracing) });
    const { url } = await server.listen();
    const client = new Client({ name: 't', version: '0' });
    try {
      await cluster.refresh();
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const tools = await client.listTools();
      const tool = tools.tools.find((t) => t.name === 'peers__Echo_Peer');
      assert.ok(tool, `tools: ${tools.tools.map((t) => t.name)}`);
      const r = (await client.callTool({ name: 'peers__Echo_Peer', arguments: { task: 'via federation' } })) as CallToolResult;
      assert.equal(structured(r).result, 'peer: via federation');
      const traceId = String(r._meta?.['aop/trace_id']);
      const remote = server.tracing.store.get(traceId)?.spans.find((s) => s.name.startsWith('aop.remote'));
      assert.equal(remote?.attributes['aop.protocol'], 'a2a');
      assert.match(String(peer.messages.at(-1)!.metadata?.traceparent), new RegExp(`^00-${traceId}-`), 'the peer got our trace');

      const ac = new AbortController();
      const call = client.request(
        { method: 'tools/call', params: { name: 'peers__Echo_Peer', arguments: { task: 'hang on' } } },
        CallToolResultSchema,
        { signal: ac.signal },
      );
      await waitUntil(() => peer.messages.some((m) => JSON.stringify(m.parts).includes('hang on')), 5000, 'the peer got the task');
      ac.abort();
      await assert.rejects(call);
      await waitUntil(() => peer.cancels.length > 0, 5000, 'CancelTask at the peer');
    } finally {
      await client.close();
      stop();
      await cluster.close();
      await server.close();
    }
  });

  it('aop call --cluster reaches the A2A agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aop-a2a-'));
    try {
      const file = join(dir, 'cluster.json');
      await writeFile(file, JSON.stringify({ name: 'peers', servers: [{ url: peer.cardUrl, protocol: 'a2a', headers: { Authorization: 'Bearer peer-secret' } }] }));
      const r = await runCli(['call', '--cluster', file, 'Echo_Peer', '--task', 'from the cli']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'peer: from the cli');
      assert.match(r.stderr, /served by 127\.0\.0\.1:\d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('A2A in: bad peers are bounded and reported, never a crash', () => {
  let peer: A2aPeer;
  before(async () => {
    peer = await startA2aPeer({ hugeBytes: 4.2 * 1024 * 1024 });
  });
  after(async () => {
    await peer.close();
  });

  it('malformed, foreign-host, v0.3 and oversized cards: no agent, a health error saying why', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /not JSON/],
      [[1, 2], /not a JSON object/],
      [{ name: 'x', url: 'http://127.0.0.1:1/', version: '0.3' }, /v0\.3 card/],
      [{ name: 'x', supportedInterfaces: [{ url: 'http://evil.example/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] }, /another host/],
      [{ name: 'x', supportedInterfaces: [{ url: '/a2a', protocolBinding: 'GRPC', protocolVersion: '1.0' }] }, /no JSON-RPC interface/],
      [{ name: '', supportedInterfaces: [] }, /no name|no JSON-RPC/],
      [{ name: 'big', description: 'd'.repeat(300 * 1024), supportedInterfaces: [] }, /bytes/],
    ];
    try {
      for (const [card, why] of cases) {
        peer.setCard(card);
        const cluster = makeCluster({ name: 'bad', servers: [{ url: peer.cardUrl, protocol: 'a2a' }] });
        try {
          const registry = await cluster.discover();
          assert.equal(registry.size, 0, JSON.stringify(card).slice(0, 80));
          const [h] = cluster.health();
          assert.equal(h.status, 'down');
          assert.match(h.lastError ?? '', why);
          await assert.rejects(cluster.call('x', { task: 't' }), ClusterCallError);
        } finally {
          await cluster.close();
        }
      }
    } finally {
      peer.setCard(undefined);
    }
  });

  it('a huge artifact fails the call with a size error in the health', async () => {
    const cluster = makeCluster({ name: 'huge', servers: [{ url: peer.cardUrl, protocol: 'a2a' }], breaker_failures: 100 });
    try {
      await assert.rejects(cluster.call('Echo_Peer', { task: 'huge please' }), /went past the 4194304 bytes allowed/);
      assert.match(cluster.health()[0].lastError ?? '', /went past the 4194304 bytes allowed/);
      const ok = await cluster.call('Echo_Peer', { task: 'small' });
      assert.equal(structured(ok).result, 'peer: small', 'the member recovers');
    } finally {
      await cluster.close();
    }
  });

  it('a never-ending stream ends at call_timeout_ms, and the peer is told to cancel', async () => {
    const cluster = makeCluster({ name: 'slow', servers: [{ url: peer.cardUrl, protocol: 'a2a' }], call_timeout_ms: 400, breaker_failures: 100 });
    try {
      const before = peer.cancels.length;
      await assert.rejects(cluster.call('Echo_Peer', { task: 'forever and ever' }), /did not finish the A2A task within 400 ms/);
      await waitUntil(() => peer.cancels.length > before, 5000, 'CancelTask at the peer');
      assert.match(cluster.health()[0].lastError ?? '', /within 400 ms/);
    } finally {
      await cluster.close();
    }
  });

  it('an unreachable card is a health error', async () => {
    const port = await closedPort();
    const cluster = makeCluster({ name: 'gone', servers: [{ url: `http://127.0.0.1:${port}/.well-known/agent-card.json`, protocol: 'a2a' }] });
    try {
      await cluster.discover();
      assert.match(cluster.health()[0].lastError ?? '', /refused|ECONNREFUSED|fetch failed/);
    } finally {
      await cluster.close();
    }
  });
});
