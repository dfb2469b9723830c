import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import { agentToolInputSchema, agentToolOutputSchema, describeAgentTool, toCallToolResult } from '../execution/tool-schema';
import type { AopServer } from './aop-server';
import type { ToolHandler } from './tool-registry';
import { combineObservers } from '../tracing/invocation';
import { TASK_EXECUTION } from '../tasks/mcp';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest as Tool['inputSchema'];
}

/** Computed once: every agent tool shares these schemas (Algorithm 1). */
export const INPUT_SCHEMA = jsonSchema(agentToolInputSchema, 'input');
export const OUTPUT_SCHEMA = jsonSchema(agentToolOutputSchema, 'output');

/** Algorithm 1: the MCP tool of an agent. */
export function agentTool(agent: AgentDefinition, serverId?: string): Tool {
  const d = describeAgentTool(agent);
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    inputSchema: INPUT_SCHEMA,
    outputSchema: OUTPUT_SCHEMA as Tool['outputSchema'],
    annotations: d.annotations,
    // long calls can run as MCP tasks (tools/call with params.task)
    execution: TASK_EXECUTION,
    _meta: {
      // The servers a tool passes through; federation uses it to never import its own tools.
      ...(serverId ? { 'aop/route': [serverId] } : {}),
      'aop/agent': {
        model: agent.model ?? null,
        provider: agent.provider,
        tags: agent.tags,
        capabilities: agent.capabilities,
        role: agent.role,
      },
    },
  };
}

/** The executor f of Algorithm 1: runs Algorithm 2 for each call, as a tracked task. */
export function agentToolHandler(server: AopServer, name: string): ToolHandler {
  return async (args, ctx) => {
    const agent = server.agent(name);
    if (!agent) {
      return toCallToolResult({ result: '', success: false, error: `agent ${name} has been removed` });
    }
    // Agents calling agents: depth and cycle guards, the root's budget and deadline, the tool loop.
    const scope = server.orchestrator.enter(agent, ctx.meta);
    if ('refused' in scope) return toCallToolResult({ result: '', success: false, error: scope.refused });
    const task = ctx.task ?? server.tasks.start(name, ctx.signal);
    const trace = server.tracing.startInvocation(name, args, ctx.meta, agent);
    trace.span.setAttribute('aop.task_id', task.taskId);
    const observer = combineObservers(trace.observer, server.observerFor(name, ctx));
    let result;
    try {
      result = await server.executor.invoke(agent, args, {
        signal: scope.signal(task.controller.signal),
        toolLoop: scope.toolLoop(trace),
        env: scope.commandEnv(trace),
        onText: ctx.progress ? (delta, total) => ctx.progress!(total, delta) : undefined,
        observer: {
          ...observer,
          admitted: (ms) => {
            server.tasks.processing(task);
            observer.admitted?.(ms);
          },
          attemptStarted: (attempt) => {
            ctx.step?.({ attempt });
            observer.attemptStarted?.(attempt);
          },
        },
      });
    } catch (err) {
      trace.end(undefined, err);
      throw err;
    } finally {
      scope.exit();
    }
    const late = result.success ? undefined : scope.outOfTime();
    if (late) result = { ...result, error: late };
    server.tasks.finish(task, result.success, result.result, result.error ?? undefined);
    return toCallToolResult(result, { 'aop/task_id': task.taskId, ...trace.resultMeta(ctx.inProcess) });
  };
}
