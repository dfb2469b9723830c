import { toCallToolResult } from '../execution/tool-schema';
import { TASK_ID_META } from '../meta-keys';
import { combineObservers } from '../tracing/invocation';
import type { ServerContext } from './server-context';
import type { ToolHandler } from './tool-registry';

/** The executor f of Algorithm 1: runs Algorithm 2 for each call, as a tracked task. */
export function agentToolHandler(server: ServerContext, name: string): ToolHandler {
  return async (args, ctx) => {
    const agent = server.agent(name);
    if (!agent) {
      return toCallToolResult({ result: '', success: false, error: `agent ${name} has been removed` });
    }
    // Agents calling agents: depth and cycle guards, the root's budget and deadline, the tool loop.
    const scope = server.orchestrator.enter(agent, ctx.meta);
    if ('refused' in scope) return toCallToolResult({ result: '', success: false, error: scope.refused });
    const task = ctx.task ?? server.tasks.start(name, ctx.signal, ctx.controller);
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
    return toCallToolResult(result, { [TASK_ID_META]: task.taskId, ...trace.resultMeta(ctx.inProcess) });
  };
}
