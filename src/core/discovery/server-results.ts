import { AGENT_DEFAULTS, type AgentDefinition } from '../agents/definition';
import { errorMessage } from '../execution/executor';
import { agentToolInfo, findAgent } from './agent-results';
import {
  DiscoveryErrors,
  type AgentInfoOptions,
  type AgentRuntimeInfo,
  type AgentRuntimeMap,
  type AgentToolInfo,
  type NetworkStatus,
  type PersistenceStatus,
  type QueueStatsEntry,
  type QueueStatsResult,
  type QueueStatus,
  type ServerInfo,
  type ServerInfoInput,
  type ServerInfoResult,
  type ServerQueueStatsEntry,
} from './wire-types';

const EMPTY_RUNTIME: AgentRuntimeInfo = { state: 'REGISTERED', inFlight: 0, queued: 0, completed: 0, failed: 0 };

/** paused → "paused"; INIT or TERMINATED → "stopped"; REGISTERED, ACTIVE, BUSY, ERROR → "running". */
function queueStatusOf(rt: AgentRuntimeInfo): QueueStatus {
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

function queueStatsEntry(rt: AgentRuntimeInfo | undefined): QueueStatsEntry {
  const r = rt ?? EMPTY_RUNTIME;
  return { ...counters(r), queue_status: queueStatusOf(r) };
}

function serverQueueStatsEntry(rt: AgentRuntimeInfo | undefined): ServerQueueStatsEntry {
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
