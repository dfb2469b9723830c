import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AopCluster } from '../cluster/cluster';
import { errorMessage } from '../execution/executor';
import type { AopServer } from '../server/aop-server';
import type { ToolCallContext } from '../server/tool-registry';
import { endRemoteCall, tracedMeta } from '../tracing/invocation';
import { injectTraceContext } from '../tracing/propagation';
import type { AopSpan } from '../tracing/tracer';
import type { SpanContext } from '@opentelemetry/api';

/** `name`, `<cluster>/<agent>`, `<alias>__<agent>`, or explicitly `{cluster, agent}`. */
export type AgentRef = string | { agent: string; cluster?: string };

export interface HostInvokeOptions {
  signal?: AbortSignal;
  /** The span (or W3C context) this call nests under; default: a new trace. */
  parentTrace?: AopSpan | SpanContext;
  /**
   * Progress as the agent writes: characters so far, the latest text when the server sends it, and
   * the notification's `_meta` (an AOP server's `aop/step` says its messages are the answer's text).
   */
  onProgress?: (progress: number, message?: string, meta?: Record<string, unknown>) => void;
}

/**
 * One call through a host: a local agent runs as its tools/call handler does (task tracking, guards,
 * trace); a remote one goes through its cluster (failover, breaker) under an `aop.remote` span that
 * stitches the remote server's spans into our trace.
 */
export async function invokeAgent(
  server: AopServer | undefined,
  clusterOf: (name: string) => AopCluster | undefined,
  ref: AgentRef,
  args: Record<string, unknown>,
  opts: HostInvokeOptions,
): Promise<CallToolResult> {
  const signal = opts.signal ?? new AbortController().signal;
  const target = typeof ref === 'string' ? { agent: ref } : ref;
  try {
    if (!target.cluster) {
      const entry = server?.agent(target.agent) ? server.tools.get(target.agent) : undefined;
      if (entry) {
        const ctx: ToolCallContext = {
          signal,
          meta: opts.parentTrace ? injectTraceContext({}, opts.parentTrace) : undefined,
          inProcess: opts.parentTrace !== undefined,
          progress: opts.onProgress,
        };
        return await entry.handler(args, ctx);
      }
    }
    const route = target.cluster ? { cluster: target.cluster, tool: target.agent } : server?.orchestrator.calls.resolveRemote(target.agent);
    const cluster = route && clusterOf(route.cluster);
    if (!route || !cluster) {
      if (!server && !target.cluster) return failure(`the host is not running: agent "${target.agent}" cannot be reached`);
      const where = target.cluster ? `cluster ${target.cluster} is not configured` : `no agent named "${target.agent}" here or in a configured cluster`;
      return failure(where);
    }
    const span = server?.tracing.startRemoteCall(route.tool, { server: `cluster ${cluster.name}` }, opts.parentTrace);
    try {
      const result = await cluster.call(route.tool, args, {
        signal,
        meta: span && tracedMeta(span),
        // the SDK passes the notification's params on, `_meta` included (its type leaves it out)
        onprogress: opts.onProgress && ((p) => opts.onProgress!(p.progress, p.message, (p as { _meta?: Record<string, unknown> })._meta)),
      });
      if (span) endRemoteCall(span, result);
      return result;
    } catch (err) {
      if (span) endRemoteCall(span, undefined, err);
      throw err;
    }
  } catch (err) {
    return failure(signal.aborted ? 'the call was cancelled' : errorMessage(err));
  }
}

function failure(error: string): CallToolResult {
  return { content: [{ type: 'text', text: error }], structuredContent: { result: '', success: false, error }, isError: true };
}
