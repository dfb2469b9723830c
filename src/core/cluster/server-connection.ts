import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError } from 'cockatiel';
import { nowMs } from '../clock';
import { checkListToolsResult, connectWithFallback, describeError, newClient, newSession, type McpSession, type TransportChoice, type TransportFactory } from '../mcp-client';
import { ToolScreen } from './remote-names';
import { remoteAgentInfos, type RemoteAgentInfo } from './remote-agents';
import { ServerHealthTracker, isProtocolAnswer } from './server-health';
import type { HttpAuth } from './auth/http-auth';

export interface ServerConnectionOptions {
  id: string;
  url: string;
  name: string;
  /** Resolved headers, or a function that resolves them (may throw: the server is reported down). */
  headers: () => Record<string, string>;
  transport: TransportChoice;
  createTransport: TransportFactory;
  breakerFailures: number;
  breakerResetMs: number;
  /** Largest answer accepted (cluster `max_response_bytes`). */
  maxResponseBytes?: number;
  /** Tools kept from this server (cluster `max_tools_per_server`, default 1000). */
  maxTools?: number;
  /** Listen for the server's notifications (tools/list_changed) on its GET stream; default true. */
  serverStream?: boolean;
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

/**
 * task-call.ts (zod and the SDK's task helpers), loaded by the first call and kept: an `import()`
 * per call went through the module loader each time (run from sources under tsx: ~0.5 ms a call).
 */
let taskCall: typeof import('./task-call') | undefined;

/** Most tools/list pages followed in one discovery (a server whose cursors never end is cut there, with a warning). */
export const MAX_TOOL_PAGES = 1000;

/**
 * One pooled MCP session to one server (through the shared MCP client, src/core/mcp-client):
 * connects lazily, reconnects after a drop, runs calls through the circuit breaker and reports
 * their outcome to the health side (ServerHealthTracker). Discovery speaks the session in plain
 * code (McpSession); the first tool call brings an SDK Client into the same session (progress,
 * tasks), so discovery alone loads neither the SDK nor zod.
 */
export class ServerConnection extends ServerHealthTracker {
  private current?: McpSession;
  private connecting?: Promise<McpSession>;
  private readonly clients = new WeakMap<McpSession, Promise<Client>>();
  private closed = false;

  constructor(private readonly opts: ServerConnectionOptions) {
    super(opts.id, opts.url, opts.name, opts, opts.auth);
  }

  /** The pooled session, connecting (or reconnecting) when needed. */
  private async session(timeoutMs: number, signal?: AbortSignal): Promise<McpSession> {
    if (this.closed) throw new TransportFailure(`connection to ${this.name} is closed`, this.id);
    if (this.current) return this.current;
    this.connecting ??= this.connect(timeoutMs, signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(timeoutMs: number, signal?: AbortSignal): Promise<McpSession> {
    const headers = this.opts.headers();
    const url = new URL(this.url);
    const session = await connectWithFallback(
      () => {
        const s = newSession('aop-cluster');
        s.setNotificationHandler('notifications/tools/list_changed', () => {
          this.emit('toolsChanged');
        });
        return s;
      },
      (kind) =>
        this.opts.createTransport(url, headers, kind, this.opts.auth, { maxResponseBytes: this.opts.maxResponseBytes, openServerStream: this.opts.serverStream }),
      this.opts.transport,
      { timeoutMs, signal },
    );
    session.onclose = () => {
      if (this.current === session) this.current = undefined;
    };
    session.onerror = () => {};
    this.current = session;
    return session;
  }

  /** The pooled session with an SDK Client in it, for calls. */
  private async callSession(timeoutMs: number, signal?: AbortSignal): Promise<{ client: Client; session: McpSession }> {
    const session = await this.session(timeoutMs, signal);
    let client = this.clients.get(session);
    if (!client) {
      client = (async () => {
        const c = newClient('aop-cluster');
        c.onerror = () => {};
        await c.connect(session.sdkTransport());
        return c;
      })();
      client.catch(() => this.clients.delete(session));
      this.clients.set(session, client);
    }
    return { client: await client, session };
  }

  /** Drops the session (after a transport failure) so the next use reconnects. */
  private drop(): void {
    const s = this.current;
    this.current = undefined;
    if (s) void s.close().catch(() => {});
  }

  /**
   * Lists the server's tools; on AOP servers also asks `discover_agents` for rich metadata.
   * Never throws: a failure marks the server down and returns undefined.
   */
  async discover(timeoutMs: number): Promise<RemoteAgentInfo[] | undefined> {
    const started = nowMs();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const work = (async () => {
        const session = await this.session(timeoutMs, signal);
        const screen = new ToolScreen<Tool>(this.opts.maxTools ?? 1000);
        let cursor: string | undefined;
        let pages = 0;
        do {
          // (Client.listTools() would also compile an output validator per tool: seconds for 10k tools)
          const page = await session.request('tools/list', cursor ? { cursor } : {}, checkListToolsResult, { timeout: timeoutMs, signal });
          screen.add(page.tools);
          cursor = page.nextCursor;
        } while (cursor && !screen.full && ++pages < MAX_TOOL_PAGES);
        this.warnings = screen.warnings();
        if (cursor && !screen.full) this.warnings.push(`tools/list still had more pages after ${MAX_TOOL_PAGES}: only the tools of those are used`);
        const { infos, isAop } = await remoteAgentInfos(screen.tools, session, { timeoutMs, signal });
        this.isAop = isAop;
        return infos;
      })();
      const infos = await raceTimeout(work, timeoutMs, `${this.name} did not answer discovery within ${timeoutMs} ms`);
      this.agentCount = infos.length;
      this.markUp(nowMs() - started);
      if (this.warnings.length) this.emitHealth();
      return infos;
    } catch (err) {
      this.drop();
      this.markDown(signal.aborted ? `${this.name} did not answer discovery within ${timeoutMs} ms` : describeError(err, this.url));
      return undefined;
    }
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
    const started = nowMs();
    this.inFlight++;
    try {
      const result = await this.breaker.execute(async () => {
        const { client, session } = await this.callSession(Math.min(opts.timeoutMs, 10_000), opts.signal);
        const { PASS_THROUGH_RESULT, callToolAsTask } = taskCall ?? (taskCall = await import('./task-call'));
        try {
          if (opts.asTask && session.serverCapabilities?.tasks?.requests?.tools?.call) {
            const reconnect = async () => (this.drop(), (await this.callSession(Math.min(opts.timeoutMs, 10_000), opts.signal)).client);
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
      this.markUp(nowMs() - started);
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
    const s = this.current;
    this.current = undefined;
    await s?.close().catch(() => {});
  }
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
