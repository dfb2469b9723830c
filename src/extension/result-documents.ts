import * as vscode from 'vscode';

export const RESULT_SCHEME = 'aop-result';
/** Results kept for agents whose documents may be reopened; the oldest go first past this. */
const MAX_RESULTS = 100;

/**
 * The answers of Invoke Agent as read-only virtual documents (`aop-result:/text-stats.result.md`):
 * one per agent, replaced by its next answer, never dirty, never asking to be saved.
 */
export class ResultDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? `# ${resultLabel(uri)}\n\nNo result yet: invoke the agent again (results are kept while the window is open).\n`;
  }

  /** Puts `markdown` in the agent's result document and shows it. */
  show(agent: { tool: string; cluster?: string }, markdown: string): Promise<vscode.TextEditor> {
    return this.showAt(resultUri(agent), markdown);
  }

  /** A kept task result (Open Task Result…, the Traces panel's Open result): one document per task. */
  showTask(taskId: string, markdown: string): Promise<vscode.TextEditor> {
    return this.showAt(vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/tasks/${safe(taskId)}.result.md` }), markdown);
  }

  private async showAt(uri: vscode.Uri, markdown: string): Promise<vscode.TextEditor> {
    const key = uri.toString();
    this.contents.delete(key); // re-insert: the map's order is the age
    this.contents.set(key, markdown);
    while (this.contents.size > MAX_RESULTS) this.contents.delete(this.contents.keys().next().value!);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    return vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** `aop-result:/text-stats.result.md`, `aop-result:/team/remote-helper.result.md` for a cluster's agent (`/tasks/<id>.result.md` for a task). */
export function resultUri(agent: { tool: string; cluster?: string }): vscode.Uri {
  const name = `${safe(agent.tool)}.result.md`;
  return vscode.Uri.from({ scheme: RESULT_SCHEME, path: agent.cluster ? `/${safe(agent.cluster)}/${name}` : `/${name}` });
}

function resultLabel(uri: vscode.Uri): string {
  return uri.path.split('/').pop()?.replace(/\.result\.md$/, '') ?? uri.path;
}

function safe(part: string): string {
  return part.replace(/[^\w.-]/g, '_').slice(0, 100) || '_';
}
