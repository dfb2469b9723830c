import { createHash } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AopServer } from '../server/aop-server';
import { nextHop, refusal } from '../server/federation-meta';
import type { ToolCallContext } from '../server/tool-registry';
import { ROUTE_META, type AopCluster } from './cluster';
import type { AgentRegistry, RegistryEntry } from './registry';

const MAX_TOOL_NAME = 40;

/**
 * `<alias>__<tool>`, at most 40 characters. Too long → cut and suffixed with a hash of the full
 * name; a clash with a name already taken → the hash suffix too. Same inputs, same names.
 */
export function federatedName(alias: string, tool: string, taken: Set<string>): string {
  const full = `${alias}__${tool}`;
  const hashed = () => {
    const h = createHash('sha256').update(full).digest('hex').slice(0, 6);
    return `${full.slice(0, MAX_TOOL_NAME - 7)}_${h}`;
  };
  let name = full.length <= MAX_TOOL_NAME ? full : hashed();
  if (taken.has(name)) name = hashed();
  for (let i = 2; taken.has(name); i++) name = `${hashed().slice(0, MAX_TOOL_NAME - String(i).length - 1)}-${i}`;
  return name;
}

/** Extra hooks for re-exported calls (tracing). */
export interface FederationHooks {
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

  const sync = (registry: AgentRegistry) => {
    const next = new Map<string, string>();
    const taken = new Set(server.tools.names().filter((n) => !exported.has(n)));
    const entries = [...registry.entries()].sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const name = federatedName(cluster.alias, entry.name, taken);
      taken.add(name);
      next.set(name, entry.name);
      server.tools.set({ kind: 'remote', tool: exportedTool(name, entry, server.id), handler: handlerFor(entry.name) });
    }
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
        });
      } catch (err) {
        return refusal(err instanceof Error ? err.message : String(err));
      }
    };
    return hooks.wrapCall ? hooks.wrapCall(remote, ctx, forward) : forward({});
  };

  cluster.on('registry', sync);
  if (cluster.registry) sync(cluster.registry);
  return () => {
    cluster.off('registry', sync);
    for (const name of exported.keys()) server.tools.delete(name);
    exported.clear();
  };
}

function exportedTool(name: string, entry: RegistryEntry, selfId: string): Tool {
  const route = (entry.tool._meta?.[ROUTE_META] as string[] | undefined) ?? [];
  const servers = entry.replicas.map((r) => r.serverId);
  return {
    ...entry.tool,
    name,
    title: entry.tool.title ?? entry.name,
    description: entry.description || entry.tool.description,
    _meta: {
      ...entry.tool._meta,
      [ROUTE_META]: [...route, selfId],
      'aop/remote': { tool: entry.name, servers },
    },
  };
}
