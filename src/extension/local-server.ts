import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as vscode from 'vscode';
import { AgentCatalog, DEFAULT_AGENT_INCLUDE } from '../core/agents';
import type { AgentDiagnostic } from '../core/agents/definition';
import { createModelResolver } from '../core/models/resolver';
import { AopServer, type Logger } from '../core/server/aop-server';
import { bindCatalog } from '../core/server/catalog-binding';
import { EditorChatModel } from './editor-model';
import type { TraceStore } from '../core/tracing/store';
import type { Metrics } from '../core/tracing/metrics';
import { readSettings } from './settings';

export type LocalServerState = 'stopped' | 'starting' | 'running' | 'untrusted' | 'failed';

/**
 * The AOP server inside the extension host: the workspace's agent files, 127.0.0.1, an ephemeral
 * port and a random token per window. In an untrusted workspace no workspace agent is served.
 */
export class LocalServer extends EventEmitter<{ changed: [] }> implements vscode.Disposable {
  private server?: AopServer;
  private catalog?: AgentCatalog;
  private unbind?: () => void;
  private starting?: Promise<AopServer | undefined>;
  readonly token = randomBytes(24).toString('base64url');
  state: LocalServerState = 'stopped';
  error?: string;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** One store for the window: traces survive server restarts and feed the trace panel. */
    private readonly traceStore?: TraceStore,
    private readonly metrics?: Metrics,
  ) {
    super();
  }

  get aop(): AopServer | undefined {
    return this.server;
  }

  get url(): string | undefined {
    return this.server?.url;
  }

  get agentCatalog(): AgentCatalog | undefined {
    return this.catalog;
  }

  diagnostics(): AgentDiagnostic[] {
    return this.catalog ? [...this.catalog.diagnostics().values()].flat() : [];
  }

  /** Starts the server once; later calls wait for the same start. */
  ensureStarted(): Promise<AopServer | undefined> {
    if (this.server) return Promise.resolve(this.server);
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async start(): Promise<AopServer | undefined> {
    if (!vscode.workspace.isTrusted) {
      this.state = 'untrusted';
      this.emit('changed');
      return undefined;
    }
    this.state = 'starting';
    this.emit('changed');
    try {
      const settings = readSettings();
      const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      const include = [...new Set([...settings.include, ...DEFAULT_AGENT_INCLUDE.filter((g) => g.startsWith('.'))])];
      const catalog = new AgentCatalog({ roots, include, defaultProvider: 'editor' });
      await catalog.load();
      const editor = new EditorChatModel(() => readSettings().defaultModel);
      const logger: Logger = (level, message) => this.log[level === 'warn' ? 'warn' : level](message);
      const server = new AopServer({
        name: 'vscode',
        host: settings.host,
        port: settings.port,
        token: this.token,
        models: createModelResolver({ defaultBaseUrl: settings.openAiBaseUrl, editor: () => editor }),
        traceStore: this.traceStore,
        metrics: this.metrics,
        captureTraceContent: settings.captureTraceContent,
        logger,
      });
      this.unbind = bindCatalog(server, catalog);
      catalog.on('updated', () => this.emit('changed'));
      catalog.on('diagnostics', (file, diags) => {
        for (const d of diags) this.log.warn(`${file}:${d.line}:${d.column} ${d.message}`);
      });
      catalog.watch();
      const { url } = await server.listen();
      this.catalog = catalog;
      this.server = server;
      this.state = 'running';
      this.error = undefined;
      this.log.info(`local AOP server at ${url} with ${server.agents().length} agents`);
      this.emit('changed');
      return server;
    } catch (err) {
      this.state = 'failed';
      this.error = err instanceof Error ? err.message : String(err);
      this.log.error(`local AOP server failed to start: ${this.error}`);
      this.emit('changed');
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.unbind?.();
    this.unbind = undefined;
    this.catalog?.dispose();
    this.catalog = undefined;
    const s = this.server;
    this.server = undefined;
    await s?.close();
    this.state = 'stopped';
    this.emit('changed');
  }

  async restart(): Promise<AopServer | undefined> {
    await this.stop();
    return this.ensureStarted();
  }

  dispose(): void {
    void this.stop();
  }
}
