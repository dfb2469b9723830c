import { callToolAsTask } from './task-call';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListToolsResultSchema, ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { BrokenCircuitError } from 'cockatiel';
import { z } from 'zod';
import { connectWithFallback, describeError, newClient, type TransportChoice, type TransportFactory } from '../mcp-client';
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
 * One pooled MCP session to one server (through the shared MCP client, src/core/mcp-client):
 * connects lazily, reconnects after a drop, runs calls through the circuit breaker and reports
 * their outcome to the health side (ServerHealthTracker).
 */
export class ServerConnection extends ServerHealthTracker {
  private client?: Client;
  private connecting?: Promise<Client>;
  private closed = false;

  constructor(private readonly opts: ServerConnectionOptions) {
    super(opts.id, opts.url, opts.name, opts, opts.auth);
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
    const url = new URL(this.url);
    const client = await connectWithFallback(
      () => {
        const c = newClient('aop-cluster');
        c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          this.emit('toolsChanged');
        });
        return c;
      },
      (kind) => this.opts.createTransport(url, headers, kind, this.opts.auth, { maxResponseBytes: this.opts.maxResponseBytes }),
      this.opts.transport,
      { timeoutMs, signal },
    );
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    client.onerror = () => {};
    this.client = client;
    return client;
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
        this.warnings = screen.warnings();
        const { infos, isAop } = await remoteAgentInfos(screen.tools, client, { timeoutMs, signal });
        this.isAop = isAop;
        return infos;
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
