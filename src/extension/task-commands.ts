import * as vscode from 'vscode';
import type { EditorContext } from './editor-context';
import type { NodeView } from './explorer/nodes';
import { editorTasks } from './local-task';
import { keptResultMarkdown } from './task-result';

type Handler = (ext: EditorContext, ...args: unknown[]) => unknown;

function taskIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  return (arg as NodeView | undefined)?.data?.task;
}

/** Cancel Task: a running task of the local server (explorer item or id). */
async function cancelTask(ext: EditorContext, arg?: unknown): Promise<boolean> {
  const id = taskIdOf(arg);
  const server = ext.local.aop;
  if (!id || !server) return false;
  const ok = server.tasks.cancel(id, 'cancelled in the editor');
  if (!ok) void vscode.window.showInformationMessage('That task has already finished.');
  ext.explorer.refresh();
  return ok;
}

/** Open Task Result…: a finished palette invocation, kept in the trace directory (also after a reload). */
async function openTaskResult(ext: EditorContext, arg?: unknown): Promise<vscode.TextDocument | undefined> {
  const server = ext.local.aop ?? (await ext.local.ensureStarted());
  if (!server) throw new Error('the local server is not running (is the workspace trusted?)');
  let id = taskIdOf(arg);
  if (!id) {
    const kept = editorTasks(server);
    if (kept.length === 0) {
      void vscode.window.showInformationMessage('No kept results yet: results of Invoke Agent… are kept for an hour.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      kept.map((t) => ({
        label: t.agentName,
        description: `${t.status} · ${new Date(t.completedAt ?? t.lastUpdatedAt).toLocaleString()}`,
        detail: t.mcp?.statusMessage ?? t.resultPreview,
        id: t.taskId,
      })),
      { title: 'Open Task Result', placeHolder: 'A result of Invoke Agent… (kept across window reloads)' },
    );
    if (!pick) return undefined;
    id = pick.id;
  }
  // read-only, like Invoke's answers: never dirty, never asking to be saved
  const editor = await ext.results.showTask(id, keptResultMarkdown(server.tasks, id));
  return editor.document;
}

export const TASK_COMMANDS: Record<string, Handler> = {
  'aop.cancelTask': cancelTask,
  'aop.openTaskResult': openTaskResult,
};
