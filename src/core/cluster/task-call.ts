import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateTaskResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { REMOTE_TASK_META } from '../meta-keys';

/*
 * The SDK half of a cluster member's calls (its result schema, calls as tasks): ServerConnection
 * imports this module when it first calls a tool, so discovery alone never builds a zod schema.
 */

export interface TaskCallOptions {
  /** The whole call may take this long (ms). */
  timeoutMs: number;
  signal?: AbortSignal;
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** A fresh session (after the old one is gone: restarted server, expired session). */
  reconnect: () => Promise<Client>;
  /** Answers that are the server's word (bad params, unknown task), not transport trouble. */
  isProtocolAnswer: (err: unknown) => boolean;
  /** Where the call went (for the result's `_meta`). */
  server: string;
}

/**
 * The cluster hands tool results back as they came; validating every content block with the SDK's
 * CallToolResultSchema on each call cost ~5% of a call's CPU (bench/NOTES.md). An object is all
 * we require here, with the top-level shape of a tool result (cheap: no per-block validation), so a
 * broken server that answers e.g. `content: "text"` fails over instead of reaching callers.
 * Callers read the fields they use defensively.
 */
export const PASS_THROUGH_RESULT = z.looseObject({
  content: z.array(z.unknown()).optional(),
  isError: z.boolean().optional(),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
});

/** How often tasks/result is asked again after a transport failure, at most. */
const MAX_RESUMES = 6;

/**
 * A tools/call as an MCP task on a server that declares tasks: create it, then wait with
 * tasks/result. A dropped connection or a restarted server is not the end of the call: the
 * result is asked for again (same session first, then a new one) until the deadline. When
 * `signal` aborts, tasks/cancel goes to the server (cancel flows down a federation chain).
 */
export async function callToolAsTask(
  client: Client,
  params: { name: string; arguments: Record<string, unknown>; _meta?: Record<string, unknown> },
  opts: TaskCallOptions,
): Promise<CallToolResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const created = await client.request({ method: 'tools/call', params: { ...params, task: { ttl: opts.timeoutMs + 60_000 } } }, CreateTaskResultSchema, {
    timeout: Math.min(opts.timeoutMs, 30_000),
    signal: opts.signal,
    onprogress: opts.onprogress,
  });
  const taskId = created.task.taskId;
  let current = client;
  const cancel = () => void current.experimental.tasks.cancelTask(taskId).catch(() => {});
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (let resume = 0; ; resume++) {
      try {
        const r = (await current.request({ method: 'tasks/result', params: { taskId } }, PASS_THROUGH_RESULT, {
          timeout: Math.max(1, deadline - Date.now()),
          signal: opts.signal,
        })) as CallToolResult;
        return { ...r, _meta: { ...r._meta, [REMOTE_TASK_META]: { server: opts.server, taskId } } };
      } catch (err) {
        if (opts.signal?.aborted || opts.isProtocolAnswer(err) || resume >= MAX_RESUMES || Date.now() >= deadline) throw err;
        // the connection dropped or the server restarted: ask again, on a new session every other time
        const poll = created.task.pollInterval ?? 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.min(poll * 2 ** resume, 5000)).unref());
        if (resume % 2 === 1) current = await opts.reconnect();
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    // the SDK keeps a task's progress handler until told otherwise
    (client as unknown as { _cleanupTaskProgressHandler?: (id: string) => void })._cleanupTaskProgressHandler?.(taskId);
  }
}
