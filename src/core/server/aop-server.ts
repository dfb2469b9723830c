import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AgentDefinition } from '../agents/definition';
import { AgentExecutor, type InvocationObserver } from '../execution/executor';
import type { ModelResolver } from '../models/types';
import type { OAuthResource } from './oauth-resource';
import { ToolRegistry, type RemoteToolRef, type ToolCallContext } from './tool-registry';
import { agentToolHandler } from './agent-tool-handler';
import { AgentSet } from './agent-set';
import { registerDiscoveryTools } from '../discovery/register-tools';
import { createMcpServer, directRequests } from './mcp-handlers';
import { SessionTable } from './session-table';
import { DEFAULT_BODY_LIMIT, HttpFront } from './http-front';
import { errorText, type Logger } from './logger';
import type { ServerContext } from './server-context';
import { TaskStore, type TaskStoreOptions } from '../tasks/store';
import { Metrics } from '../tracing/metrics';
import { OtlpExporter } from '../tracing/otlp';
import { ServerTracing } from '../tracing/invocation';
import type { TraceStore } from '../tracing/store';
import { serverLimits, type ServerLimits } from './limits';
import type { AopCluster } from '../cluster/cluster';
import { Orchestrator, type OrchestratorOptions } from '../orchestration/orchestrator';
import { serverHost } from '../orchestration/server-host';
import { registerCallAgentsTool } from '../orchestration/call-agents-tool';
import { A2aEndpoint } from '../a2a/endpoint';
import type { A2aTaskStore } from '../a2a/task-store';

export type { Logger } from './logger';

export interface AopServerOptions {
  /** Server name N (paper §4.2.2). */
  name?: string;
  /** Unique id of this server in federation chains (default: random per process). */
  id?: string;
  /** Calls that already crossed this many servers are refused (default 3). */
  maxHops?: number;
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** Bearer token; required for a non-loopback bind (unless `oauth`). */
  token?: string;
  /** MCP authorization: JWT access tokens of an issuer instead of `token` (see oauth-resource.ts). */
  oauth?: OAuthResource;
  /** Extra Host header values to accept (e.g. a public DNS name). */
  allowedHosts?: string[];
  /** Extra Origin values to accept. */
  allowedOrigins?: string[];
  /** Request body cap in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Most concurrent MCP sessions (default 1,000); the idlest idle one is closed past it. */
  maxSessions?: number;
  /** Timeouts, batch, answer, in-flight and per-client session caps (see limits.ts for defaults). */
  limits?: Partial<ServerLimits>;
  /** Keep task and answer excerpts in traces (default true; `aop.traces.captureContent`). */
  captureTraceContent?: boolean;
  /** Tools per tools/list page, with `nextCursor` for the rest (default 0: every tool in one answer). */
  toolsPageSize?: number;
  /** Sessions idle longer than this are closed (default 30 min). */
  sessionIdleMs?: number;
  models: ModelResolver;
  /** Backoff between retries (tests shorten it). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called for every invocation; tracing plugs in here. */
  observe?: (tool: string, ctx: ToolCallContext) => InvocationObserver | undefined;
  /** Where traces go (share one with the extension); default: a memory-only store of 1,000 traces. */
  traceStore?: TraceStore;
  /** Call metrics (share one across servers); default: this server's own. */
  metrics?: Metrics;
  /** OTLP/HTTP endpoint (e.g. http://localhost:4318) to send every trace to. */
  otlpEndpoint?: string;
  logger?: Logger;
  /** Agents calling agents: depth limit, tool-call budget per root request (see core/orchestration). */
  orchestration?: OrchestratorOptions;
  /** MCP Tasks: bounds, ttl and where finished results are kept (default: `<trace dir>/tasks/<name>`). */
  tasks?: TaskStoreOptions;
  /** Where A2A tasks live (default: in memory, 1,000 tasks). */
  a2aTaskStore?: A2aTaskStore;
}

/**
 * The AOP server (paper §4.2.2, S = ⟨N, P, T, Γ⟩): agents as MCP tools over Streamable HTTP
 * (or stdio), with discovery tools, authentication, DNS-rebinding protection and body limits.
 *
 * A facade over its parts: the agent set (agent-set.ts), the MCP request handlers
 * (mcp-handlers.ts), the session table (session-table.ts) and the HTTP front (http-front.ts).
 */
export class AopServer implements ServerContext {
  readonly name: string;
  readonly id: string;
  readonly maxHops: number;
  readonly toolsPageSize: number;
  readonly tools = new ToolRegistry();
  /** Tools of federated clusters, exported or not (see `call_agent`). */
  readonly remote = new Map<string, RemoteToolRef>();
  readonly executor: AgentExecutor;
  /** Every call as a task (swarms' get_task_status and MCP Tasks read the same store). */
  readonly tasks: TaskStore;
  private tasksLoaded?: Promise<void>;
  /** Clusters agents reach with `<cluster>/<agent>` entries of `tools:` (by name; aliases resolve too). */
  readonly clusters = new Map<string, AopCluster>();
  /** Agents calling agents: guards, tool loops, call_agents. */
  readonly orchestrator: Orchestrator;
  readonly startedAt = Date.now();
  /** Traces (every agent invocation) and call metrics of this server. */
  readonly tracing: ServerTracing;
  /** A2A cards and JSON-RPC endpoints of the agents (src/core/a2a). */
  readonly a2a: A2aEndpoint;
  readonly limits: ServerLimits;
  private readonly otlp?: OtlpExporter;
  private readonly agentSet: AgentSet;
  private readonly sessions: SessionTable;
  private readonly front: HttpFront;
  private readonly log: Logger;

  constructor(private readonly options: AopServerOptions) {
    this.limits = serverLimits(options.limits);
    this.name = options.name ?? 'aop';
    this.id = options.id ?? `${this.name}-${randomUUID().slice(0, 8)}`;
    this.maxHops = options.maxHops ?? 3;
    this.toolsPageSize = options.toolsPageSize ?? 0;
    this.log = options.logger ?? (() => {});
    this.executor = new AgentExecutor({
      models: options.models,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
    this.tracing = new ServerTracing({
      name: this.name,
      serverId: () => (this.port !== undefined ? `${this.name}@${this.host}:${this.port}` : this.name),
      store: options.traceStore,
      metrics: options.metrics,
      captureContent: options.captureTraceContent,
    });
    if (options.otlpEndpoint) {
      this.otlp = new OtlpExporter({
        endpoint: options.otlpEndpoint,
        onError: (err) => this.log('warn', `OTLP export failed: ${errorText(err)}`),
      }).attach(this.tracing.store);
    }
    const tracesDir = options.traceStore?.dir;
    this.tasks = new TaskStore({
      dir: tracesDir ? join(tracesDir, 'tasks', this.name.replace(/[^A-Za-z0-9_.-]/g, '_')) : undefined,
      onError: (err) => this.log('warn', `cannot keep task results: ${errorText(err)}`),
      ...options.tasks,
    });
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
    this.a2a = new A2aEndpoint(this, { bearer: options.token !== undefined, maxBodyBytes, store: options.a2aTaskStore });
    this.agentSet = new AgentSet({
      tools: this.tools,
      executor: this.executor,
      serverId: this.id,
      handler: (name) => agentToolHandler(this, name),
      log: this.log,
    });
    this.sessions = new SessionTable({
      limits: this.limits,
      maxSessions: options.maxSessions ?? 1000,
      createServer: () => this.createMcpServer(),
      directRequest: directRequests(this, { toolsPageSize: this.toolsPageSize, token: options.token }),
    });
    this.front = new HttpFront(this, this.sessions, this.a2a, this.log, {
      host: this.host,
      port: options.port ?? 0,
      token: options.token,
      oauth: options.oauth,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      maxBodyBytes,
      limits: this.limits,
    });
    registerDiscoveryTools(this);
    this.orchestrator = new Orchestrator(serverHost(this, this.clusters), options.orchestration);
    registerCallAgentsTool(this.tools, this.orchestrator, this.tracing);
    this.tools.on('changed', () => this.sessions.broadcastToolListChanged());
  }

  // ---- agents ------------------------------------------------------------------------------

  agents(): AgentDefinition[] {
    return this.agentSet.list();
  }

  agent(name: string): AgentDefinition | undefined {
    return this.agentSet.get(name);
  }

  /** Adds or replaces an agent; its tool appears at once and sessions get tools/list_changed. */
  upsertAgent(agent: AgentDefinition): void {
    this.agentSet.upsert(agent);
  }

  removeAgent(name: string): void {
    this.agentSet.remove(name);
  }

  /** Replaces the whole agent set (e.g. after a catalog reload). */
  setAgents(agents: AgentDefinition[]): void {
    this.agentSet.replaceAll(agents);
  }

  /** upsertAgent that skips (and logs) only the agent it cannot serve, so the others still are. */
  tryUpsertAgent(agent: AgentDefinition): boolean {
    return this.agentSet.tryUpsert(agent);
  }

  observerFor(tool: string, ctx: ToolCallContext): InvocationObserver | undefined {
    return this.options.observe?.(tool, ctx);
  }

  // ---- MCP protocol --------------------------------------------------------------------------

  /** One SDK Server per session; handlers read the shared ToolRegistry. */
  createMcpServer(): Server {
    return createMcpServer(this, { toolsPageSize: this.toolsPageSize, token: this.options.token });
  }

  /** Serves on stdio (for clients that spawn `aop serve --stdio`). */
  async serveStdio(): Promise<void> {
    await this.loadTasks();
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    await this.sessions.openStdio(new StdioServerTransport());
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  async listen(): Promise<{ url: string; port: number }> {
    this.front.assertSafeBind();
    await this.loadTasks();
    const { url, port } = await this.front.listen();
    this.sessions.startIdleTimer(this.options.sessionIdleMs ?? 30 * 60_000);
    this.log('info', `AOP server "${this.name}" listening on ${url} (${this.agentSet.size} agents)`);
    return { url, port };
  }

  get url(): string | undefined {
    return this.front.url;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number | undefined {
    return this.front.port;
  }

  /** The Node HTTP server while listening (tests hook its events). */
  get http(): HttpServer | undefined {
    return this.front.httpServer;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.agentSet.terminateAll();
    this.a2a.close();
    await this.sessions.closeAll();
    await this.front.close();
    await this.tasks.close();
    await this.otlp?.close();
    await this.tracing.close();
  }

  /** Loads the tasks a previous server on the same directory left (once). */
  loadTasks(): Promise<void> {
    return (this.tasksLoaded ??= this.tasks.load());
  }
}
