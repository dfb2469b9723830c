import { EventEmitter } from 'node:events';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type ClusterConfig, type ClusterServerConfig, type SecretLookup, envLookup, expandHeaders, serverLabel } from './config';
import { AgentRegistry, type RegistryEntry } from './registry';
import { Router } from './routing';
import { closestMatch } from '../agents/did-you-mean';
import { ServerConnection, TransportFailure } from './server-connection';
import type { RemoteAgentInfo } from './remote-agents';
import type { ServerHealth } from './server-health';
import { defaultTransportFactory, type TransportFactory } from '../mcp-client';
import { serverAuth, type ClusterAuthOptions } from './auth/cluster-auth';
import type { McpOAuth, Approver } from './auth/mcp-oauth';
import { A2aConnection } from '../a2a/client-connection';
import { RegistryMembership, type MembershipOptions } from '../registry/membership';
import type { RegistryViewStatus } from '../registry/watcher';
import { ROUTE_META, SERVED_BY_META } from '../meta-keys';

/** A member of a cluster: an MCP server (ServerConnection) or an A2A agent (A2aConnection). */
export type ClusterMember = ServerConnection | A2aConnection;

export interface AopClusterOptions {
  /** Resolves ${env:…} / ${secret:…} in server headers. Default: the process environment. */
  lookup?: SecretLookup;
  createTransport?: TransportFactory;
  /** Id of the local AOP server when this cluster is federated into it: its own tools are skipped. */
  selfId?: string;
  /** MCP authorization (OAuth) for servers without a configured Authorization header. */
  auth?: ClusterAuthOptions;
  /** etcd credentials and log of a cluster with a `registry` (default: AOP_ETCD_* from the environment). */
  registry?: MembershipOptions;
  /**
   * Listen on each MCP server's notification stream (tools/list_changed re-discovers that server);
   * default true. A one-shot command (the CLI) leaves it closed: one request and connection less.
   */
  serverStreams?: boolean;
}

export interface ClusterCallOptions {
  signal?: AbortSignal;
  /** Extra `_meta` for the tools/call request (traceparent, federation hops…). */
  meta?: Record<string, unknown>;
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** Per-replica timeout; default the cluster's call_timeout_ms. */
  timeoutMs?: number;
  /** Run as an MCP task where the server offers it; default: when the timeout exceeds task_threshold_ms. */
  asTask?: boolean;
  /** Called before each replica is tried (tracing). */
  onAttempt?: (server: ServerHealth, attempt: number) => void;
}

export class ClusterCallError extends Error {
  constructor(
    message: string,
    readonly attempts: Array<{ server: string; error: string }>,
  ) {
    super(message);
    this.name = 'ClusterCallError';
  }
}

/**
 * AOPCluster (paper §4.2.4, §5, Alg. 3): discovers the tools of many servers in parallel, keeps a
 * registry of replicas with TTL caching and stale-while-revalidate, routes calls among replicas
 * with failover and per-server circuit breakers, and reports each server's health.
 */
export class AopCluster extends EventEmitter<{ health: [ServerHealth]; registry: [AgentRegistry]; membership: [RegistryViewStatus] }> {
  readonly name: string;
  readonly servers: ClusterMember[];
  private readonly router: Router;
  private readonly perServer = new Map<string, RemoteAgentInfo[]>();
  private current?: AgentRegistry;
  private fetchedAt = 0;
  private refreshing?: Promise<AgentRegistry>;
  private readonly serverRefresh = new Map<string, Promise<void>>();
  private closed = false;
  private timer?: NodeJS.Timeout;
  private readonly auths = new Map<string, McpOAuth>();
  /** Servers known from the registry: their agents come from their records, not from discovery. */
  private readonly announced = new Set<string>();
  private readonly announcedConns = new Map<string, ClusterMember>();
  private staticUrls?: Set<string>;
  private readonly membership?: RegistryMembership;
  private rebuildPending = false;
  private readonly lookup: SecretLookup;
  private readonly createTransport: TransportFactory;

  constructor(
    readonly config: ClusterConfig,
    private readonly options: AopClusterOptions = {},
  ) {
    super();
    this.name = config.name;
    this.router = new Router(config.routing);
    this.lookup = options.lookup ?? envLookup();
    this.createTransport = options.createTransport ?? defaultTransportFactory;
    const seen = new Map<string, number>();
    this.servers = config.servers.map((s) => {
      const label = s.name ?? serverLabel(s.url);
      const n = (seen.get(label) ?? 0) + 1;
      seen.set(label, n);
      return this.connection(n === 1 ? label : `${label}#${n}`, s.url, label, s.headers, s.transport ?? 'auto', s.protocol === 'a2a', s.oauth);
    });
    if (config.registry) this.membership = new RegistryMembership(this, config.registry, options.registry);
  }

  private connection(
    id: string,
    url: string,
    name: string,
    headers: Record<string, string> | undefined,
    transport: 'auto' | 'streamable-http' | 'sse',
    a2a = false,
    oauth?: ClusterServerConfig['oauth'],
  ): ClusterMember {
    // MCP authorization applies to MCP members without their own Authorization header.
    let auth: McpOAuth | undefined;
    let authError: Error | undefined;
    try {
      auth = a2a ? undefined : serverAuth({ url, headers, oauth }, this.lookup, this.options.auth);
    } catch (err) {
      authError = err as Error;
    }
    if (auth) this.auths.set(id, auth);
    const common = {
      id,
      url,
      name,
      headers: () => {
        if (authError) throw authError;
        return expandHeaders(headers, this.lookup);
      },
      breakerFailures: this.config.breaker_failures,
      breakerResetMs: this.config.breaker_reset_ms,
    };
    const conn: ClusterMember = a2a
      ? new A2aConnection(common)
      : new ServerConnection({
          ...common,
          auth,
          transport,
          createTransport: this.createTransport,
          serverStream: this.options.serverStreams,
          maxResponseBytes: this.config.max_response_bytes,
          maxTools: this.config.max_tools_per_server,
        });
    conn.on('health', (h) => this.emit('health', h));
    conn.on('toolsChanged', () => {
      if (!this.announced.has(conn.id)) void this.refreshServer(conn);
    });
    return conn;
  }

  /** The registry this cluster watches, its live members and whether the view is stale. */
  registryStatus(): RegistryViewStatus | undefined {
    return this.membership?.status();
  }

  /**
   * A server announced in the registry joined or changed: route to it with the agents of its record.
   * Servers listed in `servers` (same URL) and this process's own server are left as they are.
   */
  upsertAnnounced(id: string, server: { url: string; name: string }, infos: RemoteAgentInfo[]): void {
    if (this.closed || id === this.options.selfId) return;
    this.staticUrls ??= new Set(this.config.servers.map((s) => s.url));
    if (this.staticUrls.has(server.url)) return;
    const existing = this.announcedConns.get(id);
    if (existing && existing.url !== server.url) this.removeAnnounced(id);
    if (!this.announcedConns.has(id)) {
      const conn = this.connection(id, server.url, serverLabel(server.url), this.config.headers, 'streamable-http');
      this.servers.push(conn);
      this.announced.add(id);
      this.announcedConns.set(id, conn);
    }
    this.perServer.set(id, this.withoutOwnTools(infos));
    this.scheduleRebuild();
  }

  /** A registered server left (lease expired or revoked). */
  removeAnnounced(id: string): void {
    if (!this.announced.delete(id)) return;
    this.announcedConns.delete(id);
    const i = this.servers.findIndex((s) => s.id === id);
    if (i >= 0) void this.servers.splice(i, 1)[0].close();
    this.perServer.delete(id);
    this.scheduleRebuild();
  }

  /** Coalesces the membership events of one turn (a cold read of 1,000 servers) into one rebuild. */
  private scheduleRebuild(): void {
    if (this.rebuildPending || this.closed) return;
    this.rebuildPending = true;
    setImmediate(() => {
      this.rebuildPending = false;
      if (!this.closed) this.rebuild();
    });
  }

  /** The registry as last discovered (may be stale or undefined before the first discovery). */
  get registry(): AgentRegistry | undefined {
    return this.current;
  }

  get alias(): string {
    return this.config.alias ?? this.config.name;
  }

  server(id: string): ClusterMember | undefined {
    return this.servers.find((s) => s.id === id);
  }

  health(): ServerHealth[] {
    return this.servers.map((s) => {
      const h = s.health();
      if (!this.announced.has(s.id)) return h;
      // A registered server's lease is alive: it is up until a call says otherwise.
      return { ...h, agentCount: this.perServer.get(s.id)?.length ?? 0, isAop: true, status: h.status === 'unknown' ? 'up' : h.status };
    });
  }

  /**
   * Algorithm 3 with a cache: fresh → cached; stale → cached now and a refresh in the background;
   * none or `force` → query every server in parallel (each bounded by timeout_ms).
   */
  async discover(opts: { force?: boolean } = {}): Promise<AgentRegistry> {
    const age = Date.now() - this.fetchedAt;
    if (this.current && !opts.force) {
      if (age < this.config.cache_ttl_s * 1000) return this.current;
      void this.refresh().catch(() => {});
      return this.current;
    }
    return this.refresh();
  }

  /** Queries all servers now (deduplicated while one refresh runs). */
  refresh(): Promise<AgentRegistry> {
    this.refreshing ??= (async () => {
      try {
        await this.membership?.ready;
        await Promise.all(this.servers.filter((s) => !this.announced.has(s.id)).map((s) => this.discoverServer(s)));
        this.fetchedAt = Date.now();
        return this.rebuild();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async discoverServer(s: ClusterMember): Promise<void> {
    const infos = await s.discover(this.config.timeout_ms);
    if (infos) this.perServer.set(s.id, this.withoutOwnTools(infos));
    else this.perServer.delete(s.id);
  }

  /** Tools that already passed through the local server (federation loops) or too many hops are skipped. */
  private withoutOwnTools(infos: RemoteAgentInfo[]): RemoteAgentInfo[] {
    return infos.filter((i) => {
      const route = (i.tool._meta?.[ROUTE_META] as unknown[] | undefined) ?? [];
      if (this.options.selfId && route.includes(this.options.selfId)) return false;
      return route.length < this.config.max_hops;
    });
  }

  /** A server said tools/list_changed: refresh it alone. */
  private refreshServer(s: ClusterMember): Promise<void> {
    let p = this.serverRefresh.get(s.id);
    if (!p) {
      p = this.discoverServer(s)
        .then(() => {
          if (!this.closed) this.rebuild();
        })
        .finally(() => this.serverRefresh.delete(s.id));
      this.serverRefresh.set(s.id, p);
    }
    return p;
  }

  private rebuild(): AgentRegistry {
    // The cluster's total cap (max_tools): servers in config order, each cut to what is left.
    let left = this.config.max_tools ?? Infinity;
    const lists = this.servers
      .filter((s) => this.perServer.has(s.id))
      .map((s) => {
        const infos = this.perServer.get(s.id)!;
        const kept = infos.length <= left ? infos : infos.slice(0, Math.max(0, left));
        if (kept.length < infos.length && s instanceof ServerConnection) s.warn(`cluster ${this.name} holds at most ${this.config.max_tools} tools (max_tools): ${infos.length - kept.length} of this server's are not used`);
        left -= kept.length;
        return { serverId: s.id, infos: kept };
      });
    const registry = AgentRegistry.build(lists);
    this.current = registry;
    this.emit('registry', registry);
    return registry;
  }

  async search(query: string): Promise<RegistryEntry[]> {
    return (await this.discover()).search(query);
  }

  /**
   * Calls a tool on one of its replicas, failing over to the next when a server cannot be reached
   * or times out. An answer — also `isError` or an agent's `success: false` — is returned as is.
   */
  async call(tool: string, args: Record<string, unknown>, opts: ClusterCallOptions = {}): Promise<CallToolResult> {
    let entry = (await this.discover()).get(tool);
    if (!entry) entry = (await this.refresh()).get(tool);
    if (!entry) {
      const suggestion = closestMatch(tool, this.registry?.entries().map((e) => e.name) ?? []);
      throw new ClusterCallError(
        `no server of cluster ${this.name} offers a tool named "${tool}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        [],
      );
    }
    const candidates = this.router.order(
      tool,
      entry.replicas.map((r) => this.server(r.serverId)!).filter(Boolean),
    );
    const attempts: Array<{ server: string; error: string }> = [];
    const timeoutMs = opts.timeoutMs ?? this.config.call_timeout_ms;
    const support = entry.tool.execution?.taskSupport;
    const asTask = (support === 'optional' || support === 'required') && (opts.asTask ?? timeoutMs > this.config.task_threshold_ms);
    for (const conn of candidates) {
      if (opts.signal?.aborted) break;
      opts.onAttempt?.(conn.health(), attempts.length + 1);
      try {
        const result = await conn.callTool(tool, args, {
          timeoutMs,
          signal: opts.signal,
          meta: opts.meta,
          onprogress: opts.onprogress,
          asTask,
        });
        result._meta = { ...result._meta, [SERVED_BY_META]: { server: conn.id, url: conn.url, attempts: attempts.length + 1, ...(conn instanceof A2aConnection ? { protocol: 'a2a' } : {}) } };
        return result;
      } catch (err) {
        if (err instanceof TransportFailure) {
          attempts.push({ server: conn.id, error: err.message });
          continue;
        }
        if (/Unknown tool/i.test(String((err as Error)?.message))) {
          // That replica no longer has it: our registry is stale.
          attempts.push({ server: conn.id, error: (err as Error).message });
          void this.refreshServer(conn);
          continue;
        }
        throw err;
      }
    }
    if (opts.signal?.aborted) throw new ClusterCallError('the call was cancelled', attempts);
    const detail = attempts.map((a) => `${a.server}: ${a.error}`).join('; ');
    throw new ClusterCallError(
      `all ${candidates.length} replica(s) of "${tool}" in cluster ${this.name} failed — ${detail}`,
      attempts,
    );
  }

  /** Signs in to one server (MCP authorization) with `approver`, then discovers it again. */
  async signIn(serverId: string, approver: Approver): Promise<void> {
    const auth = this.auths.get(serverId);
    if (!auth) throw new Error(`server ${serverId} of cluster ${this.name} does not use sign-in (it has an Authorization header, or no such server)`);
    await auth.signIn(approver);
    const conn = this.server(serverId);
    if (conn instanceof ServerConnection) conn.forgetFailure();
    if (conn) await this.refreshServer(conn);
  }

  /** Forgets the sign-in of one server. */
  async signOut(serverId: string): Promise<void> {
    await this.auths.get(serverId)?.signOut();
  }

  /** Re-discovers every `cache_ttl_s` (at least 1 s) so federated tools follow servers coming and going. */
  startAutoRefresh(): void {
    if (this.timer) return;
    const every = Math.max(1000, this.config.cache_ttl_s * 1000);
    this.timer = setInterval(() => void this.refresh().catch(() => {}), every);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.closed = true;
    await this.membership?.close();
    await Promise.allSettled(this.servers.map((s) => s.close()));
  }
}
