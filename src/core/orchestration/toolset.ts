import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import { classifyToolEntry, type ToolEntry } from '../agents/tool-entries';
import type { ToolFunction } from '../models/tool-types';
import { ModelError } from '../models/types';
import { AgentCalls, callAgentInput, callAgentsInput, searchAgentsInput, type CallerScope } from './agent-calls';
import type { OrchestrationHost } from './host';
import { closeMcpServers, openMcpServers, type OpenMcpServer } from './mcp-servers';
import type { ToolOutcome } from './tool-loop';

/** Characters of one tool result the model gets back. */
export const MAX_TOOL_RESULT_CHARS = 64 * 1024;
const MAX_FUNCTIONS = 128;

type Executor = (args: Record<string, unknown>, caller: CallerScope) => Promise<ToolOutcome>;

/** The functions an agent's model may call during one invocation, and how each runs. */
export interface ResolvedToolset {
  functions: ToolFunction[];
  run(name: string, args: Record<string, unknown>, caller: CallerScope): Promise<ToolOutcome>;
  close(): Promise<void>;
}

const TASK_SCHEMA = jsonSchema(z.object({ task: z.string().describe('The task for the agent.') }));

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

const BUILTINS: Record<string, { description: string; parameters: Record<string, unknown> }> = {
  search_agents: {
    description: 'Find agents (local and in configured clusters) whose name, description, tags or capabilities contain the query.',
    parameters: jsonSchema(searchAgentsInput),
  },
  call_agent: { description: 'Call any agent by name with a task; the name as search_agents gives it.', parameters: jsonSchema(callAgentInput) },
  call_agents: {
    description: 'Call several agents at once (fan-out): [{agent, task}, …] run concurrently; the answers come back in the same order, each {agent, result, success, error}.',
    parameters: jsonSchema(callAgentsInput),
  },
};

/** A function name the model APIs accept: `^[a-zA-Z0-9_-]{1,64}$`. */
function functionName(...parts: string[]): string {
  return parts.join('__').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/**
 * Resolves `tools:` entries to functions: agents by name, cluster agents as `<cluster>__<agent>`,
 * MCP server tools as `<server>__<tool>`, and the built-ins. An entry that resolves to nothing is an
 * error the caller sees (a `tools:` typo must not pass silently), except in VS Code / Claude files.
 */
export async function resolveToolset(
  agent: AgentDefinition,
  host: OrchestrationHost,
  calls: AgentCalls,
  signal: AbortSignal,
): Promise<ResolvedToolset> {
  const entries = (agent.tools ?? []).map((t) => classifyToolEntry(t, Object.keys(agent.mcpServers ?? {})));
  const functions = new Map<string, { fn: ToolFunction; run: Executor }>();
  const add = (fn: ToolFunction, run: Executor) => {
    if (!functions.has(fn.name) && functions.size < MAX_FUNCTIONS) functions.set(fn.name, { fn, run });
  };
  const lenient = agent.source.kind !== 'aop';
  const unresolved: string[] = [];

  for (const e of entries) {
    if (e.kind === 'builtin') add({ name: e.name, ...BUILTINS[e.name] }, builtin(e.name, calls, agent.name));
    else if (e.kind === 'agent') {
      const target = host.agent(e.agent);
      if (target) add({ name: functionName(e.agent), description: target.description, parameters: TASK_SCHEMA }, agentExecutor(e.agent, calls));
      else if (!lenient) unresolved.push(`\`${e.entry}\` is not an agent here`);
    } else if (e.kind === 'cluster') {
      const cluster = host.cluster(e.cluster);
      if (!cluster) {
        if (!lenient) unresolved.push(`\`${e.entry}\`: no cluster or mcp_servers entry named \`${e.cluster}\` (clusters: ${host.clusterNames().join(', ') || 'none'})`);
        continue;
      }
      const registry = await cluster.discover().catch(() => cluster.registry);
      const agents = (registry?.entries() ?? []).filter((x) => x.isAgent && (e.agent === '*' || x.name === e.agent));
      if (agents.length === 0 && e.agent !== '*') unresolved.push(`\`${e.entry}\`: cluster ${cluster.name} has no agent \`${e.agent}\` right now`);
      for (const x of agents) {
        add({ name: functionName(e.cluster, x.name), description: x.description, parameters: TASK_SCHEMA }, agentExecutor(`${cluster.name}/${x.name}`, calls));
      }
    }
  }
  if (unresolved.length) throw new ModelError(`tools: ${unresolved.join('; ')}`, false);

  const mcpEntries = entries.filter((e): e is Extract<ToolEntry, { kind: 'mcp' }> => e.kind === 'mcp');
  let servers: OpenMcpServer[] = [];
  if (mcpEntries.length) {
    const aliases = [...new Set(mcpEntries.map((e) => e.server))];
    const dir = path.dirname(agent.source.file);
    servers = await openMcpServers(agent.mcpServers ?? {}, aliases, { cwd: existsSync(dir) ? dir : undefined, signal });
    for (const e of mcpEntries) {
      const server = servers.find((s) => s.alias === e.server)!;
      const tools = server.tools.filter((t) => e.tool === '*' || t.name === e.tool);
      if (tools.length === 0 && e.tool !== '*') {
        await closeMcpServers(servers);
        throw new ModelError(`tools: \`${e.entry}\`: server ${e.server} has no tool \`${e.tool}\` (it has ${server.tools.map((t) => t.name).join(', ') || 'none'})`, false);
      }
      for (const t of tools) {
        add({ name: functionName(e.server, t.name), description: t.description ?? t.name, parameters: t.inputSchema as Record<string, unknown> }, mcpExecutor(server, t.name));
      }
    }
  }

  return {
    functions: [...functions.values()].map((f) => f.fn),
    async run(name, args, caller) {
      const f = functions.get(name);
      if (!f) return { text: `unknown tool \`${name}\`; the tools are ${[...functions.keys()].join(', ')}`, isError: true };
      return f.run(args, caller);
    },
    close: () => closeMcpServers(servers),
  };
}

function agentExecutor(target: string, calls: AgentCalls): Executor {
  return async (args, caller) => {
    const task = typeof args.task === 'string' && args.task ? args.task : undefined;
    if (!task) return { text: 'invalid arguments: `task` (text) is required', isError: true };
    const r = await calls.call(target, task, caller);
    return r.success ? { text: cut(r.result), isError: false } : { text: r.error ?? 'failed', isError: true };
  };
}

function builtin(name: string, calls: AgentCalls, self: string): Executor {
  return async (args, caller) => {
    if (name === 'search_agents') {
      const p = searchAgentsInput.safeParse(args);
      if (!p.success) return invalid(name, p.error);
      return { text: cut(JSON.stringify(await calls.search(p.data.query, self))), isError: false };
    }
    if (name === 'call_agent') {
      const p = callAgentInput.safeParse(args);
      if (!p.success) return invalid(name, p.error);
      const r = await calls.call(p.data.agent, p.data.task, caller);
      return r.success ? { text: cut(r.result), isError: false } : { text: r.error ?? 'failed', isError: true };
    }
    const p = callAgentsInput.safeParse(args);
    if (!p.success) return invalid(name, p.error);
    const results = await calls.callMany(p.data, caller);
    return { text: cut(JSON.stringify(results)), isError: results.every((r) => !r.success) };
  };
}

function mcpExecutor(server: OpenMcpServer, tool: string): Executor {
  return async (args, caller) => {
    const r = (await server.client.callTool({ name: tool, arguments: args }, undefined, {
      signal: caller.signal,
      timeout: Math.max(1, caller.root.timeLeftMs()),
    })) as CallToolResult;
    const text = (r.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
    return { text: cut(text || JSON.stringify(r.structuredContent ?? {})), isError: r.isError === true };
  };
}

function invalid(name: string, error: z.ZodError): ToolOutcome {
  return { text: `invalid arguments for ${name}: ${error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`, isError: true };
}

function cut(text: string): string {
  return text.length > MAX_TOOL_RESULT_CHARS ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… (cut at ${MAX_TOOL_RESULT_CHARS} characters)` : text;
}
