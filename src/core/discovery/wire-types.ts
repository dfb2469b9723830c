/**
 * Wire shapes of the AOP discovery and queue tools, matching the swarms reference
 * (`kyegomez/swarms`, `swarms/structs/aop.py`, class `AOP`). The functions that build them from
 * agents and counters are in agent-results.ts, server-results.ts and task-results.ts (pure: no I/O,
 * no clock unless one is passed in); the tools themselves in register-tools.ts.
 *
 * Reference behaviours matched:
 * - Every tool returns a plain dict. FastMCP (return annotation `Dict[str, Any]`) sends it as
 *   `structuredContent` unwrapped (not under "result"), plus one text block holding the same dict as
 *   JSON indented by 2. Advertised outputSchema: `{ type: "object", additionalProperties: true,
 *   title: "<fn>DictOutput" }`.
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
 * - A `{ success: false }` envelope is sent with `isError: true` (the reference's FastMCP sends
 *   `false`): MCP says a tool that failed says so in its result (see `toCallToolResult`).
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
import type { DISCOVERY_TOOL_NAMES, QUEUE_TOOL_NAMES } from '../agents/reserved-names';
import type { AgentState } from '../execution/lifecycle';
import type { TaskStatus } from '../tasks/task-owner';

/** Fields search_agents knows. */
type SearchField = 'name' | 'description' | 'tags' | 'capabilities';
/** Fields searched when `search_fields` is absent (not when it is an empty list). */
export const DEFAULT_SEARCH_FIELDS: readonly SearchField[] = ['name', 'description', 'tags', 'capabilities'];

/** Fallbacks the reference uses when an agent lacks the attribute. */
export const DISCOVERY_DEFAULTS = {
  description: 'No description available',
  role: 'worker',
  modelName: 'Unknown',
  maxLoops: 1,
  temperature: 0.5,
  maxTokens: 4096,
} as const;

export type QueueStatus = 'running' | 'paused' | 'stopped';

export type DiscoveryToolName = (typeof DISCOVERY_TOOL_NAMES)[number] | (typeof QUEUE_TOOL_NAMES)[number];

/** Error strings, worded as in the reference so clients matching on them keep working. */
export const DiscoveryErrors = {
  agentNotFound: (name: string) => `Agent '${name}' not found`,
  noAgentNames: 'No agent names provided',
  noSearchQuery: 'No search query provided',
  queueDisabled: 'Queue system is not enabled',
  agentHasNoQueue: (name: string) => `Agent '${name}' not found or has no queue`,
  taskNotFound: (taskId: string) => `Task '${taskId}' not found`,
} as const;

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

interface ErrorEnvelope {
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

interface QueueConfig {
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
