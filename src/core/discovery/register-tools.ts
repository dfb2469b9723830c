import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { toCallToolResult } from '../execution/tool-schema';
import type { ServerContext } from '../server/server-context';
import type { TaskRecord } from '../tasks/store';
import type { MetricsSnapshot } from '../tracing/metrics';
import { VERSION } from '../version';
import { agentDetailsResult, agentMatches, agentsInfoResult, discoverAgentsResult, listAgentsResult, searchAgentsResult } from './agent-results';
import { discoveryToolInputs } from './inputs';
import { queueStatsResult, serverInfoResult } from './server-results';
import { cancelTaskResult, resolveTask, taskStatusResult, type TaskLookup } from './task-results';
import {
  DEFAULT_SEARCH_FIELDS,
  DISCOVERY_DEFAULTS,
  type AgentDiscoveryInfo,
  type AgentRuntimeInfo,
  type DiscoveryToolName,
  type TaskRecord as WireTaskRecord,
} from './wire-types';

const DESCRIPTIONS: Record<DiscoveryToolName, string> = {
  discover_agents: 'Describe the agents of this server (all, or one by agent_name): name, description, tags, capabilities, model.',
  get_agent_details: 'Full details of one agent.',
  get_agents_info: 'Details of several agents at once.',
  list_agents: 'Names of all agents on this server.',
  search_agents: 'Find agents whose name, description, tags or capabilities contain the query (case-insensitive).',
  get_server_info: 'Server name, version, agents, uptime and queue statistics.',
  get_queue_stats: 'Task counters of one agent or of all agents.',
  get_task_status: 'Status of a task by id (every agent call returns its task id in _meta["aop/task_id"]).',
  cancel_task: 'Cancel a pending or running task by id.',
};

/** Registers the swarms-compatible discovery and queue tools on a server. */
export function registerDiscoveryTools(server: ServerContext): void {
  const runtimeMap = (): ReadonlyMap<string, AgentRuntimeInfo> => {
    const m = new Map<string, AgentRuntimeInfo>();
    // pending / processing come from the task store (the same records get_task_status and tasks/* read)
    const live = new Map<string, { pending: number; processing: number }>();
    for (const t of server.tasks.running()) {
      const c = live.get(t.agentName) ?? { pending: 0, processing: 0 };
      c[t.status as 'pending' | 'processing']++;
      live.set(t.agentName, c);
    }
    for (const a of server.agents()) {
      const rt = server.executor.runtime(a.name);
      m.set(a.name, {
        state: rt.state,
        inFlight: live.get(a.name)?.processing ?? 0,
        queued: live.get(a.name)?.pending ?? 0,
        completed: rt.completed,
        failed: rt.failed,
        avgLatencyMs: rt.averageLatencyMs,
      });
    }
    return m;
  };
  const lookup = (): TaskLookup => ({
    agentNames: server.agents().map((a) => a.name),
    getTask: (id) => {
      const t = server.tasks.get(id);
      return t ? toWireTask(t) : undefined;
    },
  });

  const handlers: { [K in DiscoveryToolName]: (args: z.infer<(typeof discoveryToolInputs)[K]>) => object } = {
    discover_agents: (a) => discoverAgentsResult(server.agents(), a.agent_name),
    get_agent_details: (a) => agentDetailsResult(server.agents(), a.agent_name),
    get_agents_info: (a) => agentsInfoResult(server.agents(), a.agent_names),
    list_agents: () => listAgentsResult(server.agents()),
    search_agents: (a) => withRemoteMatches(server, searchAgentsResult(server.agents(), a.query, a.search_fields ?? undefined), a.query, a.search_fields ?? undefined),
    get_server_info: () =>
      withMetrics(
        serverInfoResult(
          {
            name: server.name,
            description: `AOP server ${server.name}`,
            version: VERSION,
            host: server.host,
            port: server.port ?? 0,
            transport: 'streamable-http',
            startedAt: server.startedAt,
            queueEnabled: true,
          },
          server.agents(),
          runtimeMap(),
        ),
        server.tracing.metrics.snapshot(),
      ),
    get_queue_stats: (a) => queueStatsResult(server.agents(), runtimeMap(), a.agent_name),
    get_task_status: (a) => taskStatusResult(lookup(), a),
    cancel_task: (a) => {
      const found = resolveTask(lookup(), a);
      return cancelTaskResult(a.task_id, 'task' in found && server.tasks.cancel(a.task_id));
    },
  };

  for (const name of Object.keys(handlers) as DiscoveryToolName[]) {
    const schema = discoveryToolInputs[name];
    const { $schema: _s, ...inputSchema } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    const tool: Tool = {
      name,
      description: DESCRIPTIONS[name],
      inputSchema: inputSchema as Tool['inputSchema'],
      annotations: { readOnlyHint: name !== 'cancel_task', openWorldHint: false },
    };
    server.tools.set({
      kind: 'discovery',
      tool,
      handler: async (args): Promise<CallToolResult> => {
        const parsed = schema.safeParse(args);
        if (!parsed.success) {
          const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
          return { content: [{ type: 'text', text: `invalid arguments for ${name}: ${why}` }], isError: true };
        }
        const handler = handlers[name] as (a: unknown) => object;
        return toCallToolResult(handler(parsed.data), undefined, 2);
      },
    });
  }
}

/** get_server_info gains `server_info.metrics` (not in the reference): call counts and latency percentiles. */
function withMetrics<T extends { server_info: object | null }>(result: T, metrics: MetricsSnapshot): T {
  if (result.server_info) (result.server_info as Record<string, unknown>).metrics = metrics;
  return result;
}

function toWireTask(t: TaskRecord): WireTaskRecord {
  return {
    task_id: t.taskId,
    agent_name: t.agentName,
    status: t.status,
    created_at: t.createdAt / 1000,
    result: t.resultPreview ?? null,
    error: t.error ?? null,
  };
}

/** Adds the agents of federated clusters (also those past the chat tool budget) to a search result. */
function withRemoteMatches(
  server: ServerContext,
  result: ReturnType<typeof searchAgentsResult>,
  query: string,
  fields: readonly string[] | undefined,
): ReturnType<typeof searchAgentsResult> {
  if (!result.success || server.remote.size === 0) return result;
  const use = fields ?? DEFAULT_SEARCH_FIELDS;
  const extra: AgentDiscoveryInfo[] = [];
  for (const r of server.remote.values()) {
    const info: AgentDiscoveryInfo = {
      tool_name: r.name,
      agent_name: r.name,
      description: r.description,
      short_system_prompt: '',
      tags: r.tags,
      capabilities: r.capabilities,
      role: 'remote',
      model_name: r.model ?? DISCOVERY_DEFAULTS.modelName,
      max_loops: DISCOVERY_DEFAULTS.maxLoops,
      temperature: DISCOVERY_DEFAULTS.temperature,
      max_tokens: DISCOVERY_DEFAULTS.maxTokens,
    };
    // Matched on the description as given; an empty one is shown with the reference's placeholder.
    if (agentMatches(info, query, use)) extra.push({ ...info, description: r.description || DISCOVERY_DEFAULTS.description });
  }
  const matching = [...result.matching_agents, ...extra];
  return { ...result, matching_agents: matching, total_matches: matching.length };
}
