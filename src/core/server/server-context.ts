import type { AgentDefinition } from '../agents/definition';
import type { AgentExecutor, InvocationObserver } from '../execution/executor';
import type { Orchestrator } from '../orchestration/orchestrator';
import type { TaskStore } from '../tasks/store';
import type { ServerTracing } from '../tracing/invocation';
import type { RemoteToolRef, ToolCallContext, ToolRegistry } from './tool-registry';

/**
 * What the parts of a server read from it: the agents' tool handlers, the discovery tools, the
 * MCP request handlers, the A2A endpoint and the orchestration host. `AopServer` implements it;
 * the parts depend on this interface, never on the class (no import circles).
 */
export interface ServerContext {
  readonly name: string;
  /** Unique id of this server in federation chains. */
  readonly id: string;
  readonly maxHops: number;
  readonly host: string;
  readonly port: number | undefined;
  readonly url: string | undefined;
  readonly startedAt: number;
  readonly tools: ToolRegistry;
  /** Tools of federated clusters, exported or not. */
  readonly remote: ReadonlyMap<string, RemoteToolRef>;
  readonly executor: AgentExecutor;
  readonly tasks: TaskStore;
  readonly tracing: ServerTracing;
  readonly orchestrator: Orchestrator;
  agents(): AgentDefinition[];
  agent(name: string): AgentDefinition | undefined;
  observerFor(tool: string, ctx: ToolCallContext): InvocationObserver | undefined;
}
