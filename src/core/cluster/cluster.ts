import { EventEmitter } from 'node:events';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type ClusterConfig, type SecretLookup, envLookup, expandHeaders, serverLabel } from './config';
import { AgentRegistry, type RegistryEntry } from './registry';
import { Router } from './routing';
import { closestMatch } from '../agents/did-you-mean';
import {
  ServerConnection,
  TransportFailure,
  type RemoteAgentInfo,
  type ServerHealth,
  type TransportFactory,
} from './server-connection';
import { defaultTransportFactory } from './transports';

export interface AopClusterOptions {
  /** Resolves ${env:…} / ${secret:…} in server headers. Default: the process environment. */
  lookup?: SecretLookup;
  createTransport?: TransportFactory;
  /** Id of the local AOP server when this cluster is federated into it: its own tools are skipped. */
  selfId?: string;
}

export interface ClusterCallOptions {
  signal?: AbortSignal;
  /** Extra `_meta` for the tools/call request (traceparent, federation hops…). */
  meta?: Record<string, unknown>;
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** Per-replica timeout; default the cluster's call_timeout_ms. */
  timeoutMs?: number;
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

/** Key of the result `_meta` entry naming the server that answered. */
export const SERVED_BY_META = 'aop/served_by';
/** Key of the tool `_meta` entry listing the servers a re-exported tool passes through. */
export const ROUTE_META = 'aop/route';

/**
 * AOPCluster (paper §4.2.4, §5, Alg. 3): discovers the tools of many servers in parallel, keeps a
 * registry of replicas with TTL caching and stale-while-revalidate, routes calls among replicas
 * with failover and per-server circuit breakers, and reports each server's health.
 */
export class AopCluster extends EventEmitter<{ health: [ServerHealth]; registry: [AgentRegistry] }> {
  readonly name: string;
  readonly servers: ServerConnection[];
  private readonly router: Router;
  private readonly perServer = new Map<string, RemoteAgentInfo[]>();
  private current?: AgentRegistry;
  private fetchedAt = 0;
  private refreshing?: Promise<AgentRegistry>;
  private readonly serverRefresh = new Map<string, Promise<void>>();
  private closed = false;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly config: ClusterConfig,
    private readonly options: AopClusterOptions = {},
  ) {
    super();
    this.name = config.name;
    this.router = new Router(config.routing);
    const lookup = options.lookup ?? envLookup();
    const createTransport = options.createTransport ?? defaultTransportFactory;
    const seen = new Map<string, number>();
    this.servers = config.servers.map((s) => {
      const label = s.name ?? serverLabel(s.url);
      const n = (seen.get(label) ?? 0) + 1;
      seen.set(label, n);
      const conn = new ServerConnection({
        id: n === 1 ? label : `${label}#${n}`,
        url: s.url,
        name: label,
        headers: () => expandHeaders(s.headers, lookup),
        transport: s.transport ?? 'auto',
        createTransport,
        breakerFailures: config.breaker_failures,
        breakerResetMs: config.breaker_reset_ms,
      });
      conn.on('health', (h) => this.emit('health', h));
      conn.on('toolsChanged', () => void this.refreshServer(conn));
      return conn;
    });
  }

  /** The registry as last discovered (may be stale or undefined before the first discovery). */
  get registry(): AgentRegistry | undefined {
    return this.current;
  }

  get alias(): string {
    return this.config.alias ?? this.config.name;
  }

  server(id: string): ServerConnection | undefined {
    return this.servers.find((s) => s.id === id);
  }

  health(): ServerHealth[] {
    return this.servers.map((s) => s.health());
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
        await Promise.all(this.servers.map((s) => this.discoverServer(s)));
        this.fetchedAt = Date.now();
        return this.rebuild();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async discoverServer(s: ServerConnection): Promise<void> {
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
  private refreshServer(s: ServerConnection): Promise<void> {
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
    const registry = AgentRegistry.build(
      this.servers.filter((s) => this.perServer.has(s.id)).map((s) => ({ serverId: s.id, infos: this.perServer.get(s.id)! })),
    );
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
    for (const conn of candidates) {
      if (opts.signal?.aborted) break;
      opts.onAttempt?.(conn.health(), attempts.length + 1);
      try {
        const result = await conn.callTool(tool, args, {
          timeoutMs: opts.timeoutMs ?? this.config.call_timeout_ms,
          signal: opts.signal,
          meta: opts.meta,
          onprogress: opts.onprogress,
        });
        result._meta = { ...result._meta, [SERVED_BY_META]: { server: conn.id, url: conn.url, attempts: attempts.length + 1 } };
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
    await Promise.allSettled(this.servers.map((s) => s.close()));
  }
}
