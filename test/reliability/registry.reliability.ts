/**
 * Fault run of the etcd registry: 5 `aop serve` processes with the same (replicated) agents,
 * registered in a 3-member etcd; 10,000 calls from 50 concurrent callers through a cluster that
 * knows its servers only from the registry, while one etcd member and 2 aop nodes are killed
 * (SIGKILL) and one new node joins → 0 failed calls, every result answers its own task exactly
 * once, and the new node takes traffic. The model is the scripted OpenAI-compatible fake.
 * Figures go to $AOP_RELIABILITY_FIGURES (JSON lines) when set.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdSkipReason, startEtcd, type EtcdCluster } from '../support/etcd';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeCluster } from '../support/cluster';
import { waitUntil } from '../support/aop';
import { CLI, ROOT } from '../support/cli';

function figure(name: string, value: unknown): void {
  if (process.env.AOP_RELIABILITY_FIGURES) appendFileSync(process.env.AOP_RELIABILITY_FIGURES, JSON.stringify({ name, value }) + '\n');
}

const skip = etcdSkipReason();
if (skip) console.log(`# etcd registry fault run skipped: ${skip}`);

interface Node {
  name: string;
  child: ChildProcess;
  url: string;
}

function startNode(name: string, dir: string, registry: string): Promise<Node> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', dir, '--port', '0', '--no-watch', '--name', name, '--traces-dir', join(dir, `.traces-${name}`), '--registry', registry, '--registry-ttl', '2'],
      { cwd: ROOT, env: { ...process.env, AOP_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (c) => {
      err = (err + c).slice(-10_000);
      const m = /serving \d+ agents at (http:\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ name, child, url: m[1] });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}): ${err}`));
    });
  });
}

function kill(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => node.child.once('exit', () => r()));
  node.child.kill('SIGKILL');
  return exited;
}

describe('chaos: registry-backed cluster while etcd members and nodes die and a node joins', { skip, timeout: 900_000 }, () => {
  let etcd: EtcdCluster | undefined;
  let model: FakeOpenAi | undefined;
  const nodes: Node[] = [];
  let dir = '';
  after(async () => {
    await Promise.allSettled(nodes.map(kill));
    await etcd?.stop();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('0 failed, 0 lost, the new node takes traffic', async () => {
    const CALLS = Number(process.env.AOP_REGISTRY_CHAOS_CALLS ?? 10_000);
    const CALLERS = 50;
    const AGENTS = ['r0', 'r1', 'r2'];
    etcd = await startEtcd({ members: 3 });
    model = await startFakeOpenAi({ json: true });
    dir = mkdtempSync(join(tmpdir(), 'aop-reg-chaos-'));
    for (const a of AGENTS) {
      writeFileSync(
        join(dir, `${a}.agent.md`),
        `---\nname: ${a}\ndescription: Replicated agent ${a}\nprovider: openai\nbase_url: ${model.url}\nmodel: fake\nmax_retries: 0\nmax_concurrency: 64\n---\nAnswer.\n`,
      );
    }
    const registry = etcd.url('/chaos');
    nodes.push(...(await Promise.all([0, 1, 2, 3, 4].map((i) => startNode(`n${i}`, dir, registry)))));
    const cluster = makeCluster({ servers: undefined as never, registry, call_timeout_ms: 15_000, breaker_failures: 2, breaker_reset_ms: 300 });
    try {
      await cluster.discover();
      await waitUntil(() => AGENTS.every((a) => cluster.registry?.get(a)?.replicas.length === 5), 20_000, 'every agent on the 5 nodes');

      const answered = new Map<number, number>();
      const failures: string[] = [];
      const servedBy = new Map<string, number>();
      let next = 0;
      let failovers = 0;
      let joinPromise: Promise<void> | undefined;
      const started = Date.now();
      const chaos = async (i: number) => {
        if (i === Math.floor(CALLS * 0.2)) {
          void etcd!.kill(0);
          void kill(nodes[0]);
        }
        if (i === Math.floor(CALLS * 0.3)) {
          joinPromise = startNode('n5', dir, registry).then(async (n) => {
            nodes.push(n);
            await waitUntil(() => cluster.registry?.get('r0')?.replicas.some((r) => r.serverId.startsWith('n5-')) === true, 30_000, 'n5 routable');
          });
        }
        if (i === Math.floor(CALLS * 0.4)) void kill(nodes[1]);
        // The last fifth of the calls starts only once the new node is routable: it must take some.
        if (i === Math.floor(CALLS * 0.8)) await joinPromise;
      };
      const caller = async () => {
        for (;;) {
          const i = next++;
          if (i >= CALLS) return;
          await chaos(i);
          const agent = AGENTS[i % AGENTS.length];
          const task = `task #${i} ${Math.random().toString(36).slice(2)}`;
          try {
            const r = await cluster.call(agent, { task });
            const s = r.structuredContent as { result?: string; success?: boolean } | undefined;
            const served = r._meta?.['aop/served_by'] as { server: string; attempts: number };
            if (served.attempts > 1) failovers++;
            const node = served.server.replace(/-[0-9a-f]{8}$/, '');
            servedBy.set(node, (servedBy.get(node) ?? 0) + 1);
            if (!s?.success || !s.result?.includes(task)) failures.push(`#${i}: ${JSON.stringify(s)}`);
            else answered.set(i, (answered.get(i) ?? 0) + 1);
          } catch (err) {
            failures.push(`#${i}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, caller));
      const ms = Date.now() - started;
      figure('registry_chaos_calls', CALLS);
      figure('registry_chaos_ms', ms);
      figure('registry_chaos_failovers', failovers);
      figure('registry_chaos_served_by', Object.fromEntries(servedBy));
      console.log(`# ${CALLS} calls in ${ms} ms, ${failovers} with failover, served by ${JSON.stringify(Object.fromEntries(servedBy))}`);

      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed calls`);
      assert.equal(answered.size, CALLS, 'every call answered');
      assert.ok([...answered.values()].every((n) => n === 1), 'no call answered twice');
      assert.ok((servedBy.get('n5') ?? 0) > 0, 'the new node took traffic');
      // The killed nodes leave the view at lease expiry; the new one is in it.
      const view = () => cluster.registry?.get('r0')?.replicas.map((r) => r.serverId.replace(/-[0-9a-f]{8}$/, '')).sort().join() ?? '';
      await waitUntil(() => view() === 'n2,n3,n4,n5', 20_000, 'the view is n2-n5').catch((err) => {
        throw new Error(`${(err as Error).message}: view ${view()}, registry ${JSON.stringify(cluster.registryStatus())}`);
      });
      assert.equal(cluster.registryStatus()?.stale, false);
    } finally {
      await cluster.close();
    }
  });
});
