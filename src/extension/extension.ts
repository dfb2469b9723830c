import * as vscode from 'vscode';
import { ClusterManager } from './clusters';
import { registerCommands } from './commands';
import { AgentExplorer } from './explorer/tree';
import { LocalServer } from './local-server';
import { AopMcpProvider, MCP_PROVIDER_ID } from './mcp-provider';
import { ResultDocuments } from './result-documents';
import { AopStatusBar } from './status-bar';
import { Metrics, TraceStore, AopHost, type Logger } from '../core';
import { TracePanel } from './trace-panel';
import { UriHandlerSignIn } from './sign-in';
import { AGENT_DOCUMENT_SELECTOR } from './agent-file-selector';
import type { EditorContext } from './editor-context';

/**
 * The one object that owns everything the extension creates; disposing it disposes all of it
 * (rust-analyzer's Ctx pattern). VS Code glue only — the logic lives in src/core.
 */
export class AgentExtension implements EditorContext, vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  /** The window's AOP host (src/core/host): agents, server, clusters, traces. */
  readonly host: AopHost;
  readonly local: LocalServer;
  readonly clusters: ClusterManager;
  readonly explorer: AgentExplorer;
  readonly mcp: AopMcpProvider;
  /** Sign-ins to servers behind MCP authorization: browser out, URI handler back. */
  readonly signIn: UriHandlerSignIn;
  /** Invoke Agent's answers: read-only `aop-result:` documents, one per agent. */
  readonly results: ResultDocuments;
  private readonly disposables: vscode.Disposable[] = [];
  private statusBar?: AopStatusBar;

  readonly traces: TraceStore;
  /** Settles when the traces of earlier sessions are in `traces` (the Traces panel waits for it). */
  tracesLoaded: Promise<void> = Promise.resolve();
  readonly metrics = new Metrics();

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel('AOP', { log: true }));
    const storage = context.storageUri ?? context.globalStorageUri;
    this.traces = new TraceStore({
      dir: vscode.Uri.joinPath(storage, 'traces').fsPath,
      onError: (err) => this.log.warn(`trace store: ${err instanceof Error ? err.message : String(err)}`),
    });
    this.own({ dispose: () => void this.traces.flush() });
    const logger: Logger = (level, message) => this.log[level === 'warn' ? 'warn' : level](message);
    this.host = new AopHost({ roots: [] }, { traceStore: this.traces, metrics: this.metrics, logger });
    this.local = this.own(new LocalServer(this.log, this.host));
    this.clusters = this.own(new ClusterManager(context.secrets, this.log, this.host));
    this.signIn = this.own(new UriHandlerSignIn(vscode, context.extension.id));
    this.explorer = this.own(new AgentExplorer(this.local, this.clusters));
    this.mcp = this.own(new AopMcpProvider(this.local));
    this.results = this.own(new ResultDocuments());
  }

  own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  async activate(): Promise<void> {
    const started = performance.now();
    this.own(TracePanel.registerSerializer(this)); // first: a restored Traces panel waits for it
    const view = vscode.window.createTreeView('aop.explorer', { treeDataProvider: this.explorer, showCollapseAll: true });
    this.own(view);
    this.statusBar = this.own(new AopStatusBar(this.local));
    const changed = () => {
      this.explorer.refresh();
      this.statusBar?.update();
      view.message = vscode.workspace.isTrusted ? undefined : 'This workspace is not trusted: its agent files are not served.';
    };
    this.local.on('changed', changed);
    this.clusters.on('changed', changed);
    this.own({ dispose: () => this.local.off('changed', changed) });

    for (const d of registerCommands(this)) this.own(d);
    this.own(vscode.window.registerUriHandler({ handleUri: (uri) => this.signIn.handleUri(uri) }));
    this.own(vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, this.mcp));

    this.own(
      vscode.workspace.onDidChangeConfiguration(async (e) => {
        if (e.affectsConfiguration('aop.server') || e.affectsConfiguration('aop.agents') || e.affectsConfiguration('aop.openai')) {
          await this.local.restart();
          this.mcp.serverChanged();
          await this.reloadClusters();
        } else if (e.affectsConfiguration('aop.clusters') || e.affectsConfiguration('aop.discovery') || e.affectsConfiguration('aop.chat')) {
          await this.reloadClusters();
        }
      }),
    );
    this.own(
      vscode.workspace.onDidGrantWorkspaceTrust(async () => {
        await this.local.restart();
        this.mcp.serverChanged();
        await this.reloadClusters();
      }),
    );

    // Busy/idle flips of agents show in the tree and the status bar as they happen (the explorer
    // coalesces bursts into one redraw).
    this.host.on('busy', changed);
    this.own({ dispose: () => this.host.off('busy', changed) });

    // Activation returns at once; the server, the clusters and the language server start behind it
    // (chat's resolveMcpServerDefinition and every command wait for the server when they need it).
    void (async () => {
      await (this.tracesLoaded = this.traces.load().catch((err: unknown) => this.log.warn(`could not read old traces: ${String(err)}`)));
      await this.local.ensureStarted().catch(() => undefined);
      await this.reloadClusters();
      changed();
    })();
    this.startLanguageClientWhenNeeded();
    this.log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
  }

  /**
   * The language server starts with the first agent file opened (its process is not needed
   * before), then checks every agent file of the workspace.
   */
  private startLanguageClientWhenNeeded(): void {
    const isAgentFile = (doc: vscode.TextDocument) => vscode.languages.match(AGENT_DOCUMENT_SELECTOR, doc) > 0;
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      listener.dispose();
      // Loaded on demand: vscode-languageclient is a third of the bundle.
      const { sendKnownModels, startLanguageClient } = await import('./language-client');
      const client = startLanguageClient(this.context, this.log);
      const sendModels = async () => sendKnownModels(client, await vscode.lm.selectChatModels());
      void sendModels().catch(() => undefined);
      this.own(vscode.lm.onDidChangeChatModels(() => void sendModels().catch(() => undefined)));
    };
    const listener = this.own(vscode.workspace.onDidOpenTextDocument((doc) => void (isAgentFile(doc) && start())));
    if (vscode.workspace.textDocuments.some(isAgentFile)) void start();
  }

  /** Rebuilds the clusters from the settings and federates them into the local server. */
  async reloadClusters(): Promise<void> {
    await this.clusters.reload();
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
    this.disposables.length = 0;
  }
}

let current: AgentExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<AgentExtension | undefined> {
  const ext = new AgentExtension(context);
  context.subscriptions.push(ext);
  current = ext;
  try {
    await ext.activate();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ext.log.error(`activation failed: ${err instanceof Error ? err.stack ?? message : message}`);
    void vscode.window.showErrorMessage(`AOP Agents could not start: ${message}`, 'Show Log').then((c) => {
      if (c) ext.log.show();
    });
  }
  return ext;
}

export async function deactivate(): Promise<void> {
  const ext = current;
  current = undefined;
  if (ext) {
    await ext.local.stop().catch(() => undefined);
    ext.dispose();
  }
}
