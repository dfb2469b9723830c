import { createHash } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CancelTaskRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type CallToolResult,
  type CreateTaskResult,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallContext, ToolEntry } from '../server/tool-registry';
import { TaskStore, failedResult, isActive, toMcpTask, type TaskOwner, type TaskRecord } from './store';

/** `capabilities.tasks` of an AOP server (spec 2025-11-25). */
export const TASK_CAPABILITIES: NonNullable<ServerCapabilities['tasks']> = {
  list: {},
  cancel: {},
  requests: { tools: { call: {} } },
};

/** Tools that can run as tasks say so (spec: `execution.taskSupport`). */
export const TASK_EXECUTION = { taskSupport: 'optional' } as const;

/** What a handler knows about its caller. */
export interface CallerInfo {
  sessionId?: string;
  authInfo?: { token?: string; clientId?: string };
}

/**
 * Who a caller is, for task visibility: its MCP session, and — on a server with a token (or
 * OAuth) — the authenticated principal, so a new session presenting the same credentials (a new
 * CLI process, a reconnecting client, any client after a server restart) sees its tasks. On a
 * loopback server without a token, tasks belong to the session that created them.
 */
export function ownerOf(extra: CallerInfo, serverToken?: string): TaskOwner {
  const auth = extra.authInfo;
  const secret = auth?.clientId ? `client:${auth.clientId}` : auth?.token ? `token:${auth.token}` : serverToken ? `token:${serverToken}` : undefined;
  return {
    session: extra.sessionId,
    principal: secret === undefined ? undefined : createHash('sha256').update(secret).digest('hex').slice(0, 32),
  };
}

function notFound(taskId: unknown): McpError {
  return new McpError(
    ErrorCode.InvalidParams,
    `Unknown task: ${String(taskId).slice(0, 100)} (no such task for this caller: it never existed, expired, or belongs to another session or token)`,
  );
}

/** Installs tasks/get, tasks/result, tasks/cancel and tasks/list on one session's Server. */
export function registerTaskHandlers(server: Server, store: TaskStore, who: (extra: CallerInfo) => TaskOwner): void {
  server.setRequestHandler(GetTaskRequestSchema, (request, extra) => {
    const r = store.getFor(request.params.taskId, who(extra));
    if (!r) throw notFound(request.params.taskId);
    return toMcpTask(r);
  });

  server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const taskId = request.params.taskId;
    const r = store.getFor(taskId, who(extra));
    if (!r) throw notFound(taskId);
    try {
      await store.waitForResult(r, extra.signal);
    } catch (err) {
      if (extra.signal.aborted) throw err;
      throw new McpError(ErrorCode.InvalidRequest, err instanceof Error ? err.message : String(err));
    }
    const result = store.getFor(taskId, who(extra))?.mcp?.result;
    if (!result) throw notFound(taskId);
    return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId } } };
  });

  server.setRequestHandler(CancelTaskRequestSchema, (request, extra) => {
    const r = store.getFor(request.params.taskId, who(extra));
    if (!r) throw notFound(request.params.taskId);
    if (!isActive(r)) {
      throw new McpError(ErrorCode.InvalidParams, `Cannot cancel task ${r.taskId}: it is already ${toMcpTask(r).status}`);
    }
    store.cancel(r.taskId, 'cancelled by the client (tasks/cancel)');
    return toMcpTask(r);
  });

  server.setRequestHandler(ListTasksRequestSchema, (request, extra) => {
    try {
      const page = store.list(who(extra), request.params?.cursor);
      return { tasks: page.tasks.map(toMcpTask), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    } catch (err) {
      throw new McpError(ErrorCode.InvalidParams, `tasks/list: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** Sends one notification to the caller (related to the creating request; its stream may be gone). */
export type Notify = (notification: { method: string; params: Record<string, unknown> }) => Promise<void>;

/**
 * A task-augmented tools/call: creates the task, runs the tool in the background (not bound to
 * the HTTP request: a dropped connection is not a cancel) and answers `{task}` at once. Status
 * changes go out as `notifications/tasks/status`.
 */
export function startToolTask(
  store: TaskStore,
  entry: ToolEntry,
  args: Record<string, unknown>,
  ctx: ToolCallContext,
  owner: TaskOwner,
  ttl: number | null | undefined,
  notify: Notify,
  onEnd?: () => void,
): CreateTaskResult {
  const support = entry.tool.execution?.taskSupport;
  if (support !== 'optional' && support !== 'required') {
    throw new McpError(ErrorCode.MethodNotFound, `Tool ${entry.tool.name} does not run as a task (execution.taskSupport is "forbidden"); call it without params.task`);
  }
  let record: TaskRecord;
  try {
    record = store.create(entry.tool.name, owner, ttl);
  } catch (err) {
    throw new McpError(ErrorCode.InternalError, err instanceof Error ? err.message : String(err));
  }
  let last = 'working';
  const onStatus = (r: TaskRecord) => {
    if (r !== record) return;
    const task = toMcpTask(r);
    if (task.status === last) return;
    last = task.status;
    void notify({ method: 'notifications/tasks/status', params: task as unknown as Record<string, unknown> }).catch(() => {});
    if (r.mcp?.result) store.off('status', onStatus);
  };
  store.on('status', onStatus);
  const run = async (): Promise<CallToolResult> => entry.handler(args, { ...ctx, signal: record.controller.signal, task: record });
  void run()
    .then(
      (result) => {
        onEnd?.();
        store.settle(record, result);
      },
      (err) => {
        onEnd?.();
        record.error = err instanceof Error ? err.message : String(err);
        store.settle(record, failedResult(record.error));
      },
    );
  return { task: toMcpTask(record) };
}
