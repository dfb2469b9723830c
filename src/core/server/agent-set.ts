import type { AgentDefinition } from '../agents/definition';
import type { AgentExecutor } from '../execution/executor';
import { agentTool } from './agent-tool';
import { errorText, type Logger } from './logger';
import type { ToolHandler, ToolRegistry } from './tool-registry';

export interface AgentSetOptions {
  tools: ToolRegistry;
  executor: AgentExecutor;
  /** The server's id, written into each agent tool's route. */
  serverId: string;
  /** The tool handler that runs an agent (by name, so a replaced definition is picked up). */
  handler: (name: string) => ToolHandler;
  log: Logger;
}

/**
 * The agents a server serves, each as an MCP tool in the shared ToolRegistry and registered with
 * the executor. Adding, replacing or removing one updates the tool list at once.
 */
export class AgentSet {
  private readonly defs = new Map<string, AgentDefinition>();

  constructor(private readonly options: AgentSetOptions) {}

  get size(): number {
    return this.defs.size;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  list(): AgentDefinition[] {
    return [...this.defs.values()];
  }

  get(name: string): AgentDefinition | undefined {
    return this.defs.get(name);
  }

  /** Adds or replaces an agent; throws when its name is taken by a built-in tool. */
  upsert(agent: AgentDefinition): void {
    const { tools, executor, serverId, handler } = this.options;
    const clash = tools.get(agent.name);
    // A re-exported remote tool gives way to a local agent (federation renames it on its next sync).
    if (clash && clash.kind !== 'agent' && clash.kind !== 'remote') {
      throw new Error(`agent name "${agent.name}" clashes with the built-in tool of the same name`);
    }
    this.defs.set(agent.name, agent);
    executor.register(agent);
    tools.set({ kind: 'agent', tool: agentTool(agent, serverId), handler: handler(agent.name) });
  }

  remove(name: string): void {
    if (!this.defs.delete(name)) return;
    this.options.executor.terminate(name);
    this.options.tools.delete(name);
  }

  /** Replaces the whole set (e.g. after a catalog reload). */
  replaceAll(agents: AgentDefinition[]): void {
    const keep = new Set(agents.map((a) => a.name));
    for (const name of this.names()) if (!keep.has(name)) this.remove(name);
    for (const a of agents) this.tryUpsert(a);
  }

  /** upsert that skips (and logs) only the agent it cannot serve, so the others still are. */
  tryUpsert(agent: AgentDefinition): boolean {
    try {
      this.upsert(agent);
      return true;
    } catch (err) {
      this.options.log('warn', `agent "${agent.name}" (${agent.source.file}) is not served: ${errorText(err)}`);
      return false;
    }
  }

  /** Stops every agent's running invocations (server shutdown). */
  terminateAll(): void {
    for (const name of this.defs.keys()) this.options.executor.terminate(name);
  }
}
