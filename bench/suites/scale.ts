import { printResultAndExit } from '../lib/child-main';
/**
 * Scale (10,000 agents on one AopServer) and concurrency (1,000 calls in flight, 50 ms model)
 * suites. Each runs in its own child process (`node --expose-gc`) so RSS and heap figures are
 * not polluted by the other suites; the parent reads one JSON line from stdout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { benchAgent, nodeClient, nodeClientWithTransport, rawSessionPost, startAop } from '../lib/fixtures';
import { gc, summary } from '../lib/stats';

const MiB = 2 ** 20;

async function p50Of(n: number, call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  await call();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    xs.push(performance.now() - t0);
  }
  return summary(xs);
}

export async function scale(agentCount: number): Promise<Record<string, number>> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const topics = ['review', 'search', 'summarize', 'translate', 'plan', 'test', 'refactor', 'document'];
  const agents = Array.from({ length: agentCount }, (_, i) =>
    benchAgent(`agent-${i}`, {
      description: `Agent number ${i}: ${topics[i % topics.length]}s things in area ${i % 97}.`,
      tags: [topics[i % topics.length], `area-${i % 97}`],
      capabilities: [topics[(i + 3) % topics.length]],
    }),
  );
  const t0 = performance.now();
  const aop = await startAop(agents);
  const startupMs = performance.now() - t0;
  // 10,000 tools are ~11 MB in one tools/list answer: past the client's default cap (8 MiB) on purpose
  const { client, transport } = await nodeClientWithTransport(aop.url, undefined, 64 * 1024 * 1024);
  const firstList = performance.now();
  const first = await client.request({ method: 'tools/list' }, ListToolsResultSchema);
  const firstListMs = performance.now() - firstList;
  gc();
  const rss1 = process.memoryUsage().rss;
  const heap1 = process.memoryUsage().heapUsed;
  // server + wire: the whole tools/list response read raw (what any client pays before parsing)
  const raw = new Agent({ keepAlive: true });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} });
  let bytes = 0;
  const list = await p50Of(20, async () => {
    bytes = (await rawSessionPost(aop.url, transport.sessionId!, body, raw)).bytes;
  });
  raw.destroy();
  // SDK Client: JSON.parse + zod validation of 10k tools (no ajv: request(), not listTools())
  const sdkList = await p50Of(5, () => client.request({ method: 'tools/list' }, ListToolsResultSchema));
  const search = await p50Of(50, () => client.callTool({ name: 'search_agents', arguments: { query: 'area-42' } }));
  const hit = (await client.callTool({ name: 'search_agents', arguments: { query: 'agent-9999' } })) as { structuredContent?: { matching_agents?: unknown[] } };
  const call = await p50Of(200, () => client.callTool({ name: `agent-${agentCount - 1}`, arguments: { task: 'hi' } }));
  await client.close();
  await aop.close();
  return {
    agents: agentCount,
    tools: first.tools.length,
    startupMs,
    firstListMs,
    rssMiB: (rss1 - rss0) / MiB,
    heapMiB: (heap1 - heap0) / MiB,
    toolsListP50: list.p50,
    toolsListP99: list.p99,
    toolsListMiB: bytes / MiB,
    sdkClientListP50: sdkList.p50,
    searchP50: search.p50,
    searchP99: search.p99,
    searchSanity: hit.structuredContent?.matching_agents?.length ?? -1,
    callP50: call.p50,
  };
}

/** Talks to bench/lib/server-proc.ts over IPC. */
function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', on);
        resolve(m[key] as T);
      }
    };
    child.on('message', on);
    if (msg) child.send(msg);
  });
}

/** 1,000 calls in flight against an AopServer in its own process (model delay 50 ms, capacity known). */
export async function concurrency(inFlight: number, capacity: number, delayMs: number): Promise<Record<string, number>> {
  const child = fork(join(__dirname, '../lib/server-proc.ts'), [String(capacity), String(inFlight), String(delayMs)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await ask<string>(child, '', 'url');
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight + 16, maxFreeSockets: inFlight + 16 });
  const client = await nodeClient(url, agent);
  // HTTP/1.1 needs one connection per request in flight. Open them in waves of 100 (cheap
  // list_agents calls) so the listen backlog is never overrun: a burst of 1,000 SYNs at once
  // overflows it and costs 1 s SYN retransmits, which would measure TCP, not the server.
  for (let k = 100; k <= inFlight; k += 100) {
    await Promise.all(Array.from({ length: k }, () => client.callTool({ name: 'list_agents', arguments: {} })));
  }
  await Promise.all(Array.from({ length: capacity }, () => client.callTool({ name: 'slow', arguments: { task: 'w' } })));
  const mem0 = await ask<NodeJS.MemoryUsage>(child, 'mem', 'mem');
  await ask(child, 'peak', 'peak');
  let peakMem = mem0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await ask<NodeJS.MemoryUsage>(child, 'mem-nogc', 'mem').catch(() => mem0);
      if (m.heapUsed > peakMem.heapUsed) peakMem = m;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let errors = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, (_, i) =>
      client
        .callTool({ name: 'slow', arguments: { task: `t${i}` } }, undefined, { timeout: 120_000 })
        .then((r) => {
          if (r.isError) failures++;
        })
        .catch(() => errors++),
    ),
  );
  const wallMs = performance.now() - t0;
  sampling = false;
  await sampler;
  const peak = await ask<{ running: number; queued: number }>(child, 'peak', 'peak');
  await client.close();
  agent.destroy();
  child.send('exit');
  await new Promise((r) => child.once('exit', r));
  return {
    inFlight,
    capacity,
    delayMs,
    wallMs,
    idealMs: delayMs * Math.ceil(inFlight / capacity),
    errors,
    failures,
    peakInServer: peak.running + peak.queued,
    heapPerCallKiB: (peakMem.heapUsed - mem0.heapUsed) / (peak.running + peak.queued || inFlight) / 1024,
    rssPerCallKiB: (peakMem.rss - mem0.rss) / (peak.running + peak.queued || inFlight) / 1024,
  };
}

if (require.main === module) {
  const [what, ...args] = process.argv.slice(2);
  const run = what === 'scale' ? scale(Number(args[0] ?? 10_000)) : concurrency(Number(args[0] ?? 1000), Number(args[1] ?? 100), Number(args[2] ?? 50));
  printResultAndExit(run);
}
