import { EventEmitter } from 'node:events';
import * as vscode from 'vscode';
import { DEFAULT_AGENT_INCLUDE, type AgentCatalog, type AgentDiagnostic, type AopHost, type HostSettings, type AopServer } from '../core';
import { EditorChatModel } from './editor-model';
import { readSettings } from './settings';

export type LocalServerState = 'stopped' | 'starting' | 'running' | 'untrusted' | 'failed';

/**
 * The window's AOP host as the editor sees it: the workspace's agent files, 127.0.0.1, an ephemeral
 * port and a random token per window. In an untrusted workspace no workspace agent is served.
 *
 * The host comes from its own bundle, loaded after activation (AgentExtension): until `loaded`
 * settles, `host` is undefined, the state is `starting` and nothing is served; `ensureStarted()`
 * waits for it, and `ready` for its first start.
 */
export class LocalServer extends EventEmitter<{ changed: [] }> implements vscode.Disposable {
  private secret?: string;
  /** The window's host, once its bundle is loaded. */
  host?: AopHost;
  private untrusted = false;
  private disposed = false;
  private readonly editor = new EditorChatModel(() => readSettings().defaultModel);
  private readonly changed = () => this.emit('changed');
  /**
   * Settles when the host is loaded and its first start has been tried, whatever came of it
   * (rejects if the host cannot be loaded): the Agent Explorer waits for it, so it shows VS Code's
   * progress bar rather than "no agents" while the window starts.
   */
  readonly ready: Promise<void>;
  private firstStartTried!: () => void;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** Settles with the host when its bundle is loaded (rejects if it cannot be). */
    readonly loaded: Promise<AopHost>,
  ) {
    super();
    this.ready = new Promise<void>((resolve, reject) => {
      this.firstStartTried = resolve;
      loaded.catch(reject);
    });
    this.ready.catch(() => undefined); // the explorer shows it; AgentExtension reports it
    loaded.then(
      (host) => {
        if (this.disposed) return void host.close();
        this.host = host;
        host.on('state', this.changed);
        host.on('agents', this.changed);
        host.on('diagnostics', (file, diags) => {
          for (const d of diags) this.log.warn(`${file}:${d.line}:${d.column} ${d.message}`);
        });
        this.emit('changed');
      },
      () => undefined, // AgentExtension reports it; ensureStarted() rejects with it
    );
  }

  /**
   * The window's random token, made on first use (when the server starts): loading a random
   * source (node:crypto or Web Crypto) costs 10–30 ms in a fresh process, not for activation.
   */
  get token(): string {
    return (this.secret ??= Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url'));
  }

  get state(): LocalServerState {
    if (this.untrusted) return 'untrusted';
    return this.host?.state ?? 'starting';
  }

  get error(): string | undefined {
    return this.host?.error;
  }

  get aop(): AopServer | undefined {
    return this.host?.server;
  }

  get url(): string | undefined {
    return this.host?.url;
  }

  get agentCatalog(): AgentCatalog | undefined {
    return this.host?.catalog;
  }

  diagnostics(): AgentDiagnostic[] {
    return this.host?.diagnostics() ?? [];
  }

  /** What the host serves, from the `aop.*` settings and the workspace folders. */
  settings(): HostSettings {
    const settings = readSettings();
    return {
      roots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      include: [...new Set([...settings.include, ...DEFAULT_AGENT_INCLUDE.filter((g) => g.startsWith('.'))])],
      defaultProvider: 'editor',
      server: { name: 'vscode', host: settings.host, port: settings.port, token: this.token, captureTraceContent: settings.captureTraceContent },
      models: { defaultBaseUrl: settings.openAiBaseUrl, editor: () => this.editor },
    };
  }

  /** Starts the host once (later calls wait for the same start); nothing in an untrusted workspace. */
  async ensureStarted(): Promise<AopServer | undefined> {
    this.untrusted = !vscode.workspace.isTrusted;
    if (this.untrusted) {
      this.firstStartTried();
      this.emit('changed');
      return undefined;
    }
    const host = await this.loaded;
    try {
      if (!host.server) await host.reload(this.settings());
      const server = await host.start();
      this.log.info(`local AOP server at ${server.url} with ${server.agents().length} agents`);
      return server;
    } catch (err) {
      this.log.error(`local AOP server failed to start: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    } finally {
      this.firstStartTried();
    }
  }

  async stop(): Promise<void> {
    await this.host?.stop();
  }

  async restart(): Promise<AopServer | undefined> {
    await (await this.loaded).stop();
    return this.ensureStarted();
  }

  dispose(): void {
    this.disposed = true;
    this.host?.off('state', this.changed);
    this.host?.off('agents', this.changed);
    void this.host?.close();
  }
}
