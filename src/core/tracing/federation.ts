import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallContext } from '../server/tool-registry';
import type { ServerTracing } from './invocation';
import { endRemoteCall } from './invocation';
import { SPANS_KEY, TRACE_ID_KEY } from '../meta-keys';
import { encodeSpans, extractTraceContext, injectTraceContext } from './propagation';

/**
 * A `FederationHooks.wrapCall` that traces re-exported calls: an `aop.remote <tool>` CLIENT span
 * (continuing the incoming traceparent, if any), the traceparent forwarded to the remote server,
 * its spans absorbed, and — when our caller sent a traceparent — our whole fragment (the remote
 * span plus everything absorbed below it) returned in the result `_meta["aop/spans"]`.
 *
 *   federate(server, cluster, { wrapCall: traceFederatedCalls(server.tracing) })
 */
export function traceFederatedCalls(tracing: ServerTracing) {
  return async (
    tool: string,
    ctx: ToolCallContext,
    forward: (meta: Record<string, unknown>) => Promise<CallToolResult>,
  ): Promise<CallToolResult> => {
    const continued = extractTraceContext(ctx.meta) !== undefined;
    const span = tracing.startRemoteCall(tool, {}, ctx.meta);
    let result: CallToolResult;
    try {
      result = await forward(injectTraceContext({}, span));
    } catch (err) {
      endRemoteCall(span, undefined, err);
      throw err;
    }
    endRemoteCall(span, result, undefined, tracing.remoteSpanLimits);
    const meta: Record<string, unknown> = { ...result._meta, [TRACE_ID_KEY]: span.traceId };
    if (continued) meta[SPANS_KEY] = encodeSpans(span.traceId, span.local.spans);
    else delete meta[SPANS_KEY];
    return { ...result, _meta: meta };
  };
}
