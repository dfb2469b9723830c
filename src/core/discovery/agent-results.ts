import type { AgentDefinition } from '../agents/definition';
import {
  DEFAULT_SEARCH_FIELDS,
  DISCOVERY_DEFAULTS,
  DiscoveryErrors,
  type AgentDetailsResult,
  type AgentDiscoveryInfo,
  type AgentInfoOptions,
  type AgentsInfoEntry,
  type AgentsInfoResult,
  type AgentToolInfo,
  type DiscoverAgentsResult,
  type ListAgentsResult,
  type SearchAgentsResult,
} from './wire-types';

/** Length of the system-prompt cut in discovery info; "..." is appended only when it was cut. */
const SHORT_SYSTEM_PROMPT_LENGTH = 200;
const SHORT_SYSTEM_PROMPT_ELLIPSIS = '...';

/** First 200 code points, plus "..." only when the prompt was longer. */
export function shortSystemPrompt(prompt: string | undefined): string {
  const text = prompt ?? '';
  const points = Array.from(text);
  if (points.length <= SHORT_SYSTEM_PROMPT_LENGTH) return text;
  return points.slice(0, SHORT_SYSTEM_PROMPT_LENGTH).join('') + SHORT_SYSTEM_PROMPT_ELLIPSIS;
}

export function agentDiscoveryInfo(agent: AgentDefinition): AgentDiscoveryInfo {
  return {
    tool_name: agent.name,
    agent_name: agent.name,
    description: agent.description || DISCOVERY_DEFAULTS.description,
    short_system_prompt: shortSystemPrompt(agent.systemPrompt),
    tags: [...(agent.tags ?? [])],
    capabilities: [...(agent.capabilities ?? [])],
    role: agent.role || DISCOVERY_DEFAULTS.role,
    model_name: agent.model || DISCOVERY_DEFAULTS.modelName,
    max_loops: agent.maxLoops ?? DISCOVERY_DEFAULTS.maxLoops,
    temperature: agent.temperature ?? DISCOVERY_DEFAULTS.temperature,
    max_tokens: agent.maxTokens ?? DISCOVERY_DEFAULTS.maxTokens,
  };
}

/** The reference's `get_agent_info` (used in get_agent_details, get_agents_info, tool_details). */
export function agentToolInfo(agent: AgentDefinition, opts: AgentInfoOptions = {}): AgentToolInfo {
  return {
    tool_name: agent.name,
    agent_name: agent.name,
    agent_description: agent.description,
    model_name: agent.model || DISCOVERY_DEFAULTS.modelName,
    max_loops: agent.maxLoops ?? DISCOVERY_DEFAULTS.maxLoops,
    tool_description: agent.description || `Agent tool: ${agent.name}`,
    timeout: agent.timeout,
    max_retries: agent.maxRetries,
    verbose: opts.verbose ?? false,
    traceback_enabled: opts.tracebackEnabled ?? true,
  };
}

export function findAgent(agents: readonly AgentDefinition[], name: string): AgentDefinition | undefined {
  return agents.find((a) => a.name === name);
}

export function discoverAgentsResult(
  agents: readonly AgentDefinition[],
  agentName?: string | null,
): DiscoverAgentsResult {
  if (agentName) {
    const agent = findAgent(agents, agentName);
    if (!agent) return { success: false, error: DiscoveryErrors.agentNotFound(agentName), agents: [] };
    return { success: true, agents: [agentDiscoveryInfo(agent)] };
  }
  return { success: true, agents: agents.map(agentDiscoveryInfo) };
}

export function agentDetailsResult(
  agents: readonly AgentDefinition[],
  agentName: string,
  opts: AgentInfoOptions = {},
): AgentDetailsResult {
  const agent = findAgent(agents, agentName);
  if (!agent) return { success: false, error: DiscoveryErrors.agentNotFound(agentName), agent_info: null };
  return { success: true, agent_info: agentToolInfo(agent, opts), discovery_info: agentDiscoveryInfo(agent) };
}

export function agentsInfoResult(
  agents: readonly AgentDefinition[],
  agentNames: readonly string[] | null | undefined,
  opts: AgentInfoOptions = {},
): AgentsInfoResult {
  if (!agentNames || agentNames.length === 0) {
    return { success: false, error: DiscoveryErrors.noAgentNames, agents_info: [] };
  }
  const agentsInfo: AgentsInfoEntry[] = [];
  const notFound: string[] = [];
  for (const name of agentNames) {
    const agent = findAgent(agents, name);
    if (agent) {
      agentsInfo.push({
        agent_name: name,
        agent_info: agentToolInfo(agent, opts),
        discovery_info: agentDiscoveryInfo(agent),
      });
    } else {
      notFound.push(name);
    }
  }
  return {
    success: true,
    agents_info: agentsInfo,
    not_found: notFound,
    total_found: agentsInfo.length,
    total_requested: agentNames.length,
  };
}

export function listAgentsResult(agents: readonly AgentDefinition[]): ListAgentsResult {
  const names = agents.map((a) => a.name);
  return { success: true, agent_names: names, total_count: names.length };
}

/** Case-insensitive substring test of `query` against the selected fields of one agent. */
export function agentMatches(info: AgentDiscoveryInfo, query: string, fields: readonly string[]): boolean {
  const q = query.toLowerCase();
  for (const field of fields) {
    switch (field) {
      case 'name':
        if (info.agent_name.toLowerCase().includes(q)) return true;
        break;
      case 'description':
        if (info.description.toLowerCase().includes(q)) return true;
        break;
      case 'tags':
        if (info.tags.some((t) => t.toLowerCase().includes(q))) return true;
        break;
      case 'capabilities':
        if (info.capabilities.some((c) => c.toLowerCase().includes(q))) return true;
        break;
      default:
        // Unknown field names are ignored, as in the reference.
        break;
    }
  }
  return false;
}

/** Lower-cased searchable fields of an agent, computed once per definition object (definitions are replaced, not mutated). */
interface SearchKeys {
  name: string;
  description: string;
  tags: string[];
  capabilities: string[];
}
const searchKeys = new WeakMap<AgentDefinition, SearchKeys>();

function keysOf(agent: AgentDefinition): SearchKeys {
  let k = searchKeys.get(agent);
  if (!k) {
    k = {
      name: agent.name.toLowerCase(),
      description: (agent.description || DISCOVERY_DEFAULTS.description).toLowerCase(),
      tags: (agent.tags ?? []).map((t) => t.toLowerCase()),
      capabilities: (agent.capabilities ?? []).map((c) => c.toLowerCase()),
    };
    searchKeys.set(agent, k);
  }
  return k;
}

/** `agentMatches` over the precomputed lower-case keys (same fields, same semantics). */
function keysMatch(k: SearchKeys, q: string, fields: readonly string[]): boolean {
  for (const field of fields) {
    switch (field) {
      case 'name':
        if (k.name.includes(q)) return true;
        break;
      case 'description':
        if (k.description.includes(q)) return true;
        break;
      case 'tags':
        for (const t of k.tags) if (t.includes(q)) return true;
        break;
      case 'capabilities':
        for (const c of k.capabilities) if (c.includes(q)) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

export function searchAgentsResult(
  agents: readonly AgentDefinition[],
  query: string | null | undefined,
  searchFields?: readonly string[] | null,
): SearchAgentsResult {
  if (!query) return { success: false, error: DiscoveryErrors.noSearchQuery, matching_agents: [] };
  const fields = searchFields == null ? [...DEFAULT_SEARCH_FIELDS] : [...searchFields];
  // Match on cached lower-case keys; build the discovery info of the hits only (10,000 agents: ~1 ms).
  const q = query.toLowerCase();
  const matching: AgentDiscoveryInfo[] = [];
  for (const a of agents) if (keysMatch(keysOf(a), q, fields)) matching.push(agentDiscoveryInfo(a));
  return {
    success: true,
    matching_agents: matching,
    total_matches: matching.length,
    query,
    search_fields: fields,
  };
}
