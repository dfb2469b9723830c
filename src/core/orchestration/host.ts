import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import type { AopCluster } from '../cluster/cluster';
import type { RemoteToolRef, ToolCallContext } from '../server/tool-registry';
import type { ServerTracing } from '../tracing/invocation';

/**
 * What orchestration needs from the process that hosts agents (today an AopServer; later the host
 * object): its agents, a way to run one as a tools/call would, its clusters and its tracing.
 */
export interface OrchestrationHost {
  /** Id of this server in federation chains. */
  readonly id: string;
  agent(name: string): AgentDefinition | undefined;
  agents(): AgentDefinition[];
  /** Runs a local agent exactly as an MCP tools/call does (task tracking, traces, guards). */
  invokeLocal(name: string, args: Record<string, unknown>, ctx: ToolCallContext): Promise<CallToolResult>;
  /** A configured cluster by name or alias. */
  cluster(name: string): AopCluster | undefined;
  clusterNames(): string[];
  /** Tools of federated clusters (`<alias>__<tool>`). */
  readonly remote: ReadonlyMap<string, RemoteToolRef>;
  readonly tracing: ServerTracing;
  /** The MCP endpoint when the host listens on HTTP (given to `provider: command` children). */
  readonly url?: string;
}
