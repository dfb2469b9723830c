import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AopServer } from '../server/aop-server';
import { nextHop, refusal } from '../server/federation-meta';
import type { ToolCallContext } from '../server/tool-registry';
import { TASK_EXECUTION } from '../tasks/mcp';
import type { AopCluster } from './cluster';
import { REMOTE_META, ROUTE_META } from '../meta-keys';
import type { AgentRegistry, RegistryEntry } from './registry';
import { cleanRemoteText, sanitizeToolPart, shortHash } from './remote-names';

const MAX_TOOL_NAME = 40;

/**
 * `<alias>__<tool>`, at most 40 characters of letters, digits, "_" and "-". A remote name with other
 * characters is sanitised ("_") and suffixed with a hash of the raw name; too long → cut and
 * suffixed; a clash with a name already taken (local agents first) → the hash suffix too. Same
 * inputs, same names.
 */
export function federatedName(alias: string, tool: string, taken: Set<string>): string {
  const raw = `${alias}__${tool}`;
  const safe = sanitizeToolPart(tool);
  const full = `${alias}__${safe}`;
  const hashed = () => `${full.slice(0, MAX_TOOL_NAME - 7)}_${shortHash(raw)}`;
  let name = full.length <= MAX_TOOL_NAME && safe === tool ? full : hashed();
  if (taken.has(name)) name = hashed();
  for (let i = 2; taken.has(name); i++) name = `${hashed().slice(0, MAX_TOOL_NAME - String(i).length - 1)}-${i}`;
  return name;
}

/** A tool budget shared by the clusters federated into one server (chat sees ≤ 128 tools). */
export interface ToolBudget {
  remaining(): number;
  take(n: number): void;
}

/** Extra hooks for re-exported calls (tracing) and the chat tool budget. */
export interface FederationHooks {
  /** Past the budget, tools are reachable only through `call_agent` and `search_agents`. */
  budget?: ToolBudget;
  /** Adds to the forwarded `_meta` (e.g. traceparent) and may post-process the result. */
  wrapCall?: (
    tool: string,
    ctx: ToolCallContext,
    forward: (meta: Record<string, unknown>) => Promise<CallToolResult>,
  ) => Promise<CallToolResult>;
}

/**
 * Federation (paper §5.5): re-exports a cluster's tools on a local AOP server as `<alias>__<tool>`,
 * keeping them in step with the cluster's registry. Calls carry the hop count and the chain of
 * server ids; tool descriptors carry the route so nested clusters never import their own tools.
 * Returns a function that stops the export and removes the tools.
 */
export function federate(server: AopServer, cluster: AopCluster, hooks: FederationHooks = {}): () => void {
  let exported = new Map<string, string>(); // exported name → remote tool name

  let held = 0; // tools of the budget this federation holds
  const refs = new Set<string>();

  const sync = (registry: AgentRegistry) => {
    const next = new Map<string, string>();
    const taken = new Set(server.tools.names().filter((n) => !exported.has(n)));
    // Agents before plain tools, then by name: deterministic names and budget.
    const entries = [...registry.entries()].sort(
      (a, b) => Number(b.isAgent) - Number(a.isAgent) || a.name.localeCompare(b.name),
    );
    if (hooks.budget) hooks.budget.take(-held);
    const allowance = hooks.budget ? Math.max(0, hooks.budget.remaining()) : Infinity;
    for (const name of refs) server.remote.delete(name);
    refs.clear();
    let count = 0;
    for (const entry of entries) {
      const name = federatedName(cluster.alias, entry.name, taken);
      taken.add(name);
      const handler = handlerFor(entry.name);
      const exportIt = count < allowance;
      if (exportIt) {
        count++;
        next.set(name, entry.name);
        server.tools.set({ kind: 'remote', tool: exportedTool(name, entry, server.id), handler });
      }
      server.remote.set(name, {
        name,
        remoteName: entry.name,
        cluster: cluster.name,
        description: entry.description,
        tags: entry.tags,
        capabilities: entry.capabilities,
        model: entry.replicas[0]?.info.model,
        exported: exportIt,
        handler,
      });
      refs.add(name);
    }
    held = count;
    hooks.budget?.take(held);
    for (const old of exported.keys()) if (!next.has(old)) server.tools.delete(old);
    exported = next;
  };

  const handlerFor = (remote: string) => async (args: Record<string, unknown>, ctx: ToolCallContext): Promise<CallToolResult> => {
    const forward = async (extraMeta: Record<string, unknown>): Promise<CallToolResult> => {
      try {
        return await cluster.call(remote, args, {
          signal: ctx.signal,
          meta: { ...extraMeta, ...nextHop(ctx.meta, server.id) },
          onprogress: ctx.progress ? (p) => ctx.progress!(p.progress, p.message) : undefined,
          ...(ctx.task ? { asTask: true } : {}),
        });
      } catch (err) {
        return refusal(err instanceof Error ? err.message : String(err));
      }
    };
    return hooks.wrapCall ? hooks.wrapCall(remote, ctx, forward) : forward({});
  };

  ensureCallAgentTool(server);
  cluster.on('registry', sync);
  if (cluster.registry) sync(cluster.registry);
  return () => {
    cluster.off('registry', sync);
    for (const name of exported.keys()) server.tools.delete(name);
    for (const name of refs) server.remote.delete(name);
    hooks.budget?.take(-held);
    held = 0;
    exported.clear();
  };
}

function exportedTool(name: string, entry: RegistryEntry, selfId: string): Tool {
  const route = (entry.tool._meta?.[ROUTE_META] as string[] | undefined) ?? [];
  const servers = entry.replicas.map((r) => r.serverId);
  return {
    ...entry.tool,
    name,
    title: cleanRemoteText(entry.tool.title ?? entry.name, 128),
    description: cleanRemoteText(entry.description || entry.tool.description),
    // runs as a task here; forwarded as a task where the next server offers it (one task id per hop)
    execution: TASK_EXECUTION,
    _meta: {
      ...entry.tool._meta,
      [ROUTE_META]: [...route, selfId],
      [REMOTE_META]: { tool: entry.name, servers },
    },
  };
}

const callAgentInput = z.object({
  agent: z.string().min(1).describe('Agent (tool) name: a local agent, or a remote one as <alias>__<tool> or just <tool>.'),
  task: z.string().min(1).describe('The task for the agent.'),
});

/**
 * `call_agent(agent, task)`: reaches every agent, local or remote, also those past the chat tool
 * budget (found with `search_agents`).
 */
export function ensureCallAgentTool(server: AopServer): void {
  if (server.tools.has('call_agent')) return;
  const { $schema: _s, ...inputSchema } = z.toJSONSchema(callAgentInput, { io: 'input' }) as Record<string, unknown>;
  server.tools.set({
    kind: 'discovery',
    tool: {
      name: 'call_agent',
      description:
        'Call any agent by name with a task — local agents and agents of remote clusters, including those not listed as tools. ' +
        'Find names with search_agents.',
      inputSchema: inputSchema as Tool['inputSchema'],
      annotations: { openWorldHint: true },
    },
    handler: async (args, ctx) => {
      const parsed = callAgentInput.safeParse(args);
      if (!parsed.success) return refusal(`invalid arguments for call_agent: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const { agent, task } = parsed.data;
      const local = server.agent(agent) ? server.tools.get(agent) : undefined;
      if (local) return local.handler({ task }, ctx);
      const ref = server.remote.get(agent) ?? [...server.remote.values()].find((r) => r.remoteName === agent);
      if (!ref) return refusal(`no agent named "${agent}" here or in any federated cluster; use search_agents to find one`);
      return ref.handler({ task }, ctx);
    },
  });
}
