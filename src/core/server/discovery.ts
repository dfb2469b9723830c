/**
 * Result shapes of the AOP discovery and queue tools, matching the swarms reference
 * (`kyegomez/swarms`, `swarms/structs/aop.py`, class `AOP`). Pure functions: no I/O, no clock
 * unless one is passed in.
 *
 * Reference behaviours matched:
 * - Every tool returns a plain dict. FastMCP (return annotation `Dict[str, Any]`) sends it as
 *   `structuredContent` unwrapped (not under "result"), plus one text block holding the same dict as
 *   JSON indented by 2, and `isError: false` even for `{ success: false }` envelopes. Advertised
 *   outputSchema: `{ type: "object", additionalProperties: true, title: "<fn>DictOutput" }`.
 * - Envelopes: success → `{ success: true, ...payload }`; failure → `{ success: false, error, <payload
 *   key>: empty }` where the empty payload is `[]`, `null` or `{}` depending on the tool (see below).
 * - Discovery info per agent: tool_name, agent_name, description (fallback "No description available"),
 *   short_system_prompt (first 200 characters + "..." only when longer than 200; counted in code
 *   points like Python slicing), tags, capabilities, role ("worker"), model_name ("Unknown"),
 *   max_loops (1), temperature (0.5), max_tokens (4096). Fallbacks are the reference's defaults.
 * - discover_agents: a falsy agent_name ("" or missing) lists all agents; an unknown one gives
 *   `{ success: false, error: "Agent 'x' not found", agents: [] }`.
 * - get_agent_details: `{ success, agent_info, discovery_info }`; unknown → `agent_info: null`
 *   (no discovery_info key).
 * - get_agents_info: empty list → `{ success: false, error: "No agent names provided", agents_info: [] }`;
 *   otherwise unknown names go to `not_found` and success stays true; duplicates are kept.
 * - list_agents: `{ success, agent_names, total_count }` in registration order.
 * - search_agents: empty query → error with `matching_agents: []`. Match = case-insensitive substring
 *   of the query (not trimmed, not tokenised) in any selected field: "name" → agent_name,
 *   "description", "tags" (any tag), "capabilities" (any). Default fields: all four, used only when
 *   search_fields is absent; `[]` matches nothing; unknown field names are ignored. The field list
 *   used is echoed back.
 * - get_server_info: `{ success, server_info }` with the reference key set (tools/agent_names and
 *   total_tools/total_agents aliases, persistence, network, tool_details, queue_config, queue_stats).
 * - get_queue_stats: per-agent `{ total_tasks, completed_tasks, failed_tasks, pending_tasks,
 *   processing_tasks, average_processing_time (seconds), queue_size, queue_status }`; a falsy
 *   agent_name gives all agents plus total_agents.
 * - get_task_status: `{ success, task: { task_id, status, created_at (unix seconds), result, error,
 *   retry_count, max_retries, priority } }`; task statuses pending|processing|completed|failed|cancelled,
 *   queue statuses running|paused|stopped.
 * - cancel_task: `{ success, message }`; only pending or processing tasks can be cancelled.
 *
 * Deliberate differences:
 * - get_task_status / cancel_task: the reference requires `agent_name` and `task_id`; here
 *   `agent_name` is optional (task ids are unique server-wide). When given, it is checked as in the
 *   reference.
 * - Inputs also accept `null` for optional arguments and JSON-encoded arrays (FastMCP pre-parses
 *   JSON strings for non-string parameters, so reference clients may send them).
 * - server_info gains one key, `version`, when a version is given. The network and persistence
 *   blocks report this server's real state (no network monitor, no restart loop) with the reference
 *   defaults for the numbers.
 * - An agent's `temperature` and `max_tokens` are reported with the reference defaults (0.5, 4096)
 *   when the agent file does not set them, so the types stay numbers.
 */
import { z } from 'zod';
import { AGENT_DEFAULTS, type AgentDefinition } from '../agents/definition';
import { errorMessage } from '../execution/executor';

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Length of the system-prompt cut in discovery info; "..." is appended only when it was cut. */
export const SHORT_SYSTEM_PROMPT_LENGTH = 200;
export const SHORT_SYSTEM_PROMPT_ELLIPSIS = '...';

export const SEARCH_FIELDS = ['name', 'description', 'tags', 'capabilities'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
/** Fields searched when `search_fields` is absent (not when it is an empty list). */
export const DEFAULT_SEARCH_FIELDS: readonly SearchField[] = SEARCH_FIELDS;

/** Fallbacks the reference uses when an agent lacks the attribute. */
export const DISCOVERY_DEFAULTS = {
  description: 'No description available',
  role: 'worker',
  modelName: 'Unknown',
  maxLoops: 1,
  temperature: 0.5,
  maxTokens: 4096,
} as const;

export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const QUEUE_STATUSES = ['running', 'paused', 'stopped'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export const AGENT_STATES = ['INIT', 'REGISTERED', 'ACTIVE', 'BUSY', 'ERROR', 'TERMINATED'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Names of the tools this module describes (one list, shared with the reserved-name check). */
import { DISCOVERY_TOOL_NAMES, QUEUE_TOOL_NAMES } from '../agents/reserved-names';
export { DISCOVERY_TOOL_NAMES, QUEUE_TOOL_NAMES };
export type DiscoveryToolName = (typeof DISCOVERY_TOOL_NAMES)[number] | (typeof QUEUE_TOOL_NAMES)[number];

/** Error strings, worded as in the reference so clients matching on them keep working. */
export const DiscoveryErrors = {
  agentNotFound: (name: string) => `Agent '${name}' not found`,
  noAgentNames: 'No agent names provided',
  noSearchQuery: 'No search query provided',
  queueDisabled: 'Queue system is not enabled',
  agentHasNoQueue: (name: string) => `Agent '${name}' not found or has no queue`,
  taskNotFound: (taskId: string) => `Task '${taskId}' not found`,
  // Agent tool (task execution) errors:
  noTask: 'No task provided',
  taskCancelled: 'Task was cancelled',
  taskFailed: 'Task failed',
  taskTimedOut: (taskId: string, seconds: number) => `Task '${taskId}' timed out after ${seconds} seconds`,
  queueFull: (max: number) => `Queue is full (max size: ${max})`,
} as const;

// ---------------------------------------------------------------------------------------------
// Result types
// ---------------------------------------------------------------------------------------------

export interface AgentDiscoveryInfo {
  tool_name: string;
  agent_name: string;
  description: string;
  short_system_prompt: string;
  tags: string[];
  capabilities: string[];
  role: string;
  model_name: string;
  max_loops: number;
  temperature: number;
  max_tokens: number;
}

/** The reference's `get_agent_info` dict (tool configuration). */
export interface AgentToolInfo {
  tool_name: string;
  agent_name: string;
  agent_description: string;
  model_name: string;
  max_loops: number;
  tool_description: string;
  timeout: number;
  max_retries: number;
  verbose: boolean;
  traceback_enabled: boolean;
}

export interface ErrorEnvelope {
  success: false;
  error: string;
}

export type DiscoverAgentsResult =
  | { success: true; agents: AgentDiscoveryInfo[] }
  | (ErrorEnvelope & { agents: [] });

export type AgentDetailsResult =
  | { success: true; agent_info: AgentToolInfo; discovery_info: AgentDiscoveryInfo }
  | (ErrorEnvelope & { agent_info: null });

export interface AgentsInfoEntry {
  agent_name: string;
  agent_info: AgentToolInfo;
  discovery_info: AgentDiscoveryInfo;
}

export type AgentsInfoResult =
  | {
      success: true;
      agents_info: AgentsInfoEntry[];
      not_found: string[];
      total_found: number;
      total_requested: number;
    }
  | (ErrorEnvelope & { agents_info: [] });

export type ListAgentsResult =
  | { success: true; agent_names: string[]; total_count: number }
  | (ErrorEnvelope & { agent_names: [] });

export type SearchAgentsResult =
  | {
      success: true;
      matching_agents: AgentDiscoveryInfo[];
      total_matches: number;
      query: string;
      search_fields: string[];
    }
  | (ErrorEnvelope & { matching_agents: [] });

export interface QueueStatsEntry {
  total_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  pending_tasks: number;
  processing_tasks: number;
  /** Seconds (float), mean over recent tasks; 0 when none finished. */
  average_processing_time: number;
  queue_size: number;
  queue_status: QueueStatus;
}

export type QueueStatsResult =
  | { success: true; agent_name: string; stats: QueueStatsEntry }
  | { success: true; stats: Record<string, QueueStatsEntry>; total_agents: number }
  | (ErrorEnvelope & { stats: Record<string, never> });

/** Same counters as QueueStatsEntry, but the status key is `status` and comes first (server_info). */
export interface ServerQueueStatsEntry {
  status: QueueStatus;
  total_tasks: number;
  completed_tasks: number;
  failed_tasks: number;
  pending_tasks: number;
  processing_tasks: number;
  average_processing_time: number;
  queue_size: number;
}

export interface PersistenceStatus {
  persistence_enabled: boolean;
  shutdown_requested: boolean;
  restart_count: number;
  max_restart_attempts: number;
  restart_delay: number;
  remaining_restarts: number;
}

export interface NetworkStatus {
  network_monitoring_enabled: boolean;
  network_connected: boolean;
  network_retry_count: number;
  max_network_retries: number;
  network_retry_delay: number;
  network_timeout: number;
  last_network_error: string | null;
  remaining_network_retries: number;
  host: string;
  port: number;
}

export interface QueueConfig {
  max_workers_per_agent: number;
  max_queue_size_per_agent: number;
  processing_timeout: number;
  retry_delay: number;
}

export interface ServerInfo {
  server_name: string;
  description: string;
  total_tools: number;
  total_agents: number;
  tools: string[];
  agent_names: string[];
  /** Unix seconds (float). */
  created_at: number;
  /** Local time, `YYYY-MM-DD HH:MM:SS`. */
  created_at_iso: string;
  uptime_seconds: number;
  verbose: boolean;
  traceback_enabled: boolean;
  log_level: string;
  transport: string;
  host: string;
  port: number;
  queue_enabled: boolean;
  persistence_enabled: boolean;
  network_monitoring_enabled: boolean;
  persistence: PersistenceStatus;
  network: NetworkStatus;
  tool_details: Record<string, AgentToolInfo>;
  queue_config?: QueueConfig;
  queue_stats?: Record<string, ServerQueueStatsEntry>;
  /** Not in the reference: this server's version, when known. */
  version?: string;
}

export type ServerInfoResult = { success: true; server_info: ServerInfo } | (ErrorEnvelope & { server_info: null });

export interface TaskStatusInfo {
  task_id: string;
  status: TaskStatus;
  created_at: number;
  result: string | null;
  error: string | null;
  retry_count: number;
  max_retries: number;
  priority: number;
}

export type TaskStatusResult = { success: true; task: TaskStatusInfo } | (ErrorEnvelope & { task: null });

export interface CancelTaskResult {
  success: boolean;
  message: string;
}

/** What an agent tool returns (reference default output schema: result, success, error). */
export interface AgentToolResult {
  result: string;
  success: boolean;
  error: string | null;
  /** Present when the call went through the task queue. */
  task_id?: string;
}

// ---------------------------------------------------------------------------------------------
// Runtime inputs
// ---------------------------------------------------------------------------------------------

/** Live counters of one agent, kept by the execution layer. */
export interface AgentRuntimeInfo {
  state: AgentState;
  /** Tasks running now. */
  inFlight: number;
  /** Tasks waiting in the queue. */
  queued: number;
  completed: number;
  failed: number;
  cancelled?: number;
  /** Tasks ever submitted; defaults to the sum of the other counters. */
  total?: number;
  /** Mean latency of finished tasks in milliseconds; 0 or undefined when none. */
  avgLatencyMs?: number;
  /** The queue is paused: running tasks finish, none start. */
  paused?: boolean;
}

export type AgentRuntimeMap = ReadonlyMap<string, AgentRuntimeInfo>;

/** A task as the queue keeps it. `created_at` is in unix SECONDS (float), as on the wire. */
export interface TaskRecord {
  task_id: string;
  agent_name: string;
  status: TaskStatus;
  created_at: number;
  result?: string | null;
  error?: string | null;
  retry_count?: number;
  max_retries?: number;
  priority?: number;
}

export interface ServerInfoInput {
  name: string;
  description?: string;
  version?: string;
  host: string;
  port: number;
  transport: string;
  /** Epoch milliseconds or Date when the server was created. */
  startedAt: number | Date;
  /** Epoch milliseconds or Date for "now"; defaults to Date.now(). */
  now?: number | Date;
  logLevel?: string;
  verbose?: boolean;
  tracebackEnabled?: boolean;
  queueEnabled?: boolean;
  queueConfig?: Partial<QueueConfig>;
  persistence?: Partial<PersistenceStatus>;
  network?: Partial<Omit<NetworkStatus, 'host' | 'port'>>;
}

export interface AgentInfoOptions {
  verbose?: boolean;
  tracebackEnabled?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Per-agent info
// ---------------------------------------------------------------------------------------------

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

function findAgent(agents: readonly AgentDefinition[], name: string): AgentDefinition | undefined {
  return agents.find((a) => a.name === name);
}


// ---------------------------------------------------------------------------------------------
// Discovery tools
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Queue stats
// ---------------------------------------------------------------------------------------------

const EMPTY_RUNTIME: AgentRuntimeInfo = { state: 'REGISTERED', inFlight: 0, queued: 0, completed: 0, failed: 0 };

/** paused → "paused"; INIT or TERMINATED → "stopped"; REGISTERED, ACTIVE, BUSY, ERROR → "running". */
export function queueStatusOf(rt: AgentRuntimeInfo): QueueStatus {
  if (rt.state === 'INIT' || rt.state === 'TERMINATED') return 'stopped';
  if (rt.paused) return 'paused';
  return 'running';
}

function counters(rt: AgentRuntimeInfo): Omit<QueueStatsEntry, 'queue_status'> {
  const cancelled = rt.cancelled ?? 0;
  return {
    total_tasks: rt.total ?? rt.completed + rt.failed + cancelled + rt.inFlight + rt.queued,
    completed_tasks: rt.completed,
    failed_tasks: rt.failed,
    pending_tasks: rt.queued,
    processing_tasks: rt.inFlight,
    average_processing_time: (rt.avgLatencyMs ?? 0) / 1000,
    queue_size: rt.queued,
  };
}

export function queueStatsEntry(rt: AgentRuntimeInfo | undefined): QueueStatsEntry {
  const r = rt ?? EMPTY_RUNTIME;
  return { ...counters(r), queue_status: queueStatusOf(r) };
}

export function serverQueueStatsEntry(rt: AgentRuntimeInfo | undefined): ServerQueueStatsEntry {
  const r = rt ?? EMPTY_RUNTIME;
  return { status: queueStatusOf(r), ...counters(r) };
}

export function queueStatsResult(
  agents: readonly AgentDefinition[],
  runtime: AgentRuntimeMap,
  agentName?: string | null,
  opts: { queueEnabled?: boolean } = {},
): QueueStatsResult {
  if (opts.queueEnabled === false) return { success: false, error: DiscoveryErrors.queueDisabled, stats: {} };
  if (agentName) {
    if (!findAgent(agents, agentName)) {
      return { success: false, error: DiscoveryErrors.agentHasNoQueue(agentName), stats: {} };
    }
    return { success: true, agent_name: agentName, stats: queueStatsEntry(runtime.get(agentName)) };
  }
  const stats: Record<string, QueueStatsEntry> = {};
  for (const agent of agents) stats[agent.name] = queueStatsEntry(runtime.get(agent.name));
  return { success: true, stats, total_agents: Object.keys(stats).length };
}

// ---------------------------------------------------------------------------------------------
// Server info
// ---------------------------------------------------------------------------------------------

function toMs(t: number | Date): number {
  return t instanceof Date ? t.getTime() : t;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))`. */
export function formatLocalTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

export function serverInfo(
  info: ServerInfoInput,
  agents: readonly AgentDefinition[],
  runtime: AgentRuntimeMap = new Map(),
  opts: AgentInfoOptions = {},
): ServerInfo {
  const startedMs = toMs(info.startedAt);
  const nowMs = info.now === undefined ? Date.now() : toMs(info.now);
  const names = agents.map((a) => a.name);
  const verbose = info.verbose ?? opts.verbose ?? false;
  const tracebackEnabled = info.tracebackEnabled ?? opts.tracebackEnabled ?? true;
  const queueEnabled = info.queueEnabled ?? true;

  const maxRestarts = info.persistence?.max_restart_attempts ?? 10;
  const restartCount = info.persistence?.restart_count ?? 0;
  const persistence: PersistenceStatus = {
    persistence_enabled: info.persistence?.persistence_enabled ?? false,
    shutdown_requested: info.persistence?.shutdown_requested ?? false,
    restart_count: restartCount,
    max_restart_attempts: maxRestarts,
    restart_delay: info.persistence?.restart_delay ?? 5,
    remaining_restarts: info.persistence?.remaining_restarts ?? Math.max(0, maxRestarts - restartCount),
  };

  const maxNetRetries = info.network?.max_network_retries ?? 5;
  const netRetryCount = info.network?.network_retry_count ?? 0;
  const network: NetworkStatus = {
    network_monitoring_enabled: info.network?.network_monitoring_enabled ?? false,
    network_connected: info.network?.network_connected ?? true,
    network_retry_count: netRetryCount,
    max_network_retries: maxNetRetries,
    network_retry_delay: info.network?.network_retry_delay ?? 10,
    network_timeout: info.network?.network_timeout ?? 30,
    last_network_error: info.network?.last_network_error ?? null,
    remaining_network_retries:
      info.network?.remaining_network_retries ?? Math.max(0, maxNetRetries - netRetryCount),
    host: info.host,
    port: info.port,
  };

  const toolDetails: Record<string, AgentToolInfo> = {};
  for (const agent of agents) toolDetails[agent.name] = agentToolInfo(agent, { verbose, tracebackEnabled });

  const out: ServerInfo = {
    server_name: info.name,
    description: info.description ?? '',
    total_tools: names.length,
    total_agents: names.length,
    tools: [...names],
    agent_names: [...names],
    created_at: startedMs / 1000,
    created_at_iso: formatLocalTimestamp(startedMs),
    uptime_seconds: Math.max(0, (nowMs - startedMs) / 1000),
    verbose,
    traceback_enabled: tracebackEnabled,
    log_level: info.logLevel ?? 'INFO',
    transport: info.transport,
    host: info.host,
    port: info.port,
    queue_enabled: queueEnabled,
    persistence_enabled: persistence.persistence_enabled,
    network_monitoring_enabled: network.network_monitoring_enabled,
    persistence,
    network,
    tool_details: toolDetails,
  };

  if (queueEnabled) {
    out.queue_config = {
      max_workers_per_agent: info.queueConfig?.max_workers_per_agent ?? AGENT_DEFAULTS.maxConcurrency,
      max_queue_size_per_agent: info.queueConfig?.max_queue_size_per_agent ?? AGENT_DEFAULTS.queueLimit,
      processing_timeout: info.queueConfig?.processing_timeout ?? AGENT_DEFAULTS.timeout,
      retry_delay: info.queueConfig?.retry_delay ?? 1,
    };
    const queueStats: Record<string, ServerQueueStatsEntry> = {};
    for (const agent of agents) queueStats[agent.name] = serverQueueStatsEntry(runtime.get(agent.name));
    out.queue_stats = queueStats;
  }
  if (info.version !== undefined) out.version = info.version;
  return out;
}

export function serverInfoResult(
  info: ServerInfoInput,
  agents: readonly AgentDefinition[],
  runtime?: AgentRuntimeMap,
  opts?: AgentInfoOptions,
): ServerInfoResult {
  try {
    return { success: true, server_info: serverInfo(info, agents, runtime, opts) };
  } catch (e) {
    return { success: false, error: errorMessage(e), server_info: null };
  }
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

export interface TaskLookup {
  /** Names of agents that own a queue. */
  agentNames: Iterable<string>;
  getTask(taskId: string): TaskRecord | undefined;
  queueEnabled?: boolean;
}

export function taskStatusInfo(task: TaskRecord): TaskStatusInfo {
  return {
    task_id: task.task_id,
    status: task.status,
    created_at: task.created_at,
    result: task.result ?? null,
    error: task.error ?? null,
    retry_count: task.retry_count ?? 0,
    max_retries: task.max_retries ?? 0,
    priority: task.priority ?? 0,
  };
}

function hasAgent(names: Iterable<string>, name: string): boolean {
  for (const n of names) if (n === name) return true;
  return false;
}

/**
 * Finds the task for get_task_status / cancel_task, or the error the reference gives.
 * `agent_name`, when given, must name an agent with a queue and must own the task.
 */
export function resolveTask(
  lookup: TaskLookup,
  args: { task_id: string; agent_name?: string | null },
): { task: TaskRecord } | { error: string } {
  if (lookup.queueEnabled === false) return { error: DiscoveryErrors.queueDisabled };
  if (args.agent_name && !hasAgent(lookup.agentNames, args.agent_name)) {
    return { error: DiscoveryErrors.agentHasNoQueue(args.agent_name) };
  }
  const task = lookup.getTask(args.task_id);
  if (!task || (args.agent_name && task.agent_name !== args.agent_name)) {
    return { error: DiscoveryErrors.taskNotFound(args.task_id) };
  }
  return { task };
}

export function taskStatusResult(
  lookup: TaskLookup,
  args: { task_id: string; agent_name?: string | null },
): TaskStatusResult {
  const found = resolveTask(lookup, args);
  if ('error' in found) return { success: false, error: found.error, task: null };
  return { success: true, task: taskStatusInfo(found.task) };
}

/** Only tasks still pending or processing can be cancelled. */
export function isCancellable(status: TaskStatus): boolean {
  return status === 'pending' || status === 'processing';
}

/** Envelope of cancel_task, given whether the cancellation happened. */
export function cancelTaskResult(taskId: string, cancelled: boolean): CancelTaskResult {
  return {
    success: cancelled,
    message: `Task '${taskId}' ${cancelled ? 'cancelled' : 'not found or already processed'}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Agent tools (the per-agent `task` tool)
// ---------------------------------------------------------------------------------------------

export function agentToolSuccess(result: string, taskId?: string): AgentToolResult {
  const out: AgentToolResult = { result, success: true, error: null };
  if (taskId !== undefined) out.task_id = taskId;
  return out;
}

export function agentToolFailure(error: string, taskId?: string): AgentToolResult {
  const out: AgentToolResult = { result: '', success: false, error };
  if (taskId !== undefined) out.task_id = taskId;
  return out;
}

/**
 * The JSON schemas the reference stores per agent (AgentToolConfig). Note: the MCP inputSchema it
 * actually advertises comes from the Python signature instead: task, img, imgs, correct_answer,
 * max_retries, all optional (a missing task yields `{ result: "", success: false, error: "No task provided" }`).
 */
export const REFERENCE_AGENT_INPUT_SCHEMA = {
  type: 'object',
  properties: {
    task: { type: 'string', description: 'The task or prompt for the agent' },
    img: { type: 'string', description: 'Optional image for the agent' },
    imgs: { type: 'array', items: { type: 'string' }, description: 'Optional list of images for the agent' },
    correct_answer: { type: 'string', description: 'Optional expected answer, for validation or comparison' },
  },
  required: ['task'],
} as const;

export const REFERENCE_AGENT_OUTPUT_SCHEMA = {
  type: 'object',
  properties: {
    result: { type: 'string', description: "The agent's answer" },
    success: { type: 'boolean', description: 'Whether the task ran successfully' },
    error: { type: 'string', description: 'Error message when it failed' },
  },
  required: ['result', 'success'],
} as const;

/** MCP CallToolResult for a dict result, as FastMCP sends it: structured content plus JSON text. */
export function toCallToolResult<T extends object>(
  value: T,
): { content: { type: 'text'; text: string }[]; structuredContent: T; isError: false } {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value,
    isError: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Input schemas (zod v4)
// ---------------------------------------------------------------------------------------------

/** FastMCP parses JSON strings given for non-string parameters; do the same for arrays. */
function jsonArray<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => {
    if (typeof v === 'string') {
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // not JSON: let the array check report it
      }
    }
    return v;
  }, z.array(item));
}

const optionalName = z.string().nullish();

export const discoveryToolInputs = {
  discover_agents: z.object({
    agent_name: optionalName.describe('An agent to describe; omit to describe all agents.'),
  }),
  get_agent_details: z.object({
    agent_name: z.string().describe('Name of the agent.'),
  }),
  get_agents_info: z.object({
    agent_names: jsonArray(z.string()).describe('Names of the agents.'),
  }),
  list_agents: z.object({}),
  search_agents: z.object({
    query: z.string().describe('Text to look for (case-insensitive substring).'),
    search_fields: jsonArray(z.string())
      .nullish()
      .describe('Fields to search: name, description, tags, capabilities. Default: all four.'),
  }),
  get_server_info: z.object({}),
  get_queue_stats: z.object({
    agent_name: optionalName.describe('An agent; omit for all agents.'),
  }),
  get_task_status: z.object({
    task_id: z.string().describe('Id of the task.'),
    agent_name: optionalName.describe('Agent owning the task (required by the reference; optional here).'),
  }),
  cancel_task: z.object({
    task_id: z.string().describe('Id of the task to cancel.'),
    agent_name: optionalName.describe('Agent owning the task (required by the reference; optional here).'),
  }),
} as const satisfies Record<DiscoveryToolName, z.ZodObject>;

export type DiscoveryToolInputs = { [K in DiscoveryToolName]: z.infer<(typeof discoveryToolInputs)[K]> };

/** Arguments of an agent tool as the reference advertises them (every field optional). */
export const agentToolInput = z.object({
  task: z.string().nullish().describe('The task or prompt for the agent.'),
  img: z.string().nullish().describe('Optional image for the agent.'),
  imgs: jsonArray(z.string()).nullish().describe('Optional list of images for the agent.'),
  correct_answer: z.string().nullish().describe('Optional expected answer, for validation or comparison.'),
  max_retries: z.number().int().min(0).nullish().describe('Retries for this call; the agent default when omitted.'),
});
export type AgentToolInput = z.infer<typeof agentToolInput>;
