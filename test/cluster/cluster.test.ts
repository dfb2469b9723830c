import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate, federatedName } from '../../src/core/cluster/federation';
import { SERVED_BY_META } from '../../src/core/meta-keys';
import { makeAgent } from '../support/agents';
import { waitUntil } from '../support/aop';
import { closedPort, makeCluster, startHungServer, startMember, type Member } from '../support/cluster';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const answer = (r: CallToolResult) => (r.structuredContent as { result: string }).result;
const servedBy = (r: CallToolResult) => (r._meta?.[SERVED_BY_META] as { server: string; attempts: number });

describe('AopCluster: discovery', () => {
  let s1: Member, s2: Member, s3: Member;
  before(async () => {
    s1 = await startMember('s1', ['alpha', 'shared']);
    s2 = await startMember('s2', ['beta', 'shared']);
    s3 = await startMember('s3', ['shared']);
  });
  after(async () => {
    await Promise.all([s1.stop(), s2.stop(), s3.stop()]);
  });

  test('union of tools with every replica kept, rich metadata from discover_agents', async () => {
    const cluster = makeCluster({ servers: [s1.url, s2.url, s3.url] });
    try {
      const reg = await cluster.discover();
      assert.deepEqual(reg.entries().map((e) => e.name).sort(), ['alpha', 'beta', 'shared']);
      assert.deepEqual(reg.get('shared')!.replicas.map((r) => r.serverId), ['127.0.0.1:' + s1.port, '127.0.0.1:' + s2.port, '127.0.0.1:' + s3.port]);
      assert.equal(reg.get('alpha')!.isAgent, true);
      assert.ok(!reg.get('discover_agents'), 'per-server discovery tools are not cluster tools');
      assert.deepEqual(cluster.health().map((h) => h.status), ['up', 'up', 'up']);
      assert.deepEqual(cluster.health().map((h) => h.agentCount), [2, 2, 1]);
      assert.deepEqual((await cluster.search('BETA')).map((e) => e.name), ['beta']);
    } finally {
      await cluster.close();
    }
  });

  test('a dead and a hung server are reported; the others are served once the hung one times out', async () => {
    const hung = await startHungServer();
    const dead = `http://127.0.0.1:${await closedPort()}/mcp`;
    const cluster = makeCluster({ servers: [dead, s1.url, hung.url, s2.url], timeout_ms: 400 });
    try {
      // The hung server never answers: discovery ends only because its timeout fires (no wall-clock bound here).
      const reg = await cluster.discover();
      assert.deepEqual(reg.entries().map((e) => e.name).sort(), ['alpha', 'beta', 'shared']);
      const [hDead, hS1, hHung, hS2] = cluster.health();
      assert.equal(hDead.status, 'down');
      assert.match(hDead.lastError ?? '', /refused|ECONNREFUSED|fetch failed/i);
      assert.equal(hHung.status, 'down');
      assert.match(hHung.lastError ?? '', /did not answer|timed out|timeout/i);
      assert.equal(hS1.status, 'up');
      assert.equal(hS2.status, 'up');
    } finally {
      await cluster.close();
      await hung.close();
    }
  });

  test('cache: a hit within the TTL, stale-while-revalidate after it, tools/list_changed refreshes one server', async () => {
    const cluster = makeCluster({ servers: [s1.url, s2.url], cache_ttl_s: 0.3 });
    try {
      const first = await cluster.discover();
      const again = await cluster.discover();
      assert.equal(again, first, 'same registry object within the TTL');
      await new Promise((r) => setTimeout(r, 350));
      const stale = await cluster.discover();
      assert.equal(stale, first, 'stale registry answered at once');
      await waitUntil(() => cluster.registry !== first, 2000, 'background revalidation');

      // A new agent on s2: its tools/list_changed refreshes the registry without a discover() call.
      s2.server.upsertAgent(makeAgent({ name: 'gamma' }));
      await waitUntil(() => cluster.registry?.get('gamma') !== undefined, 3000, 'gamma via list_changed');
      s2.server.removeAgent('gamma');
      await waitUntil(() => cluster.registry?.get('gamma') === undefined, 3000, 'gamma removed');
    } finally {
      await cluster.close();
    }
  });
});

describe('AopCluster: calls, failover and breakers', () => {
  test('round-robin alternates calls over the replicas', async () => {
    const a = await startMember('ra', ['shared']);
    const b = await startMember('rb', ['shared']);
    const cluster = makeCluster({ servers: [a.url, b.url], routing: 'round-robin' });
    try {
      const order: string[] = [];
      for (let i = 0; i < 6; i++) order.push(answer(await cluster.call('shared', { task: 'x' })).split(':')[0]);
      assert.deepEqual(order, ['ra', 'rb', 'ra', 'rb', 'ra', 'rb']);
      // an agent's answer comes back as is
      assert.match(answer(await cluster.call('shared', { task: 'hello' })), /^r[ab]: hello$/);
    } finally {
      await cluster.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('least-inflight sends every call to the replica with nothing in flight', { timeout: 30_000 }, async () => {
    // la holds its calls for 20 s: a call routed there by mistake makes the test fail, not pass.
    const a = await startMember('la', ['shared'], { delayMs: 20_000 });
    const b = await startMember('lb', ['shared']);
    const cluster = makeCluster({ servers: [a.url, b.url], routing: 'least-inflight', call_timeout_ms: 30_000 });
    try {
      await cluster.discover();
      // both idle: the first replica in the order gets the first call, and holds it
      const held = cluster.call('shared', { task: 'held' }).catch((e: Error) => e);
      await waitUntil(() => a.server.executor.runtime('shared').inFlight === 1, 10_000, 'the held call running on la');
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push(answer(await cluster.call('shared', { task: `q${i}` })).split(':')[0]);
      assert.deepEqual(order, ['lb', 'lb', 'lb', 'lb'], 'la has one call in flight, lb none');
      assert.equal(b.server.executor.runtime('shared').completed, 4);
      await a.stop();
      await held;
    } finally {
      await cluster.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('latency routing measures each replica once, then prefers the faster one', async () => {
    // sa is slower than any call to sb can be, even on a loaded 2-core machine (600 ms was not)
    const a = await startMember('sa', ['shared'], { delayMs: 1500 });
    const b = await startMember('sb', ['shared']);
    const cluster = makeCluster({ servers: [a.url, b.url], routing: 'latency' });
    try {
      await cluster.discover();
      const order: string[] = [];
      for (let i = 0; i < 6; i++) order.push(answer(await cluster.call('shared', { task: `q${i}` })).split(':')[0]);
      // sa answers in >= 1500 ms, sb at once: once both are measured every call goes to sb
      assert.ok(order.filter((x) => x === 'sa').length <= 1, `sa measured at most once: ${order.join(',')}`);
      assert.deepEqual(order.slice(2), ['sb', 'sb', 'sb', 'sb'], `order ${order.join(',')}`);
      const [ha, hb] = cluster.health();
      assert.ok(ha.latencyEwmaMs! > hb.latencyEwmaMs!, `EWMA sa ${ha.latencyEwmaMs} > sb ${hb.latencyEwmaMs}`);
    } finally {
      await cluster.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('failover mid-call when the replica serving it is stopped', async () => {
    const a = await startMember('fa', ['job'], { delayMs: 400 });
    const b = await startMember('fb', ['job'], { delayMs: 50 });
    const cluster = makeCluster({ servers: [a.url, b.url], routing: 'round-robin' });
    try {
      await cluster.discover();
      const call = cluster.call('job', { task: 'important' }); // round-robin: first goes to fa
      await waitUntil(() => a.server.executor.runtime('job').inFlight === 1, 2000, 'call running on fa');
      await a.stop();
      const r = await call;
      assert.equal(answer(r), 'fb: important');
      assert.equal(servedBy(r).attempts, 2);
    } finally {
      await cluster.close();
      await b.stop();
    }
  });

  test("an agent's own success:false is returned as is, not retried elsewhere", async () => {
    const a = await startMember('ea', ['picky']);
    const b = await startMember('eb', ['picky']);
    const cluster = makeCluster({ servers: [a.url, b.url] });
    try {
      const r = await cluster.call('picky', { task: '' }); // empty task: invalid arguments on the agent
      assert.equal(r.isError, true);
      assert.equal(servedBy(r).attempts, 1);
      const total = a.server.executor.runtime('picky').completed + b.server.executor.runtime('picky').completed;
      assert.equal(total, 0);
    } finally {
      await cluster.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('the breaker opens after N failures, fails fast, half-opens for a trial call, closes; health is degraded', async () => {
    const a = await startMember('ba', ['solo']);
    const cluster = makeCluster({ servers: [a.url], breaker_failures: 2, breaker_reset_ms: 300, call_timeout_ms: 1000 });
    const seen: Array<{ breaker: string; status: string }> = [];
    cluster.on('health', (h) => seen.push({ breaker: h.breaker, status: h.status }));
    try {
      await cluster.discover();
      await a.stop();
      await assert.rejects(cluster.call('solo', { task: '1' }), /replica/);
      await assert.rejects(cluster.call('solo', { task: '2' }), /replica/);
      assert.equal(cluster.health()[0].breaker, 'open');
      assert.equal(cluster.health()[0].status, 'down');
      // fails fast while open: refused by the breaker, no connection attempt
      await assert.rejects(cluster.call('solo', { task: '3' }), /circuit breaker open/);
      await a.restart();
      // Wait for the state: retry until the breaker lets the trial call through (after breaker_reset_ms).
      let r: CallToolResult | undefined;
      const deadline = Date.now() + 15_000;
      while (!r) {
        try {
          r = await cluster.call('solo', { task: 'back' });
        } catch (err) {
          assert.match((err as Error).message, /circuit breaker open/);
          if (Date.now() > deadline) throw err;
          await new Promise((res) => setTimeout(res, 25));
        }
      }
      assert.equal(answer(r), 'ba: back');
      const h = cluster.health()[0];
      assert.equal(h.breaker, 'closed');
      // back in service but recovering: a failure within the last 30 s
      assert.equal(h.status, 'degraded');
      // the breaker went open → half-open (the trial call) → closed, in that order
      const breakers = seen.map((e) => e.breaker).filter((b, i, all) => i === 0 || all[i - 1] !== b);
      assert.deepEqual(breakers.slice(breakers.indexOf('open')), ['open', 'half-open', 'closed'], JSON.stringify(seen));
    } finally {
      await cluster.close();
      await a.stop();
    }
  });
});

describe('Federation', () => {
  test('two levels deep: A re-exports B, which re-exports C; the call crosses both hops', async () => {
    const c = await startMember('C', ['leaf']);
    const b = await startMember('B', ['mid']);
    const a = await startMember('A', ['top']);
    const toC = makeCluster({ name: 'c', servers: [c.url] }, { selfId: b.server.id });
    const toB = makeCluster({ name: 'b', servers: [b.url] }, { selfId: a.server.id });
    const stopB = federate(b.server, toC);
    const stopA = federate(a.server, toB);
    try {
      await toC.discover();
      assert.ok(b.server.tools.has('c__leaf'));
      await toB.discover();
      assert.ok(a.server.tools.has('b__c__leaf'), 'nested cluster resolved recursively');
      assert.ok(a.server.tools.has('b__mid'));

      const client = new Client({ name: 't', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(a.url)));
      const r = (await client.callTool({ name: 'b__c__leaf', arguments: { task: 'deep' } })) as CallToolResult;
      assert.equal(answer(r), 'C: deep');
      await client.close();
    } finally {
      stopA();
      stopB();
      await Promise.all([toB.close(), toC.close()]);
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  test('a loop A → B → A is refused with a clear error, and discovery never re-imports its own tools', async () => {
    const a = await startMember('LA', ['a1']);
    const b = await startMember('LB', ['b1']);
    const aToB = makeCluster({ name: 'b', servers: [b.url] }, { selfId: a.server.id });
    const bToA = makeCluster({ name: 'a', servers: [a.url] }, { selfId: b.server.id });
    const stops = [federate(a.server, aToB), federate(b.server, bToA)];
    try {
      await aToB.discover();
      await bToA.discover({ force: true });
      await aToB.discover({ force: true });
      assert.ok(b.server.tools.has('a__a1'));
      assert.ok(!b.server.tools.has('a__b__b1'), 'B does not import its own tool back through A');
      assert.ok(!a.server.tools.has('b__a__a1'), 'A does not import its own tool back through B');

      const client = new Client({ name: 't', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(b.url)));
      // A call that claims to come from A, sent to B's re-export of A's agent: B → A would loop.
      const r = (await client.callTool({
        name: 'a__a1',
        arguments: { task: 'x' },
        _meta: { 'aop/hops': 1, 'aop/chain': [a.server.id] },
      })) as CallToolResult;
      assert.equal(r.isError, true);
      assert.match(JSON.stringify(r.structuredContent), /federation loop refused/);
      // Too many hops
      const r2 = (await client.callTool({ name: 'b1', arguments: { task: 'x' }, _meta: { 'aop/hops': 9, 'aop/chain': ['x', 'y'] } })) as CallToolResult;
      assert.match(JSON.stringify(r2.structuredContent), /max_hops/);
      await client.close();
    } finally {
      for (const s of stops) s();
      await Promise.all([aToB.close(), bToA.close()]);
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('past the tool budget, remote agents are reached through call_agent and found by search_agents', async () => {
    const remote = await startMember('R', ['r-one', 'r-two', 'r-three']);
    const local = await startMember('L', ['l-one']);
    const cluster = makeCluster({ name: 'team', servers: [remote.url] }, { selfId: local.server.id });
    let budget = 2;
    const stop = federate(local.server, cluster, { budget: { remaining: () => budget, take: (n) => (budget -= n) } });
    try {
      await cluster.discover();
      const exported = local.server.tools.names('remote');
      assert.equal(exported.length, 2, `exported ${exported.join(', ')}`);
      assert.equal(budget, 0);
      assert.equal(local.server.remote.size, 3);
      const hidden = [...local.server.remote.values()].find((r) => !r.exported)!;
      const client = new Client({ name: 't', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(local.url)));
      const r = (await client.callTool({ name: 'call_agent', arguments: { agent: hidden.name, task: 'via call_agent' } })) as CallToolResult;
      assert.equal(answer(r), 'R: via call_agent');
      const byBare = (await client.callTool({ name: 'call_agent', arguments: { agent: hidden.remoteName, task: 'bare' } })) as CallToolResult;
      assert.equal(answer(byBare), 'R: bare');
      const localCall = (await client.callTool({ name: 'call_agent', arguments: { agent: 'l-one', task: 'here' } })) as CallToolResult;
      assert.equal(answer(localCall), 'L: here');
      const found = (await client.callTool({ name: 'search_agents', arguments: { query: hidden.remoteName } })) as CallToolResult;
      const names = (found.structuredContent as { matching_agents: Array<{ agent_name: string }> }).matching_agents.map((a) => a.agent_name);
      assert.ok(names.includes(hidden.name), names.join(', '));
      const missing = (await client.callTool({ name: 'call_agent', arguments: { agent: 'ghost', task: 'x' } })) as CallToolResult;
      assert.equal(missing.isError, true);
      await client.close();
    } finally {
      stop();
      assert.equal(budget, 2, 'budget returned when the federation stops');
      await cluster.close();
      await Promise.all([remote.stop(), local.stop()]);
    }
  });

  test('federated names stay within 40 characters and are deterministic on clashes', () => {
    const taken = new Set<string>(['team__x']);
    const long = federatedName('team', 'a-very-long-agent-name-that-goes-on-and-on', new Set());
    assert.ok(long.length <= 40, long);
    assert.equal(long, federatedName('team', 'a-very-long-agent-name-that-goes-on-and-on', new Set()));
    const clash = federatedName('team', 'x', taken);
    assert.notEqual(clash, 'team__x');
    assert.ok(clash.length <= 40);
  });
});

describe('A plain MCP server as a cluster member', () => {
  let everything: ChildProcess;
  let url: string;
  before(async () => {
    const port = await closedPort();
    url = `http://127.0.0.1:${port}/mcp`;
    const bin = join(resolve(__dirname, '../..'), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
    everything = spawn(process.execPath, [bin, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolvePromise, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`server-everything did not start: ${err}`)), 15_000);
      everything.stderr!.on('data', (d) => {
        err += d;
        if (/listening on port/i.test(err)) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
    });
  });
  after(() => {
    everything.kill();
  });

  test('@modelcontextprotocol/server-everything joins a cluster beside an AOP server', async () => {
    const aop = await startMember('mixed', ['helper']);
    const cluster = makeCluster({ servers: [url, aop.url], timeout_ms: 5000 });
    try {
      const reg = await cluster.discover();
      assert.ok(reg.get('echo'), `echo tool found among ${reg.entries().map((e) => e.name).join(', ')}`);
      assert.equal(reg.get('echo')!.isAgent, false);
      assert.ok(reg.get('helper')!.isAgent);
      const [hEverything] = cluster.health();
      assert.equal(hEverything.isAop, false);
      const r = await cluster.call('echo', { message: 'ping' });
      assert.match(JSON.stringify(r.content), /ping/);
    } finally {
      await cluster.close();
      await aop.stop();
    }
  });
});

describe('An old HTTP+SSE server as a cluster member', () => {
  let everything: ChildProcess;
  let url: string;
  before(async () => {
    const port = await closedPort();
    url = `http://127.0.0.1:${port}/sse`;
    const bin = join(resolve(__dirname, '../..'), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
    everything = spawn(process.execPath, [bin, 'sse'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolvePromise, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`server-everything (sse) did not start: ${err}`)), 15_000);
      everything.stderr!.on('data', (d) => {
        err += d;
        if (/running on port/i.test(err)) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
    });
  });
  after(() => {
    everything.kill();
  });

  test('transport "auto" falls back to HTTP+SSE after a 4xx, and "sse" connects directly', async () => {
    for (const transport of ['auto', 'sse'] as const) {
      const cluster = makeCluster({ servers: [{ url, transport }], timeout_ms: 8000 });
      try {
        const reg = await cluster.discover();
        assert.ok(reg.get('echo'), `${transport}: echo found among ${reg.entries().map((e) => e.name).join(', ')}; health ${JSON.stringify(cluster.health())}`);
        const r = await cluster.call('echo', { message: `via ${transport}` });
        assert.match(JSON.stringify(r.content), new RegExp(`via ${transport}`));
      } finally {
        await cluster.close();
      }
    }
  });
});

