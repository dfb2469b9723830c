import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRegistry } from '../server/tool-registry';
import type { ServerTracing } from '../tracing/invocation';
import { callAgentsInput } from './agent-calls';
import type { Orchestrator } from './orchestrator';

/** Wall time of one call_agents request from a client (each child still has its own timeout). */
const CALL_AGENTS_TIMEOUT_MS = 10 * 60_000;

/**
 * The `call_agents` MCP tool: fan-out in one call (paper §8.2 batching), so chat — or any MCP
 * client — runs `[{agent, task}, …]` concurrently and gets `{results: [{agent, result, success,
 * error}, …]}` in the order of the calls. Traced as `aop.invoke call_agents` with the children under it.
 */
export function registerCallAgentsTool(tools: ToolRegistry, orchestrator: Orchestrator, tracing: ServerTracing): void {
  const { $schema: _s, ...inputSchema } = z.toJSONSchema(callAgentsInput, { io: 'input' }) as Record<string, unknown>;
  const tool: Tool = {
    name: 'call_agents',
    description:
      'Call several agents at once (fan-out): [{agent, task}, …] run concurrently (local agents and agents of configured clusters); ' +
      'the answers come back in the same order, each {agent, result, success, error}.',
    inputSchema: inputSchema as Tool['inputSchema'],
    annotations: { openWorldHint: true },
  };
  tools.set({
    kind: 'discovery',
    tool,
    handler: async (args, ctx): Promise<CallToolResult> => {
      const parsed = callAgentsInput.safeParse(args);
      if (!parsed.success) {
        const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
        return { content: [{ type: 'text', text: `invalid arguments for call_agents: ${why}` }], isError: true };
      }
      const trace = tracing.startInvocation('call_agents', { task: `${parsed.data.calls.length} calls` }, ctx.meta);
      trace.observer.admitted?.(0);
      const { scope, done } = orchestrator.caller(ctx.meta, ctx.signal, CALL_AGENTS_TIMEOUT_MS);
      try {
        const results = await orchestrator.calls.callMany(parsed.data, { ...scope, span: trace.span });
        const failedCount = results.filter((r) => !r.success).length;
        const summary = { result: `${results.length - failedCount} of ${results.length} calls succeeded`, success: failedCount < results.length, error: null };
        trace.end(summary);
        return {
          content: [{ type: 'text', text: JSON.stringify({ results }) }],
          structuredContent: { results },
          isError: false,
          _meta: trace.resultMeta(),
        };
      } catch (err) {
        trace.end(undefined, err);
        throw err;
      } finally {
        done();
      }
    },
  });
}
