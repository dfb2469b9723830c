import { printResultAndExit } from '../lib/child-main';
/**
 * Discovery (paper: < 100 ms): S servers × A agents, each server an AopServer in its own child
 * process on loopback (so servers answer in parallel, as remote ones would, and the client's
 * figures are its own). Measured in this process (itself a child of bench/run.ts):
 *  - cold: a new AopCluster each time, TCP pool emptied first, so every sample includes TCP
 *    connect, MCP initialize, tools/list and discover_agents on every server;
 *  - warm: discover() on a cluster whose registry is fresh (cache hit);
 *  - parallel (AopCluster.discover: all servers at once) vs one by one (the same per-server
 *    discovery awaited in turn), interleaved sample by sample.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { destroyPooledAgents } from '../../src/core/mcp-client';
import { AgentRegistry } from '../../src/core/cluster/registry';
import { median, summary } from '../lib/stats';

function startServer(count: number, index: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, '../lib/agents-proc.ts'), [String(count), String(index)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`discovery server ${index} exited with ${code}`)));
  });
}

const config = (urls: string[]) => parseClusterConfig({ name: 'disc', servers: urls, timeout_ms: 10_000 });

export async function discovery(servers: number, agentsEach: number, samples: number): Promise<Record<string, number>> {
  const procs = await Promise.all(Array.from({ length: servers }, (_, i) => startServer(agentsEach, i)));
  const urls = procs.map((p) => p.url);
  const expected = servers * agentsEach;
  const parallel: number[] = [];
  const sequential: number[] = [];
  let wrong = 0;

  const coldParallel = async () => {
    destroyPooledAgents();
    const cluster = new AopCluster(config(urls));
    const t0 = performance.now();
    const reg = await cluster.discover();
    const dt = performance.now() - t0;
    if (reg.size !== expected) wrong++;
    await cluster.close();
    return dt;
  };
  const coldSequential = async () => {
    destroyPooledAgents();
    const cluster = new AopCluster(config(urls));
    const t0 = performance.now();
    const perServer: Array<{ serverId: string; infos: NonNullable<Awaited<ReturnType<(typeof cluster.servers)[number]['discover']>>> }> = [];
    for (const s of cluster.servers) {
      const infos = await s.discover(10_000);
      if (infos) perServer.push({ serverId: s.id, infos });
    }
    const reg = AgentRegistry.build(perServer);
    const dt = performance.now() - t0;
    if (reg.size !== expected) wrong++;
    await cluster.close();
    return dt;
  };

  try {
    for (let i = 0; i < 3; i++) (await coldParallel(), await coldSequential()); // warm-up (JIT)
    for (let i = 0; i < samples; i++) {
      if (i % 2) sequential.push(await coldSequential()), parallel.push(await coldParallel());
      else parallel.push(await coldParallel()), sequential.push(await coldSequential());
    }
    // warm: a cluster with a fresh registry; discover() is a cache hit
    const cluster = new AopCluster(config(urls));
    await cluster.discover();
    const warm: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const t0 = performance.now();
      await cluster.discover();
      warm.push(performance.now() - t0);
    }
    await cluster.close();
    const p = summary(parallel);
    const s = summary(sequential);
    const w = summary(warm);
    return {
      servers,
      agentsEach,
      samples,
      coldP50: p.p50,
      coldP99: p.p99,
      seqP50: s.p50,
      seqP99: s.p99,
      speedup: s.p50 / p.p50,
      pairedSpeedup: median(sequential.map((x, k) => x / parallel[k])),
      warmP50: w.p50,
      warmP99: w.p99,
      wrong,
    };
  } finally {
    for (const p of procs) p.child.send('exit');
    await Promise.all(procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(0) : p.child.once('exit', r)))));
  }
}

if (require.main === module) {
  const [servers, agents, samples] = process.argv.slice(2).map(Number);
  printResultAndExit(discovery(servers || 10, agents || 100, samples || 40));
}
