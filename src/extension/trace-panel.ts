/**
 * The Traces webview panel (`aop.traces`): one instance, revealed when open; its HTML is
 * `trace-html.ts`, its data `trace-feed.ts`, its answers to the webview `trace-messages.ts`
 * (the protocol: `src/shared/trace-protocol.ts`). This file is the `vscode` side only. It is a
 * bundle of its own, loaded when the panel opens (trace-panel-loader.ts).
 *
 * It depends on `TracePanelContext` (the little it reads of the extension), not on the extension
 * class: `EditorContext` (and so `AgentExtension`) fits it, and nothing here imports `extension.ts`.
 */
import * as vscode from 'vscode';
import { toOtlp, type TraceRecord } from '../core';
import { parseWebviewState, type HostMessage, type TraceFilter } from '../shared/trace-protocol';
import { TraceFeed } from './trace-feed';
import { traceHtml, newNonce } from './trace-html';
import { TraceMessages, type TracePanelPort } from './trace-messages';
import { TRACE_VIEW_TYPE, type ShowTracesOptions, type TracePanelContext } from './trace-panel-context';

export class TracePanel implements vscode.Disposable {
  private static current?: TracePanel;
  private readonly feed: TraceFeed;
  private readonly messages: TraceMessages;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  /** Opens the panel (or reveals the open one); with an agent, filters its list to that agent. */
  static show(ext: TracePanelContext, options: ShowTracesOptions = {}): TracePanel {
    const filter = options.agent ? { agent: options.agent } : undefined;
    const open = TracePanel.current;
    if (open) {
      open.panel.reveal(undefined, false);
      if (filter) open.messages.applyFilter(filter);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, 'AOP Traces', vscode.ViewColumn.Active, TracePanel.options(ext));
    return new TracePanel(ext, panel, filter);
  }

  /** A panel brought back after a reload (the serializer of trace-panel-loader.ts, `onWebviewPanel:aop.traces`). */
  static async restore(ext: TracePanelContext, panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    // The webview re-sends its state with `ready`; the saved one is only checked here.
    void parseWebviewState(state);
    panel.webview.options = TracePanel.options(ext);
    try {
      await ext.hostLoaded; // restored at start-up: the trace store comes with the host
    } catch {
      panel.dispose(); // AgentExtension has said why
      return;
    }
    TracePanel.current?.dispose();
    new TracePanel(ext, panel, undefined);
  }

  /** The open panel, if any (tests). */
  static get instance(): TracePanel | undefined {
    return TracePanel.current;
  }

  private static options(ext: TracePanelContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: false, // state comes back through getState + ready
      localResourceRoots: [vscode.Uri.joinPath(ext.context.extensionUri, 'dist')],
    };
  }

  private constructor(
    private readonly ext: TracePanelContext,
    readonly panel: vscode.WebviewPanel,
    initialFilter: TraceFilter | undefined,
  ) {
    TracePanel.current = this;
    this.feed = new TraceFeed(ext.traces, { maxRate: 10 });
    this.messages = new TraceMessages(this.feed, this.port(), initialFilter);
    this.feed.onUpdates = (updates) => this.messages.postUpdates(updates);
    panel.iconPath = vscode.Uri.joinPath(ext.context.extensionUri, 'media', 'aop.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((data: unknown) => void this.messages.receive(data)),
      panel.onDidChangeViewState(() => {
        // a hidden webview is torn down; it sends `ready` again when shown
        if (!panel.visible) this.messages.hidden();
      }),
    );
    ext.own(this);
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.ext.context.extensionUri, 'dist');
    return traceHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
    });
  }

  private post(message: HostMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  /** The editor side of the messages. */
  private port(): TracePanelPort {
    const ext = this.ext;
    return {
      post: (m) => this.post(m),
      warn: (m) => ext.log.warn(m),
      tracesLoaded: () => ext.tracesLoaded,
      agentNames: () => ext.local.aop?.agents().map((a) => a.name) ?? [],
      agentFile: (agent) => ext.local.aop?.agent(agent)?.source.file,
      openFile: async (file) => {
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside });
      },
      exportTrace: async (trace, name) => (await exportOtlp([trace], name))?.fsPath,
      copyText: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      editTask: (tool, partial) =>
        Promise.resolve(
          vscode.window.showInputBox({
            title: `Re-run ${tool}`,
            prompt: partial !== undefined ? 'The trace kept only the start of the task: complete it' : 'The task for the agent',
            value: partial ?? '',
            ignoreFocusOut: true,
          }),
        ),
      invokeAgent: async (target, task) => {
        await vscode.commands.executeCommand('aop.invokeAgent', target, task);
      },
      tasks: () => ext.local.aop?.tasks,
      showMarkdown: async (markdown, taskId) => {
        // as "AOP: Open Task Result…" shows it
        await ext.results.showTask(taskId, markdown);
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (TracePanel.current === this) TracePanel.current = undefined;
    this.feed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** Save dialog + OTLP/JSON file; undefined when cancelled. */
export async function exportOtlp(traces: readonly TraceRecord[], defaultName: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: 'Export traces (OTLP/JSON)',
    saveLabel: 'Export',
    filters: { 'OTLP JSON': ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, defaultName) } : {}),
  });
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(toOtlp(traces), null, 2) + '\n', 'utf8'));
  return uri;
}

/** `aop.exportTraces` (optional agent): every stored trace, or that agent's, to one OTLP/JSON file. */
export async function exportTraces(ext: TracePanelContext, agent?: string): Promise<vscode.Uri | undefined> {
  const traces = ext.traces.query(agent ? { agent } : {});
  if (traces.length === 0) {
    void vscode.window.showInformationMessage(agent ? `No traces of ${agent} yet.` : 'No traces yet: invoke an agent first.');
    return undefined;
  }
  const uri = await exportOtlp(traces, `${agent ?? 'aop'}-traces.otlp.json`);
  if (uri) void vscode.window.showInformationMessage(`Exported ${traces.length} trace${traces.length === 1 ? '' : 's'} to ${uri.fsPath}`);
  return uri;
}
