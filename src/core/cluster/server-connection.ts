import { callToolAsTask } from './task-call';
import { EventEmitter } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  ListToolsResultSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { z } from 'zod';
import { VERSION } from '../version';
import { DISCOVERY_TOOL_NAMES, QUEUE_TOOL_NAMES } from '../agents/reserved-names';
import { LatencyWindow } from './latency';
import { ToolScreen } from './remote-names';
import type { HttpAuth } from './auth/http-auth';
import { AGENT_META } from '../meta-keys';

/** Discovery info of one agent as AOP servers give it (`discover_agents`), or derived from tools/list. */
export interface RemoteAgentInfo {
  tool: Tool;
  /** True when the server is an AOP server and this tool is one of its agents. */
  isAgent: boolean;
  description: string;
  tags: string[];
  capabilities: string[];
  role?: string;
  model?: string;
}

export type HealthStatus = 'unknown' | 'up' | 'degraded' | 'down';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ServerHealth {
  id: string;
  url: string;
  name: string;
  status: HealthStatus;
  /** Median of the recent call and discovery latencies, ms. */
  latencyP50Ms?: number;
  latencyEwmaMs?: number;
  lastError?: string;
  lastErrorAt?: number;
  breaker: BreakerState;
  agentCount: number;
  inFlight: number;
  isAop: boolean;
  /** Protocol of the member (absent: MCP). */
  protocol?: 'mcp' | 'a2a';
  checkedAt?: number;
  /** What was refused from this server at the last discovery (odd names, tools past the caps). */
  warnings?: string[];
  /** The server wants a sign-in (MCP authorization) that has not happened or expired. */
  needsSignIn?: boolean;
}

/** How a connection builds its transport; the default is the SDK's Streamable HTTP client. */
export type TransportFactory = (
  url: URL,
  headers: Record<string, string>,
  kind: 'streamable-http' | 'sse',
  auth?: HttpAuth,
  limits?: { maxResponseBytes?: number },
) => Promise<Transport> | Transport;

export interface ServerConnectionOptions {
  id: string;
  url: string;
  name: string;
  /** Resolved headers, or a function that resolves them (may throw: the server is reported down). */
  headers: () => Record<string, string>;
  transport: 'auto' | 'streamable-http' | 'sse';
  createTransport: TransportFactory;
  breakerFailures: number;
  breakerResetMs: number;
  /** Largest answer accepted (cluster `max_response_bytes`). */
  maxResponseBytes?: number;
  /** Tools kept from this server (cluster `max_tools_per_server`, default 1000). */
  maxTools?: number;
  /** MCP authorization for this server (absent when it has a configured Authorization header). */
  auth?: HttpAuth & { needsSignIn?: boolean };
}

/** A call failed in a way another replica may not: the server could not be reached or did not answer. */
export class TransportFailure extends Error {
  constructor(
    message: string,
    readonly server: string,
  ) {
    super(message);
    this.name = 'TransportFailure';
  }
}

/** The per-server tools of an AOP server (discovery, queue, call_agent / call_agents), which are not cluster tools. */
const AOP_DISCOVERY_TOOLS = new Set<string>([...DISCOVERY_TOOL_NAMES, ...QUEUE_TOOL_NAMES, 'call_agent', 'call_agents']);

export function isAopDiscoveryTool(name: string): boolean {
  return AOP_DISCOVERY_TOOLS.has(name);
}

/**
 * One JSON Schema validator for every Client, created on first use. Each SDK `Client` otherwise
 * builds its own Ajv instance in its constructor (~0.5–1 ms of meta-schema compilation): 10 of
 * them per cold discovery of 10 servers, on the critical path (bench/NOTES.md, discovery).
 */
let sharedAjv: AjvJsonSchemaValidator | undefined;
const sharedValidator: jsonSchemaValidator = {
  getValidator: (schema) => (sharedAjv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

/**
 * One pooled MCP session to one server: connects lazily, reconnects after a drop, guards calls
 * with a circuit breaker (cockatiel) and keeps the health figures of that server.
 */
export class ServerConnection extends EventEmitter<{ health: [ServerHealth]; toolsChanged: [] }> {
  readonly id: string;
  readonly url: string;
  readonly name: string;
  private client?: Client;
  private connecting?: Promise<Client>;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly latency = new LatencyWindow();
  private inFlight = 0;
  private status: HealthStatus = 'unknown';
  private lastError?: string;
  private lastErrorAt?: number;
  private checkedAt?: number;
  private agentCount = 0;
  private isAop = false;
  private closed = false;
  private openedAt = 0;
  private warnings: string[] = [];

  constructor(private readonly opts: ServerConnectionOptions) {
    super();
    this.id = opts.id;
    this.url = opts.url;
    this.name = opts.name;
    // JSON-RPC errors the server sent on purpose are answers: they do not count against it.
    this.breaker = circuitBreaker(handleWhen((e) => !isProtocolAnswer(e)), {
      halfOpenAfter: opts.breakerResetMs,
      breaker: new ConsecutiveBreaker(opts.breakerFailures),
    });
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      this.emitHealth();
    });
  }

  get breakerState(): BreakerState {
    switch (this.breaker.state) {
      case CircuitState.Open:
      case CircuitState.Isolated:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'closed';
    }
  }

  /**
   * True when the breaker would refuse a call right now. An open breaker whose reset time has
   * passed lets a trial call through (cockatiel half-opens on the next call, not by itself), so
   * the server is routed normally again; otherwise it would stay last in the order and never heal.
   */
  get unavailable(): boolean {
    if (this.breaker.state === CircuitState.Isolated) return true;
    return this.breaker.state === CircuitState.Open && Date.now() - this.openedAt < this.opts.breakerResetMs;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get latencyEwmaMs(): number | undefined {
    return this.latency.ewma;
  }

  health(): ServerHealth {
    const breaker = this.breakerState;
    let status = this.status;
    if (breaker === 'open') status = 'down';
    else if (breaker === 'half-open' && status === 'up') status = 'degraded';
    return {
      id: this.id,
      url: this.url,
      name: this.name,
      status,
      latencyP50Ms: this.latency.p50,
      latencyEwmaMs: this.latency.ewma,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      breaker,
      agentCount: this.agentCount,
      inFlight: this.inFlight,
      isAop: this.isAop,
      checkedAt: this.checkedAt,
      ...(this.warnings.length ? { warnings: [...this.warnings] } : {}),
      ...(this.opts.auth?.needsSignIn ? { needsSignIn: true } : {}),
    };
  }

  /** Adds a warning to this server's health (e.g. the cluster's total tool cap cut its tools). */
  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.emitHealth();
  }

  /** Forgets the last failure (after the user fixed its cause, e.g. signed in). */
  forgetFailure(): void {
    this.lastError = undefined;
    this.lastErrorAt = undefined;
  }

  private emitHealth(): void {
    this.emit('health', this.health());
  }

  private markUp(latencyMs: number): void {
    this.latency.add(latencyMs);
    this.checkedAt = Date.now();
    const recentFailure = this.lastErrorAt !== undefined && Date.now() - this.lastErrorAt < 30_000;
    const next: HealthStatus = recentFailure ? 'degraded' : 'up';
    const changed = next !== this.status;
    this.status = next;
    if (changed) this.emitHealth();
  }

  private markDown(error: string): void {
    this.lastError = error;
    this.lastErrorAt = Date.now();
    this.checkedAt = Date.now();
    this.status = 'down';
    this.emitHealth();
  }

  /** The pooled session, connecting (or reconnecting) when needed. */
  private async session(timeoutMs: number, signal?: AbortSignal): Promise<Client> {
    if (this.closed) throw new TransportFailure(`connection to ${this.name} is closed`, this.id);
    if (this.client) return this.client;
    this.connecting ??= this.connect(timeoutMs, signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(timeoutMs: number, signal?: AbortSignal): Promise<Client> {
    const headers = this.opts.headers();
    const kinds: Array<'streamable-http' | 'sse'> =
      this.opts.transport === 'auto' ? ['streamable-http', 'sse'] : [this.opts.transport];
    let lastErr: unknown;
    for (const kind of kinds) {
      const client = new Client({ name: 'aop-cluster', version: VERSION }, { capabilities: {}, jsonSchemaValidator: sharedValidator });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        this.emit('toolsChanged');
      });
      const transport = await this.opts.createTransport(new URL(this.url), headers, kind, this.opts.auth, { maxResponseBytes: this.opts.maxResponseBytes });
      try {
        await client.connect(transport, { timeout: timeoutMs, signal });
      } catch (err) {
        lastErr = err;
        await client.close().catch(() => {});
        // Only a 4xx on initialize hints at an old SSE-only server; anything else is final.
        if ((err as Error)?.name === 'OAuthSetupError' || (err as Error)?.name === 'SignInRequiredError') break;
        if (!/\b(400|404|405)\b/.test(String((err as Error)?.message))) break;
        continue;
      }
      client.onclose = () => {
        if (this.client === client) this.client = undefined;
      };
      client.onerror = () => {};
      this.client = client;
      return client;
    }
    throw lastErr;
  }

  /** Drops the session (after a transport failure) so the next use reconnects. */
  private drop(): void {
    const c = this.client;
    this.client = undefined;
    if (c) void c.close().catch(() => {});
  }

  /**
   * Lists the server's tools; on AOP servers also asks `discover_agents` for rich metadata.
   * Never throws: a failure marks the server down and returns undefined.
   */
  async discover(timeoutMs: number): Promise<RemoteAgentInfo[] | undefined> {
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const work = (async () => {
        const client = await this.session(timeoutMs, signal);
        const screen = new ToolScreen<Tool>(this.opts.maxTools ?? 1000);
        let cursor: string | undefined;
        do {
          // A raw request: Client.listTools() compiles an output validator per tool (seconds for 10k tools).
          const page = await client.request(
            { method: 'tools/list', params: cursor ? { cursor } : {} },
            ListToolsResultSchema,
            { timeout: timeoutMs, signal },
          );
          screen.add(page.tools);
          cursor = page.nextCursor;
        } while (cursor && !screen.full);
        const tools = screen.tools;
        this.warnings = screen.warnings();
        this.isAop = tools.some((t) => t.name === 'discover_agents');
        // Our servers put each agent's metadata in its tool's _meta["aop/agent"]: one round trip
        // less. Other AOP servers (the swarms reference) are asked discover_agents.
        const rich = !this.isAop
          ? undefined
          : tools.some((t) => t._meta?.[AGENT_META])
            ? agentMetaFromTools(tools)
            : await this.discoverAgents(client, timeoutMs, signal);
        return tools
          .filter((t) => !(this.isAop && isAopDiscoveryTool(t.name)))
          .map((tool): RemoteAgentInfo => {
            const r = rich?.get(tool.name);
            return {
              tool,
              isAgent: this.isAop && r !== undefined,
              description: r?.description ?? tool.description ?? '',
              tags: r?.tags ?? [],
              capabilities: r?.capabilities ?? [],
              role: r?.role,
              model: r?.model_name,
            };
          });
      })();
      const infos = await raceTimeout(work, timeoutMs, `${this.name} did not answer discovery within ${timeoutMs} ms`);
      this.agentCount = infos.length;
      this.markUp(performance.now() - started);
      if (this.warnings.length) this.emitHealth();
      return infos;
    } catch (err) {
      this.drop();
      this.markDown(signal.aborted ? `${this.name} did not answer discovery within ${timeoutMs} ms` : describeError(err, this.url));
      return undefined;
    }
  }

  private async discoverAgents(
    client: Client,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Map<string, { description?: string; tags?: string[]; capabilities?: string[]; role?: string; model_name?: string }>> {
    const out = new Map<string, { description?: string; tags?: string[]; capabilities?: string[]; role?: string; model_name?: string }>();
    try {
      const r = (await client.callTool({ name: 'discover_agents', arguments: {} }, CallToolResultSchema, {
        timeout: timeoutMs,
        signal,
      })) as CallToolResult;
      const s = (r.structuredContent ?? parseTextJson(r)) as
        | { agents?: Array<{ tool_name?: string; description?: string; tags?: string[]; capabilities?: string[]; role?: string; model_name?: string }> }
        | undefined;
      for (const a of s?.agents ?? []) if (a.tool_name) out.set(a.tool_name, a);
    } catch {
      // An AOP server whose discover_agents fails still has its tools/list.
    }
    return out;
  }

  /**
   * Calls a tool through the breaker. Transport failures and timeouts throw TransportFailure
   * (the cluster fails over); an answer — even isError or `success: false` — is returned as is.
   */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    opts: {
      timeoutMs: number;
      signal?: AbortSignal;
      meta?: Record<string, unknown>;
      onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
      /** Run as an MCP task when the server declares tasks (long calls survive dropped connections). */
      asTask?: boolean;
    },
  ): Promise<CallToolResult> {
    const started = performance.now();
    this.inFlight++;
    try {
      const result = await this.breaker.execute(async () => {
        const client = await this.session(Math.min(opts.timeoutMs, 10_000), opts.signal);
        try {
          if (opts.asTask && client.getServerCapabilities()?.tasks?.requests?.tools?.call) {
            const reconnect = () => (this.drop(), this.session(Math.min(opts.timeoutMs, 10_000), opts.signal));
            const params = { name, arguments: args, ...(opts.meta ? { _meta: opts.meta } : {}) };
            return await callToolAsTask(client, params, { ...opts, reconnect, isProtocolAnswer, server: this.url });
          }
          return (await client.request(
            { method: 'tools/call', params: { name, arguments: args, ...(opts.meta ? { _meta: opts.meta } : {}) } },
            PASS_THROUGH_RESULT,
            {
              timeout: opts.timeoutMs,
              signal: opts.signal,
              onprogress: opts.onprogress,
              resetTimeoutOnProgress: false,
            },
          )) as CallToolResult;
        } catch (err) {
          if (!opts.signal?.aborted && !isProtocolAnswer(err)) this.drop();
          throw err;
        }
      });
      this.markUp(performance.now() - started);
      return result;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (isProtocolAnswer(err)) throw err;
      const why = err instanceof BrokenCircuitError ? `circuit breaker open for ${this.name}` : describeError(err, this.url);
      if (!(err instanceof BrokenCircuitError)) this.markDown(why);
      throw new TransportFailure(why, this.id);
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.close().catch(() => {});
  }
}

/**
 * The cluster hands tool results back as they came; validating every content block with the SDK's
 * CallToolResultSchema on each call cost ~5% of a call's CPU (bench/NOTES.md). An object is all
 * we require here, with the top-level shape of a tool result (cheap: no per-block validation), so a
 * broken server that answers e.g. `content: "text"` fails over instead of reaching callers.
 * Callers read the fields they use defensively.
 */
const PASS_THROUGH_RESULT = z.looseObject({
  content: z.array(z.unknown()).optional(),
  isError: z.boolean().optional(),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
});

type AgentMeta = { description?: string; tags?: string[]; capabilities?: string[]; role?: string; model_name?: string };

function agentMetaFromTools(tools: Tool[]): Map<string, AgentMeta> {
  const out = new Map<string, AgentMeta>();
  for (const t of tools) {
    const m = t._meta?.[AGENT_META] as { model?: string | null; tags?: string[]; capabilities?: string[]; role?: string } | undefined;
    if (!m) continue;
    out.set(t.name, {
      description: t.description,
      tags: Array.isArray(m.tags) ? m.tags : [],
      capabilities: Array.isArray(m.capabilities) ? m.capabilities : [],
      role: m.role,
      model_name: m.model ?? undefined,
    });
  }
  return out;
}

/** A JSON-RPC error the server sent on purpose (bad params, unknown tool): an answer, not a failure. */
function isProtocolAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' && code >= -32603 && code <= -32600 && !/timed out|Connection closed/i.test(String((err as Error).message));
}

function parseTextJson(r: CallToolResult): unknown {
  const first = r.content?.[0];
  if (first?.type !== 'text') return undefined;
  try {
    return JSON.parse(first.text);
  } catch {
    return undefined;
  }
}

/** The socket error code (`ECONNREFUSED`…) of an error or of the errors that caused it (fetch wraps them). */
export function socketCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeError(err: unknown, url: string): string {
  const e = err as { cause?: { code?: string }; message?: string };
  const code = socketCode(err);
  if (code === 'ECONNREFUSED') return `connection refused: nothing listens at ${url}`;
  if (code === 'ENOTFOUND') return `host not found: ${url}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset by ${url}`;
  const message = e?.message ?? String(err);
  if (/fetch failed/.test(message) && e?.cause && (e.cause as Error).message) return `${(e.cause as Error).message} (${url})`;
  return message;
}

export async function raceTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
