import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AgentResult } from '../execution/tool-schema';
import { errorMessage } from '../execution/executor';
import { endRemoteCall } from '../tracing/invocation';
import { injectTraceContext } from '../tracing/propagation';
import { setMaxListeners } from 'node:events';
import type { AopSpan } from '../tracing/tracer';
import { ORCHESTRATION_DEFAULTS, childCallMeta } from './call-chain';
import type { OrchestrationHost } from './host';
import type { RootRequest } from './roots';
import { mapBounded } from './tool-loop';

/** Who calls: the chain down to (and including) the calling agent, its root request, its span. */
export interface CallerScope {
  chain: readonly string[];
  root: RootRequest;
  signal: AbortSignal;
  /** The span the call nests under (a tool-call span). */
  span?: AopSpan;
}

export const callAgentsInput = z.object({
  calls: z
    .array(z.object({ agent: z.string().min(1).max(128), task: z.string().min(1) }))
    .min(1)
    .max(ORCHESTRATION_DEFAULTS.maxFanOut)
    .describe('The calls, each {agent, task}; run concurrently, answers in the same order.'),
  concurrency: z.number().int().min(1).max(128).optional().describe(`How many run at once (default ${ORCHESTRATION_DEFAULTS.fanOutConcurrency}).`),
});
export type CallAgentsArgs = z.infer<typeof callAgentsInput>;

export const callAgentInput = z.object({
  agent: z.string().min(1).max(128).describe('Agent name: a local agent, <cluster>/<agent> or <alias>__<agent>.'),
  task: z.string().min(1).describe('The task for the agent.'),
});

export const searchAgentsInput = z.object({ query: z.string().min(1).max(200).describe('Words to look for in names, descriptions, tags.') });

const MAX_SEARCH_RESULTS = 50;

/** Routes agent calls of orchestrating agents: local agents, cluster agents, federated tools. */
export class AgentCalls {
  constructor(private readonly host: OrchestrationHost) {}

  /** One delegated call; failures come back as `{success: false, error}`, never thrown. */
  async call(target: string, task: string, caller: CallerScope): Promise<AgentResult> {
    if (caller.signal.aborted) return failed('the call was cancelled');
    const meta = childCallMeta(caller.chain, caller.root.id, caller.root.budgetLeft, caller.root.timeLeftMs());
    if (caller.root.timeLeftMs() <= 0) return failed('out of time: the root request has no time left');
    try {
      const local = this.host.agent(target);
      if (local) {
        // Same process, same trace store: the child's spans join the trace there, nothing to carry back.
        const r = await this.host.invokeLocal(target, { task }, { signal: caller.signal, meta: caller.span ? injectTraceContext(meta, caller.span) : meta, inProcess: true });
        return agentResult(r);
      }
      const remote = this.resolveRemote(target);
      if (!remote) return failed(`no agent named "${target}" here or in a configured cluster (${this.describeClusters()}); use search_agents`);
      const cluster = this.host.cluster(remote.cluster)!;
      const span = this.host.tracing.startRemoteCall(remote.tool, { server: cluster.name }, caller.span);
      let r: CallToolResult;
      try {
        r = await cluster.call(remote.tool, { task }, { signal: caller.signal, meta: injectTraceContext(meta, span), timeoutMs: caller.root.timeLeftMs() });
      } catch (err) {
        endRemoteCall(span, undefined, err);
        throw err;
      }
      endRemoteCall(span, r);
      return agentResult(r);
    } catch (err) {
      return failed(caller.signal.aborted ? 'the call was cancelled' : errorMessage(err));
    }
  }

  /** Fan-out: every item runs (at most `concurrency` at once); answers keep the order of the calls. */
  async callMany(args: CallAgentsArgs, caller: CallerScope): Promise<(AgentResult & { agent: string })[]> {
    const limit = args.concurrency ?? ORCHESTRATION_DEFAULTS.fanOutConcurrency;
    // Every running child listens on the caller's signal (cancel reaches them all).
    setMaxListeners(Math.max(limit * 4 + 16, 64), caller.signal);
    return mapBounded(args.calls, limit, async (c) => ({ agent: c.agent, ...(await this.call(c.agent, c.task, caller)) }));
  }

  /** `cluster/agent`, `alias__agent`, a federated tool name, or a bare name some cluster offers. */
  resolveRemote(target: string): { cluster: string; tool: string } | undefined {
    const slash = target.indexOf('/');
    if (slash > 0) {
      const cluster = this.host.cluster(target.slice(0, slash));
      return cluster ? { cluster: cluster.name, tool: target.slice(slash + 1) } : undefined;
    }
    const federated = this.host.remote.get(target);
    if (federated && this.host.cluster(federated.cluster)) return { cluster: federated.cluster, tool: federated.remoteName };
    const sep = target.indexOf('__');
    if (sep > 0) {
      const cluster = this.host.cluster(target.slice(0, sep));
      if (cluster) return { cluster: cluster.name, tool: target.slice(sep + 2) };
    }
    for (const name of this.host.clusterNames()) {
      const cluster = this.host.cluster(name)!;
      if (cluster.registry?.get(target)?.isAgent) return { cluster: cluster.name, tool: target };
    }
    return undefined;
  }

  /** Agents whose name, description, tags or capabilities contain the query: local, then clusters. */
  async search(query: string, self?: string): Promise<{ agent: string; description: string; where: string }[]> {
    const q = query.toLowerCase();
    const hit = (...fields: (string | string[])[]) => fields.flat().some((f) => f.toLowerCase().includes(q));
    const out: { agent: string; description: string; where: string }[] = [];
    for (const a of this.host.agents()) {
      if (a.name !== self && hit(a.name, a.description, a.tags, a.capabilities)) out.push({ agent: a.name, description: a.description, where: 'local' });
    }
    for (const name of this.host.clusterNames()) {
      const cluster = this.host.cluster(name)!;
      const registry = await cluster.discover().catch(() => cluster.registry);
      for (const e of registry?.entries() ?? []) {
        if (e.isAgent && hit(e.name, e.description, e.tags, e.capabilities)) out.push({ agent: `${cluster.name}/${e.name}`, description: e.description, where: `cluster ${cluster.name}` });
      }
    }
    return out.slice(0, MAX_SEARCH_RESULTS);
  }

  private describeClusters(): string {
    const names = this.host.clusterNames();
    return names.length ? `clusters: ${names.join(', ')}` : 'no clusters configured';
  }
}

export function failed(error: string): AgentResult {
  return { result: '', success: false, error };
}

/** The `{result, success, error}` of an agent tool result (or its text for other tools). */
export function agentResult(r: CallToolResult): AgentResult {
  const s = r.structuredContent as Partial<AgentResult> | undefined;
  if (s && typeof s.success === 'boolean') {
    return { result: typeof s.result === 'string' ? s.result : '', success: s.success, error: typeof s.error === 'string' ? s.error : s.success ? null : 'failed' };
  }
  const text = (r.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  return r.isError ? failed(text || 'the tool failed') : { result: text, success: true, error: null };
}
