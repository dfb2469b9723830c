/**
 * The kept result of a task of the local server, as the markdown "AOP: Open Task Result…" and the
 * Traces panel's "Open result" show. No `vscode` import: unit-tested.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskRecord } from '../core';

/** The part of the task store read here. */
export interface TaskLookup {
  get(taskId: string): TaskRecord | undefined;
}

/** The markdown of a task's kept result; throws a message for the user when there is none. */
export function keptResultMarkdown(tasks: TaskLookup, id: string): string {
  const record = tasks.get(id);
  const result = record?.mcp?.result;
  if (!record || !result) throw new Error(`no kept result for task ${id} (it expired or is still running)`);
  return taskMarkdown(record.agentName, record.status, id, result);
}

export function taskMarkdown(tool: string, status: string, id: string, result: CallToolResult): string {
  const s = result.structuredContent as { result?: string; success?: boolean; error?: string | null } | undefined;
  const answer = s
    ? s.success
      ? String(s.result ?? '')
      : `**Failed:** ${s.error ?? 'unknown error'}`
    : (result.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  return `# ${tool}\n\n*task ${id} · ${status}*\n\n---\n\n${answer}\n`;
}
