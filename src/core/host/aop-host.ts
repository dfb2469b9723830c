import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AgentCatalog } from '../agents/catalog';
import type { AgentDefinition, AgentDiagnostic } from '../agents/definition';
import type { AopCluster } from '../cluster/cluster';
import type { ServerHealth } from '../cluster/server-health';
import type { AgentRuntime } from '../execution/lifecycle';
import { createModelResolver } from '../models/resolver';
import type { ModelResolver } from '../models/types';
import { AopServer, type Logger } from '../server/aop-server';
import { bindCatalog } from '../server/catalog-binding';
import { Metrics } from '../tracing/metrics';
import { TraceStore } from '../tracing/store';
import type { TraceRecord } from '../tracing/types';
import { HostClusters, type ClusterChange } from './host-clusters';
import { clusterSettingsChanged, serverSettingsChanged, type HostCluster, type HostSettings } from './host-settings';
import { invokeAgent, type AgentRef, type HostInvokeOptions } from './invoke';

export type HostState = 'stopped' | 'starting' | 'running' | 'failed';

/** What a host tells its embedder, instead of being polled. */
export interface HostEvents {
  /** stopped → starting → running | failed (with the reason). */
  state: [state: HostState, error?: string];
  /** The served agent set changed (a file added, edited or removed; a restart). */
  agents: [];
  /** An agent file's findings changed (an empty list: the file is clean now). */
  diagnostics: [file: string, diagnostics: AgentDiagnostic[]];
  /** An agent's in-flight count changed (busy/idle in the explorer, "N running" in the status bar). */
  busy: [agent: string, inFlight: number];
  /** The server listens (url) or stopped listening. */
  server: [status: { up: boolean; url?: string }];
  /** A cluster's server health, membership or tool registry changed. */
  cluster: [cluster: AopCluster, change: ClusterChange, health?: ServerHealth];
  /** The cluster set was rebuilt. */
  clusters: [];
  /** A trace (one root invocation and everything below it) finished. */
  trace: [trace: TraceRecord];
}

export interface AopHostOptions {
  /** One store for the host's life: traces survive server restarts (default: memory, 1,000 traces). */
  traceStore?: TraceStore;
  metrics?: Metrics;
  logger?: Logger;
  /** A fixed model resolver (bench, tests); default: built from `settings.models`. */
  models?: ModelResolver;
}

/**
 * One AOP host (paper §4.2): the agents of a workspace (catalog), their backends, the executor, the
 * traces, the MCP server that serves them, and the clusters federated into it. The CLI, the editor
 * and the bench each build one and nothing else. `invoke()` runs any agent, local or remote, traced
 * like an MCP tools/call; events replace polling.
 *
 *   const host = new AopHost({ roots: ['agents'] });
 *   await host.start();
 *   const result = await host.invoke('reviewer', { task: 'review this' });
 */
export class AopHost extends EventEmitter<HostEvents> {
  readonly traceStore: TraceStore;
  readonly metrics: Metrics;
  state: HostState = 'stopped';
  error?: string;
  private settings: HostSettings;
  private readonly log: Logger;
  /** Stable across restarts, so clusters keep skipping this server's own tools. */
  private readonly serverId: string;
  private current?: { server: AopServer; catalog: AgentCatalog; dispose(): void };
  private starting?: Promise<AopServer>;
  private readonly clusterSet: HostClusters;
  private unsubscribeTraces?: () => void;

  constructor(
    settings: HostSettings,
    private readonly options: AopHostOptions = {},
  ) {
    super();
    this.settings = settings;
    this.log = options.logger ?? (() => {});
    this.traceStore = options.traceStore ?? new TraceStore();
    this.metrics = options.metrics ?? new Metrics();
    const name = settings.server?.name ?? 'aop';
    this.serverId = settings.server?.id ?? `${name}-${randomUUID().slice(0, 8)}`;
    this.clusterSet = new HostClusters((cluster, change, health) => this.emit('cluster', cluster, change, health));
    // The store summarises a trace for each event it sends: listen only while someone wants `trace`.
    const untyped = this as unknown as EventEmitter;
    untyped.on('newListener', (event: string | symbol) => {
      if (event === 'trace' && !this.unsubscribeTraces) {
        this.unsubscribeTraces = this.traceStore.subscribe((e) => {
          if (e.type === 'trace-end') this.emit('trace', e.trace);
        });
      }
    });
    untyped.on('removeListener', (event: string | symbol) => {
      if (event === 'trace' && this.listenerCount('trace') === 0) this.stopTraceEvents();
    });
  }

  private stopTraceEvents(): void {
    this.unsubscribeTraces?.();
    this.unsubscribeTraces = undefined;
  }

  // ---- what runs -----------------------------------------------------------------------------

  get server(): AopServer | undefined {
    return this.current?.server;
  }

  get catalog(): AgentCatalog | undefined {
    return this.current?.catalog;
  }

  get url(): string | undefined {
    return this.current?.server.url;
  }

  /** The id this host's server carries in federation chains. */
  get id(): string {
    return this.serverId;
  }

  agents(): AgentDefinition[] {
    return this.current?.server.agents() ?? [];
  }

  agent(name: string): AgentDefinition | undefined {
    return this.current?.server.agent(name);
  }

  /** Live counters of a local agent (state, in flight, queued, latency). */
  runtime(name: string): AgentRuntime | undefined {
    return this.current?.server.executor.runtime(name);
  }

  /** Calls running on local agents right now. */
  inFlight(): number {
    const server = this.current?.server;
    if (!server) return 0;
    let n = 0;
    for (const a of server.agents()) n += server.executor.runtime(a.name).inFlight;
    return n;
  }

  diagnostics(): AgentDiagnostic[] {
    return this.current ? [...this.current.catalog.diagnostics().values()].flat() : [];
  }

  clusters(): AopCluster[] {
    return this.clusterSet.all();
  }

  cluster(name: string): AopCluster | undefined {
    return this.clusterSet.get(name);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Loads the agents, starts serving and federates the clusters. Later calls wait for the same start. */
  start(): Promise<AopServer> {
    if (this.current) return Promise.resolve(this.current.server);
    this.starting ??= this.startOnce().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(): Promise<AopServer> {
    this.setState('starting');
    const s = this.settings;
    let catalog: AgentCatalog | undefined;
    let server: AopServer | undefined;
    try {
      catalog = new AgentCatalog({ roots: s.roots, include: s.include, defaultProvider: s.defaultProvider });
      if (s.agents?.length) catalog.setAll(s.agents);
      await catalog.load();
      server = new AopServer({
        ...s.server,
        id: this.serverId,
        models: this.options.models ?? createModelResolver(s.models),
        traceStore: this.traceStore,
        metrics: this.metrics,
        logger: this.log,
      });
      const unbind = bindCatalog(server, catalog);
      const agentsChanged = () => this.emit('agents');
      const diagnosticsChanged = (file: string, diags: AgentDiagnostic[]) => this.emit('diagnostics', file, diags);
      catalog.on('updated', agentsChanged);
      catalog.on('diagnostics', diagnosticsChanged);
      server.executor.onInFlight = (agent, n) => this.emit('busy', agent, n);
      const built = { server, catalog };
      this.current = {
        ...built,
        dispose: () => {
          unbind();
          built.catalog.off('updated', agentsChanged);
          built.catalog.off('diagnostics', diagnosticsChanged);
          built.catalog.dispose();
          built.server.executor.onInFlight = undefined;
        },
      };
      if (s.watch !== false) catalog.watch();
      const listen = s.listen ?? 'http';
      if (listen === 'http') await server.listen();
      else if (listen === 'stdio') await server.serveStdio();
      this.clusterSet.federateInto(server, s.maxRemoteTools);
      if (this.clusterSet.all().length === 0 && s.clusters?.length) await this.buildClusters(s.clusters, server);
      this.setState('running');
      this.emit('server', { up: true, url: server.url });
      this.emit('agents');
      // Discover after listening, so clusters that include this server (loops) can reach it.
      await this.clusterSet.discover();
      return server;
    } catch (err) {
      this.current?.dispose();
      this.current = undefined;
      if (!server) catalog?.dispose();
      await server?.close().catch(() => undefined);
      this.error = err instanceof Error ? err.message : String(err);
      this.setState('failed', this.error);
      throw err;
    }
  }

  /** Stops serving; clusters stay (a restart federates them into the new server). */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const current = this.current;
    this.current = undefined;
    if (!current) return this.setState('stopped');
    this.clusterSet.unfederateAll();
    current.dispose();
    await current.server.close();
    this.emit('server', { up: false });
    this.setState('stopped');
    this.emit('agents');
  }

  async restart(): Promise<AopServer> {
    await this.stop();
    return this.start();
  }

  /** Applies new settings: restarts what they change (the server, the clusters, or nothing). */
  async reload(settings: HostSettings): Promise<void> {
    const before = this.settings;
    this.settings = { ...settings, clusters: before.clusters };
    const running = this.current !== undefined || this.starting !== undefined;
    if (running && serverSettingsChanged(before, settings)) await this.restart();
    if (clusterSettingsChanged(before, settings)) await this.setClusters(settings.clusters!, settings.maxRemoteTools);
  }

  /**
   * Rebuilds the clusters (new configs, or the same ones with new tokens) and federates them into
   * the running server within `maxRemoteTools`.
   */
  async setClusters(clusters: readonly HostCluster[], maxRemoteTools = this.settings.maxRemoteTools): Promise<void> {
    this.settings = { ...this.settings, clusters: [...clusters], maxRemoteTools };
    await this.buildClusters(clusters, this.current?.server);
    await this.clusterSet.discover();
  }

  private async buildClusters(clusters: readonly HostCluster[], server: AopServer | undefined): Promise<void> {
    await this.clusterSet.replace(clusters, this.serverId);
    if (server) this.clusterSet.federateInto(server, this.settings.maxRemoteTools);
    this.emit('clusters');
  }

  /** Stops everything: server, clusters, trace listeners; flushes the traces. */
  async close(): Promise<void> {
    await this.stop();
    await this.clusterSet.close();
    this.stopTraceEvents();
    await this.traceStore.flush();
  }

  // ---- calls ---------------------------------------------------------------------------------

  /**
   * Runs an agent as an MCP tools/call would, local or remote: `name` (local first, then any
   * cluster offering it), `<cluster>/<agent>`, `<alias>__<agent>`, or `{cluster, agent}`.
   * Traced under `parentTrace` when given; failures come back as an `isError` result. Local agents
   * need a started host; remote ones are reachable (untraced) before it starts.
   */
  async invoke(ref: AgentRef, args: Record<string, unknown>, opts: HostInvokeOptions = {}): Promise<CallToolResult> {
    // Never starts the server itself: the embedder decides when (an untrusted workspace serves nothing).
    const server = this.current?.server ?? (await this.starting?.catch(() => undefined));
    return invokeAgent(server, (name) => this.clusterSet.get(name), ref, args, opts);
  }

  private setState(state: HostState, error?: string): void {
    this.state = state;
    if (state !== 'failed') this.error = undefined;
    this.emit('state', state, error);
  }
}
