/**
 * Orchestration suite (own process): what delegation adds, and call_agents fan-out.
 *
 *   node --import tsx bench/suites/orchestration.ts [samples] [children] [modelMs]
 *
 * - Delegation overhead: in-process (no wire), instant models. T(coordinator that delegates k calls
 *   in one turn) − T(coordinator that delegates none), divided by k, minus T(the child called
 *   directly): the cost the delegation path adds per call (tool loop dispatch, call chain, budget,
 *   tool span, nested invocation).
 * - Fan-out: the server's call_agents tool over MCP, `children` calls of a model that takes
 *   `modelMs`, all at once: wall vs the ideal of one model call.
 */
import type { ToolCallContext } from '../../src/core/server/tool-registry';
import type { ChatModel, ChatRequest, ChatResponse } from '../../src/core/models/types';
import { InstantChatModel } from '../../src/core/models/instant';
import { AopHost } from '../../src/core/host/aop-host';
import { benchAgent, nodeClient } from '../lib/fixtures';
import { printResultAndExit } from '../lib/child-main';
import { median } from '../lib/stats';

/** Turn 1: call `child` k times; turn 2: answer. No I/O. */
class DelegatingModel implements ChatModel {
  readonly id = 'delegating';
  readonly supportsTools = true;
  constructor(private readonly k: number) {}
  complete(request: ChatRequest): Promise<ChatResponse> {
    if (!request.history?.length && this.k > 0) {
      return Promise.resolve({ text: '', toolCalls: Array.from({ length: this.k }, (_, i) => ({ id: `c${i}`, name: 'child', arguments: '{"task":"x"}' })) });
    }
    return Promise.resolve({ text: 'done', finishReason: 'stop' });
  }
}

class SlowModel implements ChatModel {
  readonly id = 'slow';
  constructor(private readonly ms: number) {}
  complete(request: ChatRequest): Promise<ChatResponse> {
    return new Promise((resolve) => setTimeout(() => resolve({ text: request.task }), this.ms));
  }
}

async function delegation(samples: number, k: number): Promise<Record<string, number>> {
  const instant = new InstantChatModel();
  const models = new Map<string, ChatModel>([
    ['coord-k', new DelegatingModel(k)],
    ['coord-0', new DelegatingModel(0)],
  ]);
  const host = new AopHost(
    {
      roots: [],
      watch: false,
      listen: 'none',
      agents: [benchAgent('child'), benchAgent('coord-k', { tools: ['child'], maxConcurrency: 1024 }), benchAgent('coord-0', { tools: ['child'], maxConcurrency: 1024 })],
      server: { orchestration: { toolBudget: 1_000_000 } },
    },
    { models: (a) => models.get(a.name) ?? instant },
  );
  const server = await host.start();
  const ctx = (): ToolCallContext => ({ signal: new AbortController().signal });
  const call = (name: string) => server.tools.get(name)!.handler({ task: 'go' }, ctx());
  const time = async (name: string) => {
    const t0 = performance.now();
    const r = await call(name);
    const dt = performance.now() - t0;
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent)}`);
    return dt;
  };
  for (let i = 0; i < 200; i++) await Promise.all([time('child'), time('coord-0'), time('coord-k')]);
  const direct: number[] = [];
  const none: number[] = [];
  const withK: number[] = [];
  // Interleaved: the machine's noise hits the three alike.
  for (let i = 0; i < samples; i++) {
    direct.push(await time('child'));
    none.push(await time('coord-0'));
    withK.push(await time('coord-k'));
  }
  await host.close();
  const d = median(direct);
  const perCall = (median(withK) - median(none)) / k;
  return { directMs: d, coordNoneMs: median(none), coordKMs: median(withK), k, perDelegationMs: perCall, addedMs: perCall - d };
}

async function fanOut(children: number, modelMs: number, rounds: number): Promise<Record<string, number>> {
  const host = new AopHost(
    { roots: [], watch: false, agents: [benchAgent('slow', { maxConcurrency: children, queueLimit: children })], server: { port: 0 } },
    { models: () => new SlowModel(modelMs) },
  );
  const url = (await host.start()).url!;
  const client = await nodeClient(url);
  const calls = Array.from({ length: children }, (_, i) => ({ agent: 'slow', task: `t${i}` }));
  const walls: number[] = [];
  let failures = 0;
  await client.callTool({ name: 'call_agents', arguments: { calls, concurrency: children } });
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const res = await client.callTool({ name: 'call_agents', arguments: { calls, concurrency: children } });
    walls.push(performance.now() - t0);
    const results = (res.structuredContent as { results: { success: boolean }[] }).results;
    failures += results.filter((x) => !x.success).length;
  }
  await client.close();
  await host.close();
  const wall = median(walls);
  return { children, modelMs, wallMs: wall, ratio: wall / modelMs, failures };
}

async function main(): Promise<Record<string, number>> {
  const samples = Number(process.argv[2] ?? 2000);
  const children = Number(process.argv[3] ?? 100);
  const modelMs = Number(process.argv[4] ?? 50);
  const d = await delegation(samples, 10);
  const f = await fanOut(children, modelMs, 15);
  return { ...d, ...Object.fromEntries(Object.entries(f).map(([k, v]) => [`fan_${k}`, v])) };
}

printResultAndExit(main());
