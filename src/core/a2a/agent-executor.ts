import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Message, type Part, type Task } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import type { ServerContext } from '../server/server-context';
import { checkHops } from '../server/federation-meta';
import { combineObservers } from '../tracing/invocation';
import { TASK_ID_META } from '../meta-keys';

/** Artifact id of an agent's answer (streamed chunks append to it; the final event replaces it). */
export const RESULT_ARTIFACT = 'result';
/** How often streamed text is sent as an artifact chunk (ms): deltas in between are merged. */
const CHUNK_EVERY_MS = 50;

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined };
}

export function agentMessage(text: string, taskId: string, contextId: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The task text of an A2A message: its text parts, and data parts as JSON, one per line. */
export function messageText(message: Message): string {
  const lines: string[] = [];
  for (const p of message.parts ?? []) {
    const c = p.content;
    if (c?.$case === 'text') lines.push(c.value);
    else if (c?.$case === 'data') lines.push(JSON.stringify(c.value));
  }
  return lines.join('\n').trim();
}

/** Running A2A tasks of one server: task id → tracker id (shared by every agent's executor). */
export type RunningTasks = Map<string, { trackerId: string; contextId: string; cancelled: boolean }>;

/**
 * The SDK `AgentExecutor` of one AOP agent: an A2A message runs the agent exactly as an MCP
 * `tools/call` does — same executor (retries, timeouts, bulkhead), same task tracker, same traces
 * (continuing a `traceparent` from the message metadata) — and reports as A2A events:
 * task (submitted) → status working → artifact chunks from the streamed text → the full artifact
 * and status completed, or status failed with the error.
 */
export class AopAgentExecutor implements AgentExecutor {
  constructor(
    private readonly server: ServerContext,
    private readonly agentName: string,
    private readonly running: RunningTasks,
  ) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx;
    const message = ctx.userMessage;
    const meta = (message.metadata ?? {}) as Record<string, unknown>;
    const status = (state: TaskState, text?: string, metadata?: Record<string, unknown>) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: { state, message: text === undefined ? undefined : agentMessage(text, taskId, contextId), timestamp: new Date().toISOString() },
          metadata,
        }),
      );
    const task: Task = {
      id: taskId,
      contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
      artifacts: [],
      history: [message],
      metadata: {},
    };
    bus.publish(AgentEvent.task(task));

    const agent = this.server.agent(this.agentName);
    if (!agent) return status(TaskState.TASK_STATE_FAILED, `agent ${this.agentName} has been removed`);
    const refused = checkHops(meta, this.server.id, this.server.maxHops);
    if (refused) return status(TaskState.TASK_STATE_REJECTED, refused);
    const text = messageText(message);
    if (!text) return status(TaskState.TASK_STATE_REJECTED, 'the message has no text: send the task as a text part');

    const args = { task: text };
    const record = this.server.tasks.start(this.agentName, new AbortController().signal);
    const run = { trackerId: record.taskId, contextId, cancelled: false };
    this.running.set(taskId, run);
    const trace = this.server.tracing.startInvocation(this.agentName, args, meta, agent);
    delete trace.span.record.attributes['mcp.method.name'];
    trace.span.setAttributes({ 'aop.protocol': 'a2a', 'a2a.task_id': taskId, 'aop.task_id': record.taskId });
    const observer = combineObservers(trace.observer, this.server.observerFor(this.agentName, { signal: record.controller.signal, meta }));

    // Streamed text → artifact chunks, at most one per CHUNK_EVERY_MS. A new attempt or loop
    // starts over (its running total restarts), which replaces the artifact instead of appending.
    let pending = '';
    let restart = true;
    let sentAny = false;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (!pending || run.cancelled) return;
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: { artifactId: RESULT_ARTIFACT, name: RESULT_ARTIFACT, description: '', parts: [textPart(pending)], metadata: undefined, extensions: [] },
          append: sentAny && !restart,
          lastChunk: false,
          metadata: undefined,
        }),
      );
      sentAny = true;
      restart = false;
      pending = '';
    };
    const onText = (delta: string, total: number) => {
      if (total === delta.length && sentAny) {
        pending = '';
        restart = true;
      }
      pending += delta;
      timer ??= setTimeout(flush, CHUNK_EVERY_MS);
    };

    let result;
    try {
      result = await this.server.executor.invoke(agent, args, {
        signal: record.controller.signal,
        onText,
        observer: {
          ...observer,
          admitted: (ms) => {
            this.server.tasks.processing(record);
            observer.admitted?.(ms);
            if (!run.cancelled) status(TaskState.TASK_STATE_WORKING);
          },
        },
      });
    } catch (err) {
      trace.end(undefined, err);
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      flush(); // the last streamed text, so streaming clients saw it all before the final artifact
      this.running.delete(taskId);
    }
    this.server.tasks.finish(record, result.success, result.result, result.error ?? undefined);
    if (run.cancelled) return; // cancelTask already published the canceled status
    const resultMeta = { [TASK_ID_META]: record.taskId, ...trace.resultMeta() };
    if (!result.success && record.status === 'cancelled') {
      // cancelled through the task tracker (MCP cancel_task), not A2A CancelTask
      status(TaskState.TASK_STATE_CANCELED, result.error ?? 'cancelled', resultMeta);
    } else if (result.success) {
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: { artifactId: RESULT_ARTIFACT, name: RESULT_ARTIFACT, description: '', parts: [textPart(result.result)], metadata: undefined, extensions: [] },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      status(TaskState.TASK_STATE_COMPLETED, undefined, resultMeta);
    } else {
      status(TaskState.TASK_STATE_FAILED, result.error ?? 'failed', resultMeta);
    }
  }

  /** A2A `CancelTask`: aborts the run (model call included) and reports the task canceled. */
  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const run = this.running.get(taskId);
    if (run) {
      run.cancelled = true;
      this.server.tasks.cancel(run.trackerId);
    }
    const contextId = run?.contextId ?? '';
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_CANCELED, message: agentMessage('cancelled by the client', taskId, contextId), timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
  }
}
