import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as vscode from 'vscode';
import { DEFAULT_AGENT_INCLUDE, type AgentCatalog, type AgentDiagnostic, type AopHost, type HostSettings, type AopServer } from '../core';
import { EditorChatModel } from './editor-model';
import { readSettings } from './settings';

export type LocalServerState = 'stopped' | 'starting' | 'running' | 'untrusted' | 'failed';

/**
 * The window's AOP host as the editor sees it: the workspace's agent files, 127.0.0.1, an ephemeral
 * port and a random token per window. In an untrusted workspace no workspace agent is served.
 */
export class LocalServer extends EventEmitter<{ changed: [] }> implements vscode.Disposable {
  readonly token = randomBytes(24).toString('base64url');
  private untrusted = false;
  private readonly editor = new EditorChatModel(() => readSettings().defaultModel);
  private readonly changed = () => this.emit('changed');

  constructor(
    private readonly log: vscode.LogOutputChannel,
    readonly host: AopHost,
  ) {
    super();
    host.on('state', this.changed);
    host.on('agents', this.changed);
    host.on('diagnostics', (file, diags) => {
      for (const d of diags) this.log.warn(`${file}:${d.line}:${d.column} ${d.message}`);
    });
  }

  get state(): LocalServerState {
    return this.untrusted ? 'untrusted' : this.host.state;
  }

  get error(): string | undefined {
    return this.host.error;
  }

  get aop(): AopServer | undefined {
    return this.host.server;
  }

  get url(): string | undefined {
    return this.host.url;
  }

  get agentCatalog(): AgentCatalog | undefined {
    return this.host.catalog;
  }

  diagnostics(): AgentDiagnostic[] {
    return this.host.diagnostics();
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
      this.emit('changed');
      return undefined;
    }
    if (!this.host.server) await this.host.reload(this.settings());
    try {
      const server = await this.host.start();
      this.log.info(`local AOP server at ${server.url} with ${server.agents().length} agents`);
      return server;
    } catch (err) {
      this.log.error(`local AOP server failed to start: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.host.stop();
  }

  async restart(): Promise<AopServer | undefined> {
    await this.host.stop();
    return this.ensureStarted();
  }

  dispose(): void {
    this.host.off('state', this.changed);
    this.host.off('agents', this.changed);
    void this.host.close();
  }
}
