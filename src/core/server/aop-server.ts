import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import { AgentExecutor, type InvocationObserver } from '../execution/executor';
import type { ModelResolver } from '../models/types';
import { PRM_PATHS, type OAuthResource } from './oauth-resource';
import { BodyTooLargeError, checkRequest, isLoopbackHost, loopbackAllowList, readBody, type GuardOptions } from './http-guard';
import { ToolRegistry, type RemoteToolRef, type ToolCallContext } from './tool-registry';
import { agentTool, agentToolHandler } from './agent-tools';
import { registerDiscoveryTools } from './discovery-tools';
import { join } from 'node:path';
import { TaskStore, type TaskStoreOptions } from '../tasks/store';
import { ProgressStream } from '../tasks/progress';
import { TASK_CAPABILITIES, ownerOf, registerTaskHandlers, startToolTask, type Notify } from '../tasks/mcp';
import { NodeHttpServerTransport } from './node-http-transport';
import { toolsPage } from './tools-pages';
import { VERSION } from '../version';
import { Metrics } from '../tracing/metrics';
import { OtlpExporter } from '../tracing/otlp';
import { ServerTracing } from '../tracing/invocation';
import type { TraceStore } from '../tracing/store';
import { checkHops, refusal } from './federation-meta';
import type { AopCluster } from '../cluster/cluster';
import { Orchestrator, type OrchestratorOptions } from '../orchestration/orchestrator';
import { serverHost } from '../orchestration/server-host';
import { registerCallAgentsTool } from '../orchestration/call-agents-tool';
import { scopeRefusal, scopedMeta } from '../orchestration/scoped-tokens';
import { A2aEndpoint } from '../a2a/endpoint';
import { isAgentCardPath } from '../a2a/cards';
import type { A2aTaskStore } from '../a2a/task-store';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

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
  /** Most concurrent MCP sessions (default 1,000); the idlest is closed past it. */
  maxSessions?: number;
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

interface Session {
  transport: Transport & { handleRequest?: NodeHttpServerTransport['handleRequest'] };
  server: Server;
  lastSeen: number;
}

const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The AOP server (paper §4.2.2, S = ⟨N, P, T, Γ⟩): agents as MCP tools over Streamable HTTP
 * (or stdio), with discovery tools, authentication, DNS-rebinding protection and body limits.
 */
export class AopServer {
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
  private readonly otlp?: OtlpExporter;
  private readonly agentDefs = new Map<string, AgentDefinition>();
  private readonly sessions = new Map<string, Session>();
  private http?: HttpServer;
  private guard?: GuardOptions;
  private address?: AddressInfo;
  private readonly log: Logger;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly options: AopServerOptions) {
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
      serverId: () => (this.address ? `${this.name}@${this.host}:${this.address.port}` : this.name),
      store: options.traceStore,
      metrics: options.metrics,
    });
    if (options.otlpEndpoint) {
      this.otlp = new OtlpExporter({
        endpoint: options.otlpEndpoint,
        onError: (err) => this.log('warn', `OTLP export failed: ${err instanceof Error ? err.message : String(err)}`),
      }).attach(this.tracing.store);
    }
    const tracesDir = options.traceStore?.dir;
    this.tasks = new TaskStore({
      dir: tracesDir ? join(tracesDir, 'tasks', this.name.replace(/[^A-Za-z0-9_.-]/g, '_')) : undefined,
      onError: (err) => this.log('warn', `cannot keep task results: ${err instanceof Error ? err.message : String(err)}`),
      ...options.tasks,
    });
    this.a2a = new A2aEndpoint(this, {
      bearer: options.token !== undefined,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_BODY_LIMIT,
      store: options.a2aTaskStore,
    });
    registerDiscoveryTools(this);
    this.orchestrator = new Orchestrator(serverHost(this, this.clusters), options.orchestration);
    registerCallAgentsTool(this.tools, this.orchestrator, this.tracing);
    this.tools.on('changed', () => this.broadcastToolListChanged());
  }

  // ---- agents ------------------------------------------------------------------------------

  agents(): AgentDefinition[] {
    return [...this.agentDefs.values()];
  }

  agent(name: string): AgentDefinition | undefined {
    return this.agentDefs.get(name);
  }

  /** Adds or replaces an agent; its tool appears at once and sessions get tools/list_changed. */
  upsertAgent(agent: AgentDefinition): void {
    const clash = this.tools.get(agent.name);
    if (clash && clash.kind !== 'agent') {
      throw new Error(`agent name "${agent.name}" clashes with the built-in tool of the same name`);
    }
    this.agentDefs.set(agent.name, agent);
    this.executor.register(agent);
    this.tools.set({ kind: 'agent', tool: agentTool(agent, this.id), handler: agentToolHandler(this, agent.name) });
  }

  removeAgent(name: string): void {
    if (!this.agentDefs.delete(name)) return;
    this.executor.terminate(name);
    this.tools.delete(name);
  }

  /** Replaces the whole agent set (e.g. after a catalog reload). */
  setAgents(agents: AgentDefinition[]): void {
    const keep = new Set(agents.map((a) => a.name));
    for (const name of [...this.agentDefs.keys()]) if (!keep.has(name)) this.removeAgent(name);
    for (const a of agents) this.upsertAgent(a);
  }

  observerFor(tool: string, ctx: ToolCallContext): InvocationObserver | undefined {
    return this.options.observe?.(tool, ctx);
  }

  // ---- MCP protocol --------------------------------------------------------------------------

  /** One SDK Server per session; handlers read the shared ToolRegistry. */
  createMcpServer(): Server {
    const server = new Server(
      { name: this.name, version: VERSION, title: `AOP server ${this.name}` },
      {
        capabilities: { tools: { listChanged: true }, tasks: TASK_CAPABILITIES },
        instructions:
          'Each agent is a tool taking {task}. Use discover_agents / search_agents to find agents; ' +
          'results are {result, success, error}.',
      },
    );
    // The list is rebuilt only on change; each page is serialised once per version, not per request.
    server.setRequestHandler(ListToolsRequestSchema, (request) => toolsPage(this.tools.list(), request.params?.cursor, this.toolsPageSize));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const entry = this.tools.get(request.params.name);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
      let meta = request.params._meta as Record<string, unknown> | undefined;
      const refused = checkHops(meta, this.id, this.maxHops);
      if (refused) return refusal(refused);
      // A `provider: command` child calling back with its invocation's token: its tools only, in its call chain.
      const scoped = this.orchestrator.tokens.fromHeader(extra.requestInfo?.headers?.authorization);
      if (scoped) {
        const denied = scopeRefusal(scoped, request.params.name, (n) => this.remote.get(n)?.cluster);
        if (denied) return refusal(denied);
        if (!scoped.root.take()) return refusal(`the tool-call budget of this request (${this.orchestrator.toolBudget}) is spent`);
        meta = scopedMeta(scoped, meta);
      }
      const progressToken = meta?.progressToken;
      // partial output, at most 10 notifications per second per call
      const stream =
        progressToken === undefined
          ? undefined
          : new ProgressStream((p) => void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...p } }).catch(() => {}));
      const ctx: ToolCallContext = { signal: extra.signal, meta, sessionId: extra.sessionId, ...stream?.hooks() };
      const args = request.params.arguments ?? {};
      if (request.params.task) {
        const owner = ownerOf(extra, this.options.token);
        return startToolTask(this.tasks, entry, args, ctx, owner, request.params.task.ttl, extra.sendNotification as Notify, () => stream?.close());
      }
      try {
        return await entry.handler(args, ctx);
      } finally {
        stream?.close();
      }
    });
    registerTaskHandlers(server, this.tasks, (e) => ownerOf(e, this.options.token));
    return server;
  }

  /** Serves on stdio (for clients that spawn `aop serve --stdio`). */
  async serveStdio(): Promise<void> {
    await this.loadTasks();
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const server = this.createMcpServer();
    const transport = new StdioServerTransport();
    this.sessions.set('stdio', { transport, server, lastSeen: Date.now() });
    await server.connect(transport);
  }

  private broadcastToolListChanged(): void {
    for (const s of this.sessions.values()) {
      void s.server.sendToolListChanged().catch(() => {});
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  async listen(): Promise<{ url: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    if (!isLoopbackHost(host) && !this.options.token && !this.options.oauth) {
      throw new Error(
        `refusing to listen on ${host} without a token: anyone on the network could run your agents. ` +
          'Pass --token (or AOP_TOKEN), or bind 127.0.0.1.',
      );
    }
    await this.loadTasks();
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.keepAliveTimeout = 65_000;
    this.http.headersTimeout = 70_000;
    this.http.requestTimeout = 0; // long agent calls stream over SSE
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(this.options.port ?? 0, host, () => resolve());
    });
    this.address = this.http.address() as AddressInfo;
    const port = this.address.port;
    const loop = loopbackAllowList(port);
    const extraHosts = (this.options.allowedHosts ?? []).map((h) => h.toLowerCase());
    this.guard = {
      token: this.options.token,
      // A loopback server only answers to loopback names (DNS-rebinding protection). A server bound
      // to a public address checks Host only when told which names it is reached by.
      allowedHosts: isLoopbackHost(host)
        ? [...loop.hosts, ...extraHosts]
        : extraHosts.length
          ? [...extraHosts, ...extraHosts.map((h) => `${h}:${port}`), `${host}:${port}`, host]
          : [],
      allowedOrigins: [...loop.origins, ...(this.options.allowedOrigins ?? []).map((o) => o.toLowerCase())],
    };
    const idleMs = this.options.sessionIdleMs ?? 30 * 60_000;
    this.idleTimer = setInterval(() => this.closeIdleSessions(idleMs), Math.min(idleMs, 60_000));
    this.idleTimer.unref();
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;
    this.log('info', `AOP server "${this.name}" listening on ${url} (${this.agentDefs.size} agents)`);
    return { url, port };
  }

  get url(): string | undefined {
    if (!this.address) return undefined;
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.address.port}/mcp`;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number | undefined {
    return this.address?.port;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const name of this.agentDefs.keys()) this.executor.terminate(name);
    this.a2a.close();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.server.close()));
    if (this.http) {
      const http = this.http;
      this.http = undefined;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
    await this.tasks.close();
    await this.otlp?.close();
    await this.tracing.close();
  }

  /** Loads the tasks a previous server on the same directory left (once). */
  loadTasks(): Promise<void> {
    return (this.tasksLoaded ??= this.tasks.load());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      const failure = checkRequest(req, {
        ...this.guard!,
        // A token scoped to a running invocation (command agents with tools:) also opens /mcp.
        token:
          path === '/healthz' || isAgentCardPath(path) || (path === '/mcp' && this.orchestrator.tokens.isScoped(req.headers.authorization))
            ? undefined
            : this.guard!.token,
      });
      if (failure) return sendJsonRpcError(res, failure.status, -32000, failure.message, failure.headers);
      const oauth = this.options.oauth;
      if (oauth && PRM_PATHS.includes(path) && req.method === 'GET') return sendJson(res, 200, oauth.metadata(this.url!));
      const denied = oauth && path === '/mcp' ? await oauth.check(req, this.url!) : undefined;
      if (denied) return sendJsonRpcError(res, denied.status, -32000, denied.message, denied.headers);
      if (path === '/healthz' && req.method === 'GET') {
        return sendJson(res, 200, { status: 'ok', name: this.name, agents: this.agentDefs.size, version: VERSION });
      }
      if (path === '/metrics' && req.method === 'GET') {
        const text = this.tracing.metrics.prometheus();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      if (path !== '/mcp' && (await this.a2a.handle(req, res, path))) return;
      if (path !== '/mcp') return sendJson(res, 404, { error: `not found: ${path}; the MCP endpoint is /mcp` });
      await this.handleMcp(req, res);
    } catch (err) {
      this.log('error', `request failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) sendJsonRpcError(res, 500, ErrorCode.InternalError, 'Internal error');
      else res.end();
    }
  }

  private async handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = header(req, 'mcp-session-id');
    if (req.method === 'POST') {
      let body: unknown;
      try {
        const raw = await readBody(req, this.options.maxBodyBytes ?? DEFAULT_BODY_LIMIT);
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.setHeader('Connection', 'close');
          return sendJsonRpcError(res, 413, ErrorCode.InvalidRequest, `Request body too large: limit is ${err.limit} bytes`);
        }
        return sendJsonRpcError(res, 400, ErrorCode.ParseError, `Parse error: ${err instanceof Error ? err.message : 'invalid JSON'}`);
      }
      if (body === null || typeof body !== 'object') {
        return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: expected a JSON-RPC object or array');
      }
      if (sessionId) {
        const session = this.sessions.get(sessionId);
        if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found: initialize a new session');
        session.lastSeen = Date.now();
        return session.transport.handleRequest!(req, res, body);
      }
      const messages = Array.isArray(body) ? body : [body];
      if (!messages.some((m) => isInitializeRequest(m))) {
        return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: no Mcp-Session-Id header; send initialize first');
      }
      const session = await this.newSession();
      return session.transport.handleRequest!(req, res, body);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = sessionId ? this.sessions.get(sessionId) : undefined;
      if (!sessionId) return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required');
      if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      return session.transport.handleRequest!(req, res);
    }
    res.setHeader('Allow', 'GET, POST, DELETE');
    return sendJsonRpcError(res, 405, ErrorCode.InvalidRequest, `Method not allowed: ${req.method}`);
  }

  private async newSession(): Promise<Session> {
    const max = this.options.maxSessions ?? 1000;
    if (this.sessions.size >= max) this.closeIdlest();
    const server = this.createMcpServer();
    const session: Session = { server, lastSeen: Date.now(), transport: undefined as never };
    const transport = new NodeHttpServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    session.transport = transport;
    await server.connect(transport);
    return session;
  }

  private closeIdlest(): void {
    let idlest: [string, Session] | undefined;
    for (const entry of this.sessions) if (!idlest || entry[1].lastSeen < idlest[1].lastSeen) idlest = entry;
    if (idlest) {
      this.sessions.delete(idlest[0]);
      void idlest[1].server.close().catch(() => {});
    }
  }

  private closeIdleSessions(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of this.sessions) {
      if (id !== 'stdio' && s.lastSeen < cutoff) {
        this.sessions.delete(id);
        void s.server.close().catch(() => {});
      }
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
