/**
 * The palette's Invoke as an MCP task of the local server (no `vscode` import: unit tested).
 * The task belongs to the editor (a principal no MCP client can present), its result is kept in
 * the trace directory, so after a window reload it can be reopened; cancelling the progress
 * notification cancels the task (and the agent's process group).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type AopServer, type ToolEntry, startToolTask, isActive, type TaskOwner, type TaskRecord, type CallStep } from '../core';

export const EDITOR_OWNER: TaskOwner = { principal: 'vscode-editor' };

export async function runLocalTask(
  server: AopServer,
  entry: ToolEntry,
  args: Record<string, unknown>,
  signal: AbortSignal,
  hooks: { progress?: (total: number, delta?: string) => void; step?: (step: CallStep) => void } = {},
): Promise<{ taskId: string; result: CallToolResult }> {
  const { task } = startToolTask(server.tasks, entry, args, { signal, ...hooks }, EDITOR_OWNER, undefined, async () => {});
  const record = server.tasks.get(task.taskId)!;
  const cancel = () => server.tasks.cancel(task.taskId, 'cancelled in the editor');
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    await server.tasks.waitForResult(record);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  return { taskId: task.taskId, result: record.mcp!.result! };
}

/** The editor's kept tasks (finished ones with a result, newest first). */
export function editorTasks(server: AopServer): TaskRecord[] {
  return server.tasks
    .all()
    .filter((t) => t.mcp?.owner.principal === EDITOR_OWNER.principal && !isActive(t) && t.mcp?.result)
    .reverse();
}
