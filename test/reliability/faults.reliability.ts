/**
 * Fault injection against the cluster client (paper §4.1 fault isolation, chaos testing):
 *  1. 5 real AOP servers, every agent on 3 of them; 10,000 calls from 50 concurrent callers through
 *     one AopCluster while 2 servers are killed and one of them is restarted → 0 failed calls, every
 *     result answers its own (unique) task exactly once, breakers open on the dead servers and
 *     close again on the restarted one.
 *  2. A hung server, a server answering garbage (HTTP 200 non-JSON, and JSON-RPC of the wrong
 *     shape) and a server dropping the connection mid-stream (SSE started, socket destroyed) are
 *     each survived: the call fails over, the bad server is reported down with a clear lastError.
 * Figures go to $AOP_RELIABILITY_FIGURES (JSON lines) when set.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerHealth } from '../../src/core/cluster/server-health';
import { startMember, startHungServer, makeCluster, type Member } from '../support/cluster';
import { waitUntil } from '../support/aop';

function figure(name: string, value: unknown): void {
  if (process.env.AOP_RELIABILITY_FIGURES) appendFileSync(process.env.AOP_RELIABILITY_FIGURES, JSON.stringify({ name, value }) + '\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos: 10,000 calls while servers die and come back', { timeout: 120_000 }, () => {
  const members: Member[] = [];
  after(async () => {
    await Promise.allSettled(members.map((m) => m.stop()));
  });

  it('loses, duplicates and fails nothing; breakers open and close', async () => {
    const SERVERS = 5;
    const AGENTS = 5;
    const CALLS = Number(process.env.AOP_CHAOS_CALLS ?? 10_000);
    const CALLERS = 50;
    const agents = Array.from({ length: AGENTS }, (_, i) => `agent${i}`);
    // agent i lives on servers i, i+1, i+2 (mod 5): every agent on 3 servers, any 2 may die
    const placement = (s: number) => agents.filter((_, i) => [i, (i + 1) % SERVERS, (i + 2) % SERVERS].includes(s));
    for (let s = 0; s < SERVERS; s++) members.push(await startMember(`s${s}`, placement(s)));
    const cluster = makeCluster({
      servers: members.map((m, i) => ({ url: m.url, name: `s${i}` })),
      call_timeout_ms: 10_000,
      breaker_failures: 3,
      breaker_reset_ms: 300,
    });
    const transitions = new Map<string, string[]>();
    cluster.on('health', (h: ServerHealth) => {
      const list = transitions.get(h.id) ?? [];
      if (list.at(-1) !== h.breaker) list.push(h.breaker);
      transitions.set(h.id, list);
    });
    const registry = await cluster.discover();
    for (const a of agents) assert.equal(registry.get(a)?.replicas.length, 3, `${a} has 3 replicas`);

    const results = new Map<number, string>();
    const failures: string[] = [];
    let duplicates = 0;
    let next = 0;
    let done = 0;
    const failovers = { calls: 0, attempts: 0 };
    const started = Date.now();

    const caller = async () => {
      for (;;) {
        const i = next++;
        if (i >= CALLS) return;
        const agent = agents[i % AGENTS];
        const task = `task #${i} ${Math.random().toString(36).slice(2)}`;
        try {
          const r = await cluster.call(agent, { task });
          const s = r.structuredContent as { result: string; success: boolean };
          const served = r._meta?.['aop/served_by'] as { server: string; attempts: number };
          if (served.attempts > 1) {
            failovers.calls++;
            failovers.attempts += served.attempts - 1;
          }
          const expected = `${served.server}: ${task}`;
          if (!s.success || s.result !== expected) failures.push(`#${i}: got ${JSON.stringify(s)}, expected ${expected}`);
          if (results.has(i)) duplicates++;
          results.set(i, s.result);
        } catch (err) {
          failures.push(`#${i}: ${(err as Error).message}`);
        }
        done++;
      }
    };

    // chaos: kill s1 at 10 %, kill s3 at 30 %, restart s1 at 50 %
    const chaos = (async () => {
      const at = async (fraction: number) => {
        while (done < CALLS * fraction) await sleep(5);
      };
      await at(0.1);
      await members[1].stop();
      if (process.env.AOP_CHAOS_TRACE) console.log(`t=${Date.now() - started} s1 stopped`);
      await at(0.3);
      await members[3].stop();
      if (process.env.AOP_CHAOS_TRACE) console.log(`t=${Date.now() - started} s3 stopped`);
      await at(0.5);
      await members[1].restart();
      if (process.env.AOP_CHAOS_TRACE) console.log(`t=${Date.now() - started} s1 restarted`);
    })();

    const ticker = process.env.AOP_CHAOS_TRACE ? setInterval(() => console.log(`t=${Date.now() - started} done=${done}`), 500) : undefined;
    await Promise.all(Array.from({ length: CALLERS }, caller));
    if (ticker) clearInterval(ticker);
    await chaos;
    const elapsed = Date.now() - started;
    console.log(`chaos: call phase ${elapsed} ms, ${failures.length} failures, breakers ${JSON.stringify(Object.fromEntries(transitions))}`);

    // the restarted server is taken back: its breaker half-opens, a trial call succeeds, it closes
    await waitUntil(
      () => cluster.server('s1')!.breakerState === 'closed' && cluster.server('s1')!.health().status !== 'down',
      15_000,
      's1 back in service',
    ).catch(async () => {
      // no caller left to probe it: send a few calls
      for (let k = 0; k < 20 && cluster.server('s1')!.breakerState !== 'closed'; k++) {
        await cluster.call('agent0', { task: `probe ${k}` });
        await sleep(100);
      }
    });

    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed calls`);
    assert.equal(results.size, CALLS, 'every call has a result');
    assert.equal(duplicates, 0, 'no call answered twice');
    // every answer is its own task's (checked per call above) and every task is distinct
    assert.equal(new Set(results.values()).size, CALLS, 'no result answers another call');
    // breakers: both killed servers opened; s1 closed again after its restart; s3 is still down
    assert.ok(transitions.get('s1')?.includes('open'), `s1 breaker opened (${transitions.get('s1')})`);
    assert.ok(transitions.get('s3')?.includes('open'), `s3 breaker opened (${transitions.get('s3')})`);
    assert.equal(cluster.server('s1')!.breakerState, 'closed', 's1 breaker closed after restart');
    // ...and it got there through a half-open trial call: open → half-open → closed, in that order
    const s1 = transitions.get('s1') ?? [];
    const lastOpen = s1.lastIndexOf('open');
    assert.deepEqual(s1.slice(lastOpen), ['open', 'half-open', 'closed'], `s1 breaker: ${s1.join(' → ')}`);
    assert.equal(cluster.server('s3')!.health().status, 'down', 's3 reported down');
    assert.match(cluster.server('s3')!.health().lastError ?? '', /refused|not reachable|lost|closed|reset/i);
    for (const id of ['s0', 's2', 's4']) assert.equal(cluster.server(id)!.breakerState, 'closed', `${id} never tripped`);

    figure('chaos', {
      calls: CALLS,
      callers: CALLERS,
      servers: SERVERS,
      killed: 2,
      restarted: 1,
      failed: failures.length,
      lost: CALLS - results.size,
      duplicated: duplicates,
      failedOverCalls: failovers.calls,
      failedOverAttempts: failovers.attempts,
      breakerTransitions: Object.fromEntries(transitions),
      ms: elapsed,
    });
    console.log(`chaos: ${CALLS} calls in ${elapsed} ms, ${failovers.calls} failed over (${failovers.attempts} extra attempts), 0 failed`);
    await cluster.close();
  });
});

type Fault = 'hang' | 'garbage-text' | 'garbage-jsonrpc' | 'wrong-id' | 'drop-mid-stream';

/**
 * A proxy in front of a real AOP server: discovery (initialize, tools/list, discover_agents) passes
 * through, tools/call of agents gets the fault. So the bad server is a replica in the registry and
 * the fault hits the call path.
 */
async function faultyProxy(target: string, fault: Fault): Promise<{ url: string; calls: number; close(): Promise<void> }> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const state = { calls: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let msg: { method?: string; id?: unknown; params?: { name?: string } } | undefined;
      try {
        msg = JSON.parse(body.toString('utf8'));
      } catch {
        /* not JSON: pass through */
      }
      if (msg?.method === 'tools/call' && msg.params?.name !== 'discover_agents') {
        state.calls++;
        switch (fault) {
          case 'hang':
            return; // never answers
          case 'garbage-text':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            return void res.end('<html>502 Bad Gateway</html> \u0000\uffff{{{');
          case 'garbage-jsonrpc':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            return void res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: 'not an array', isError: 'maybe' } }));
          case 'wrong-id':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            return void res.end(JSON.stringify({ jsonrpc: '2.0', id: 987654321, result: { content: [] } }));
          case 'drop-mid-stream':
            res.writeHead(200, { 'Content-Type': 'text/event-stream' });
            res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\n');
            res.write('event: message\ndata: {"jsonrpc":"2.0","id":');
            setTimeout(() => req.socket.destroy(), 20);
            return;
        }
      }
      const headers = { ...req.headers, host: t.host };
      const up = http.request({ hostname: t.hostname, port: t.port, path: req.url, method: req.method, headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      up.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get calls() {
      return state.calls;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('bad servers are survived', { timeout: 60_000 }, () => {
  const cases: Array<{ fault: Fault; lastError: RegExp }> = [
    { fault: 'hang', lastError: /timed out|did not answer/i },
    { fault: 'garbage-text', lastError: /invalid JSON/i },
    { fault: 'garbage-jsonrpc', lastError: /invalid|expected|content/i },
    { fault: 'wrong-id', lastError: /timed out|did not answer/i },
    { fault: 'drop-mid-stream', lastError: /lost before it answered|ended the response stream|reset/i },
  ];
  const figures: Record<string, unknown> = {};
  after(() => figure('bad-servers', figures));

  for (const { fault, lastError } of cases) {
    it(`fails over from a server that does "${fault}"`, async () => {
      const bad = await startMember('bad', ['echo']);
      const good = await startMember('good', ['echo']);
      const proxy = await faultyProxy(bad.url, fault);
      const cluster = makeCluster({
        servers: [
          { url: proxy.url, name: 'bad' },
          { url: good.url, name: 'good' },
        ],
        call_timeout_ms: 800,
        breaker_failures: 2,
        breaker_reset_ms: 60_000,
      });
      try {
        const reg = await cluster.discover();
        assert.equal(reg.get('echo')?.replicas.length, 2, 'the bad server passed discovery');
        const N = 8;
        for (let i = 0; i < N; i++) {
          const r = await cluster.call('echo', { task: `t${i}` });
          assert.equal((r.structuredContent as { result: string } | undefined)?.result, `good: t${i}`, JSON.stringify(r).slice(0, 400));
        }
        const h = cluster.server('bad')!.health();
        assert.equal(h.status, 'down');
        assert.equal(h.breaker, 'open', 'the breaker keeps further calls away');
        assert.match(h.lastError ?? '', lastError);
        assert.ok(proxy.calls >= 1 && proxy.calls <= 2, `bad server tried ${proxy.calls} times, then skipped`);
        assert.equal(cluster.server('good')!.health().status, 'up');
        figures[fault] = { calls: N, failed: 0, badServerTried: proxy.calls, lastError: h.lastError };
      } finally {
        await cluster.close();
        await proxy.close();
        await bad.stop();
        await good.stop();
      }
    });
  }

  it('a hung server at discovery hides nothing and is reported down', async () => {
    const hung = await startHungServer();
    const good = await startMember('good', ['echo']);
    const cluster = makeCluster({ servers: [{ url: hung.url, name: 'hung' }, { url: good.url, name: 'good' }], timeout_ms: 500 });
    try {
      const t0 = Date.now();
      const reg = await cluster.discover();
      assert.ok(Date.now() - t0 < 5_000, 'discovery is bounded by timeout_ms');
      assert.equal(reg.get('echo')?.replicas.length, 1);
      const h = cluster.server('hung')!.health();
      assert.equal(h.status, 'down');
      assert.match(h.lastError ?? '', /did not answer|timed out/i);
      const r = await cluster.call('echo', { task: 'x' });
      assert.equal((r.structuredContent as { result: string }).result, 'good: x');
    } finally {
      await cluster.close();
      await hung.close();
      await good.stop();
    }
  });
});
