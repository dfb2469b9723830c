import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { checkCallToolResult, type McpSession } from '../mcp-client';
import { RESERVED_TOOL_NAMES } from '../agents/reserved-names';
import { AGENT_META } from '../meta-keys';

/** Discovery info of one agent as AOP servers give it (`discover_agents`), or derived from tools/list. */
export interface RemoteAgentInfo {
  tool: Tool;
  /** True when the server is an AOP server and this tool is one of its agents. */
  isAgent: boolean;
  description: string;
  tags: string[];
  capabilities: string[];
  role?: string;
  model?: string;
}

/** The per-server tools of an AOP server (discovery, queue, call_agent / call_agents), which are not cluster tools. */

export function isAopDiscoveryTool(name: string): boolean {
  return RESERVED_TOOL_NAMES.has(name);
}


type AgentMeta = { description?: string; tags?: string[]; capabilities?: string[]; role?: string; model_name?: string };

/**
 * The agents of a server's tools/list: on an AOP server, its agents' metadata comes from each
 * tool's `_meta["aop/agent"]` (our servers: no extra round trip) or else from `discover_agents`
 * (other AOP servers, e.g. the swarms reference); its per-server tools are left out.
 */
export async function remoteAgentInfos(
  tools: Tool[],
  session: McpSession,
  opts: { timeoutMs: number; signal: AbortSignal },
): Promise<{ infos: RemoteAgentInfo[]; isAop: boolean }> {
  const isAop = tools.some((t) => t.name === 'discover_agents');
  const rich = !isAop ? undefined : tools.some((t) => t._meta?.[AGENT_META]) ? agentMetaFromTools(tools) : await discoverAgents(session, opts);
  const infos = tools
    .filter((t) => !(isAop && isAopDiscoveryTool(t.name)))
    .map((tool): RemoteAgentInfo => {
      const r = rich?.get(tool.name);
      return {
        tool,
        isAgent: isAop && r !== undefined,
        description: r?.description ?? tool.description ?? '',
        tags: r?.tags ?? [],
        capabilities: r?.capabilities ?? [],
        role: r?.role,
        model: r?.model_name,
      };
    });
  return { infos, isAop };
}

async function discoverAgents(session: McpSession, opts: { timeoutMs: number; signal: AbortSignal }): Promise<Map<string, AgentMeta>> {
  const out = new Map<string, AgentMeta>();
  try {
    const r = await session.request('tools/call', { name: 'discover_agents', arguments: {} }, checkCallToolResult, { timeout: opts.timeoutMs, signal: opts.signal });
    const s = (r.structuredContent ?? parseTextJson(r)) as { agents?: Array<AgentMeta & { tool_name?: string }> } | undefined;
    for (const a of s?.agents ?? []) if (a.tool_name) out.set(a.tool_name, a);
  } catch {
    // An AOP server whose discover_agents fails still has its tools/list.
  }
  return out;
}

function agentMetaFromTools(tools: Tool[]): Map<string, AgentMeta> {
  const out = new Map<string, AgentMeta>();
  for (const t of tools) {
    const m = t._meta?.[AGENT_META] as { model?: string | null; tags?: string[]; capabilities?: string[]; role?: string } | undefined;
    if (!m) continue;
    out.set(t.name, {
      description: t.description,
      tags: Array.isArray(m.tags) ? m.tags : [],
      capabilities: Array.isArray(m.capabilities) ? m.capabilities : [],
      role: m.role,
      model_name: m.model ?? undefined,
    });
  }
  return out;
}

function parseTextJson(r: CallToolResult): unknown {
  const first = r.content?.[0];
  if (first?.type !== 'text') return undefined;
  try {
    return JSON.parse(first.text);
  } catch {
    return undefined;
  }
}
