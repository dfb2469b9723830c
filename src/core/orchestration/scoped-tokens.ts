import { randomBytes } from 'node:crypto';
import type { AgentDefinition } from '../agents/definition';
import { classifyToolEntry } from '../agents/tool-entries';
import { injectTraceContext } from '../tracing/propagation';
import type { AopSpan } from '../tracing/tracer';
import { childCallMeta } from './call-chain';
import type { RootRequest } from './roots';

/** What a `provider: command` child may do with its token: call the agents of its `tools:`. */
export interface TokenScope {
  agent: AgentDefinition;
  /** The chain down to and including the command agent. */
  chain: string[];
  root: RootRequest;
  span: AopSpan;
}

/** Tools any scoped caller may use: read-only discovery. */
const READ_ONLY = new Set(['discover_agents', 'get_agent_details', 'get_agents_info', 'list_agents', 'get_server_info', 'get_queue_stats', 'get_task_status']);

/**
 * Bearer tokens scoped to one invocation of a `provider: command` agent. The child process calls
 * the server's MCP endpoint with it; the server allows only the agents (and built-ins) the file
 * lists, and adds the call chain, root id, budget and traceparent of the invocation to each call.
 * Revoked when the invocation ends.
 */
export class ScopedTokens {
  private readonly scopes = new Map<string, TokenScope>();

  issue(scope: TokenScope): string {
    const token = `aop-scoped-${randomBytes(24).toString('base64url')}`;
    this.scopes.set(token, scope);
    return token;
  }

  revoke(token: string): void {
    this.scopes.delete(token);
  }

  /** The scope of an `Authorization: Bearer …` header value, if it is one of ours. */
  fromHeader(authorization: string | string[] | undefined): TokenScope | undefined {
    const value = Array.isArray(authorization) ? authorization[0] : authorization;
    const m = value ? /^Bearer\s+(aop-scoped-\S+)$/i.exec(value) : null;
    return m ? this.scopes.get(m[1]) : undefined;
  }

  isScoped(authorization: string | string[] | undefined): boolean {
    return this.fromHeader(authorization) !== undefined;
  }

  get size(): number {
    return this.scopes.size;
  }
}

/** Why a scoped caller may not call `tool` (undefined: allowed). `federated` maps `<alias>__<tool>` names to their cluster. */
export function scopeRefusal(scope: TokenScope, tool: string, federatedCluster: (name: string) => string | undefined): string | undefined {
  if (READ_ONLY.has(tool)) return undefined;
  const entries = (scope.agent.tools ?? []).map((t) => classifyToolEntry(t, Object.keys(scope.agent.mcpServers ?? {})));
  for (const e of entries) {
    if (e.kind === 'builtin' && e.name === tool) return undefined;
    if (e.kind === 'agent' && e.agent === tool) return undefined;
    if (e.kind === 'cluster') {
      const cluster = federatedCluster(tool);
      if (cluster !== undefined && (cluster === e.cluster) && (e.agent === '*' || tool.endsWith(`__${e.agent}`))) return undefined;
    }
  }
  return `the token of agent ${scope.agent.name} allows only the tools its file lists (${(scope.agent.tools ?? []).join(', ')}), not ${tool}`;
}

/** `_meta` a scoped call runs with: the caller's, plus the chain, root, budget and traceparent of the invocation. */
export function scopedMeta(scope: TokenScope, meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const chainMeta = childCallMeta(scope.chain, scope.root.id, scope.root.budgetLeft, scope.root.timeLeftMs());
  return injectTraceContext({ ...meta, ...chainMeta }, scope.span);
}
