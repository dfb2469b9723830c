import * as vscode from 'vscode';
import { ClusterManager } from './clusters';
import { registerCommands } from './commands';
import { AgentExplorer } from './explorer/tree';
import { LocalServer } from './local-server';
import { AopMcpProvider, MCP_PROVIDER_ID } from './mcp-provider';
import { ResultDocuments } from './result-documents';
import { AopStatusBar } from './status-bar';
import type { Metrics, TraceStore, AopHost, Logger } from '../core';
import { registerTracePanelSerializer } from './trace-panel-loader';
import { UriHandlerSignIn } from './sign-in';
import { agentDocumentSelector } from './agent-file-selector';
import type { EditorContext } from './editor-context';

/**
 * The one object that owns everything the extension creates; disposing it disposes all of it
 * (rust-analyzer's Ctx pattern). VS Code glue only — the logic lives in src/core.
 *
 * Two steps, so that activation stays cheap: `activate()` registers the views, commands, chat's
 * MCP provider, the status bar and the URI handler from this bundle (dist/extension.js), and
 * returns; right after it, `loadHost()` loads the core — the host, its server, the MCP SDK — from
 * its own bundle, dist/extension-host.js (esbuild.mjs), and starts the local server. Whatever needs
 * the host waits for `hostLoaded`: commands (registerCommands), chat's resolve
 * (`LocalServer.ensureStarted`), the Agent Explorer (its progress bar), a restored Traces panel.
 */
export class AgentExtension implements EditorContext, vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  /** Settles with the host when its bundle is loaded and the host made (rejects if it cannot be). */
  readonly hostLoaded: Promise<AopHost>;
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
  private loaded?: AopHost;
  private disposed = false;

  /** Settles when the traces of earlier sessions are in `traces` (the Traces panel waits for it). */
  readonly tracesLoaded: Promise<void>;

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel('AOP', { log: true }));
    // after activate() has returned (setImmediate): activation does not wait for the host's bundle
    this.hostLoaded = new Promise((resolve) => setImmediate(resolve)).then(() => this.loadHost());
    this.tracesLoaded = this.hostLoaded.then(
      (host) => host.traceStore.load().catch((err: unknown) => this.log.warn(`could not read old traces: ${String(err)}`)),
      () => undefined,
    );
    this.local = this.own(new LocalServer(this.log, this.hostLoaded));
    this.clusters = this.own(new ClusterManager(context.secrets, this.log, this.hostLoaded));
    this.signIn = this.own(new UriHandlerSignIn(vscode, context.extension.id));
    this.explorer = this.own(new AgentExplorer(this.local, this.clusters));
    this.mcp = this.own(new AopMcpProvider(this.local));
    this.results = this.own(new ResultDocuments());
  }

  /** The window's AOP host (src/core/host): agents, server, clusters, traces. Once `hostLoaded` has settled. */
  get host(): AopHost {
    if (!this.loaded) throw new Error('AOP Agents is still starting: try again in a moment');
    return this.loaded;
  }

  /** The traces of this window's calls (and of earlier sessions, see `tracesLoaded`). Once `hostLoaded` has settled. */
  get traces(): TraceStore {
    return this.host.traceStore;
  }

  get metrics(): Metrics {
    return this.host.metrics;
  }

  /** The host's bundle (`import('../core')`: dist/extension-host.js when built) and the host made from it. */
  private async loadHost(): Promise<AopHost> {
    if (this.disposed) throw new Error('AOP Agents was deactivated');
    const started = performance.now();
    const { AopHost, TraceStore } = await import('../core');
    if (this.disposed) throw new Error('AOP Agents was deactivated');
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    const traces = new TraceStore({
      dir: vscode.Uri.joinPath(storage, 'traces').fsPath,
      onError: (err) => this.log.warn(`trace store: ${err instanceof Error ? err.message : String(err)}`),
    });
    this.own({ dispose: () => void traces.flush() });
    const logger: Logger = (level, message) => this.log[level === 'warn' ? 'warn' : level](message);
    const host = new AopHost({ roots: [] }, { traceStore: traces, logger });
    this.log.info(`host loaded in ${(performance.now() - started).toFixed(1)} ms`);
    return (this.loaded = host);
  }

  own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  async activate(): Promise<void> {
    const started = performance.now();
    this.own(registerTracePanelSerializer(this)); // first: a restored Traces panel waits for it
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

    // Activation returns at once; the host loads, then the server, the clusters and the language
    // server start behind it (chat's resolveMcpServerDefinition and every command wait for what
    // they need).
    void this.hostLoaded.then(
      async (host) => {
        // Busy/idle flips of agents show in the tree and the status bar as they happen (the
        // explorer coalesces bursts into one redraw).
        host.on('busy', changed);
        this.own({ dispose: () => host.off('busy', changed) });
        this.startLanguageClientWhenNeeded();
        await this.tracesLoaded;
        await this.local.ensureStarted().catch(() => undefined);
        await this.reloadClusters().catch((err: unknown) => this.log.error(`clusters: ${err instanceof Error ? err.message : String(err)}`));
        changed();
      },
      (err: unknown) => {
        if (this.disposed) return; // deactivated while the host was loading: nothing to report
        const message = err instanceof Error ? err.message : String(err);
        this.log.error(`could not load the AOP host: ${err instanceof Error ? (err.stack ?? message) : message}`);
        void vscode.window.showErrorMessage(`AOP Agents could not start: ${message}`, 'Show Log').then((c) => {
          if (c) this.log.show();
        });
        changed();
      },
    );
    this.log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
  }

  /**
   * The language server starts with the first agent file opened (its process is not needed
   * before), then checks every agent file of the workspace. Called once the host is loaded (the
   * agent files' globs are the core's); files opened before are in `textDocuments`.
   */
  private startLanguageClientWhenNeeded(): void {
    const selector = agentDocumentSelector();
    const isAgentFile = (doc: vscode.TextDocument) => vscode.languages.match(selector, doc) > 0;
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
    this.disposed = true;
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
