import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Implementation, JSONRPCMessage, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { McpRpcError } from './errors';
import { LATEST_PROTOCOL_VERSION } from '../mcp-protocol';
import { checkInitializeResult } from './result-checks';

/** JSON-RPC error codes the session uses (the SDK's ErrorCode). */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;
const METHOD_NOT_FOUND = -32601;

/** Why `signal` aborted, as an error (the SDK rejects an aborted request with the signal's reason). */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

export interface SessionRequestOptions {
  /** Fail the request after this long (ms), telling the server with notifications/cancelled. */
  timeout: number;
  signal?: AbortSignal;
}

/**
 * One MCP session over one of our client transports, in plain code: the initialize handshake
 * (version negotiation, `notifications/initialized`), requests whose results a hand check reads
 * (src/core/mcp-client/result-checks.ts), timeouts and cancellation, ping answered, server
 * notifications to handlers. It is what discovery speaks, so a cold `aop discover` loads neither
 * the SDK nor zod (bench/NOTES.md, CLI cold start).
 *
 * Calls need more (progress, tasks): `sdkTransport()` gives an SDK `Client` the same session —
 * the Client sends on the transport and gets every message that is not an answer to this
 * session's own requests. This session's request ids are strings (`aop-1`…), the SDK's numbers,
 * so neither ever reuses an id of the other.
 */
export class McpSession {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private transport?: Transport;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly notificationHandlers = new Map<string, (params: unknown) => void>();
  private sdkView?: Transport;
  private _serverCapabilities?: ServerCapabilities;
  private _serverVersion?: Implementation;
  private closed = false;

  constructor(private readonly clientInfo: Implementation) {}

  get serverCapabilities(): ServerCapabilities | undefined {
    return this._serverCapabilities;
  }

  get serverVersion(): Implementation | undefined {
    return this._serverVersion;
  }

  /** Calls `handler` with the params of every `method` notification from the server. */
  setNotificationHandler(method: string, handler: (params: unknown) => void): void {
    this.notificationHandlers.set(method, handler);
  }

  /** Starts `transport` and initializes the session (closing it when that fails). */
  async connect(transport: Transport, opts: SessionRequestOptions): Promise<void> {
    this.transport = transport;
    transport.onmessage = (m) => this.receive(m);
    transport.onerror = (e) => this.onerror?.(e);
    transport.onclose = () => this.closedByTransport();
    try {
      await transport.start();
      const result = checkInitializeResult(
        await this.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: this.clientInfo }, (r) => r, opts),
      );
      this._serverCapabilities = result.capabilities;
      this._serverVersion = result.serverInfo;
      transport.setProtocolVersion?.(result.protocolVersion);
      await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Sends `method` and returns its result as `check` read it (a JSON-RPC error answer rejects with McpRpcError). */
  request<T>(method: string, params: Record<string, unknown>, check: (result: unknown) => T, opts: SessionRequestOptions): Promise<T> {
    const transport = this.transport;
    if (!transport || this.closed) return Promise.reject(new McpRpcError(CONNECTION_CLOSED, 'Connection closed'));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = `aop-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const giveUp = (err: Error) => {
        settle();
        // like the SDK: tell the server, which stops the work; our transport drops the HTTP request
        transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: err.message } }).catch(() => {});
        reject(err);
      };
      const onAbort = () => giveUp(abortError(signal!));
      const timer = setTimeout(() => giveUp(new McpRpcError(REQUEST_TIMEOUT, 'Request timed out', { timeout: opts.timeout })), opts.timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          settle();
          try {
            resolve(check(result));
          } catch (err) {
            reject(err as Error);
          }
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      transport.send({ jsonrpc: '2.0', id, method, params }).catch((err: Error) => this.pending.get(id)?.reject(err));
    });
  }

  /**
   * A transport for an SDK `Client` that goes on in this initialized session (its `connect()`
   * then skips initialize): it sends on this session's transport, gets every message that is not
   * an answer to this session, and closing it closes the session.
   */
  sdkTransport(): Transport {
    const transport = this.transport;
    if (!transport || this.closed) throw new McpRpcError(CONNECTION_CLOSED, 'Connection closed');
    if (this.sdkView) throw new Error('this MCP session already has an SDK client');
    const view: Transport = {
      start: async () => {},
      send: (message, options) => transport.send(message, options),
      close: () => this.close(),
      // set: the session is initialized (a server without session ids has none to give)
      sessionId: transport.sessionId ?? '',
      setProtocolVersion: (v) => transport.setProtocolVersion?.(v),
    };
    this.sdkView = view;
    return view;
  }

  private receive(message: JSONRPCMessage): void {
    const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (typeof m.id === 'string' && m.method === undefined && this.pending.has(m.id)) {
      const p = this.pending.get(m.id)!;
      if (m.error !== undefined) {
        const e = m.error;
        const code = typeof e?.code === 'number' ? e.code : -32603;
        p.reject(new McpRpcError(code, typeof e?.message === 'string' ? e.message.slice(0, 2048) : 'error without a message', e?.data));
      } else {
        p.resolve(m.result);
      }
      return;
    }
    if (typeof m.method === 'string' && m.id === undefined) {
      try {
        this.notificationHandlers.get(m.method)?.(m.params);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    }
    if (this.sdkView) return this.sdkView.onmessage?.(message);
    if (typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number')) {
      // a request from the server: ping is answered; we declared no capabilities for any other
      const answer =
        m.method === 'ping'
          ? { jsonrpc: '2.0' as const, id: m.id, result: {} }
          : { jsonrpc: '2.0' as const, id: m.id, error: { code: METHOD_NOT_FOUND, message: 'Method not found' } };
      this.transport?.send(answer).catch(() => {});
    }
  }

  private closedByTransport(): void {
    if (this.closed) return;
    this.closed = true;
    this.settleAllClosed();
    this.sdkView?.onclose?.();
    this.onclose?.();
  }

  private settleAllClosed(): void {
    for (const p of [...this.pending.values()]) p.reject(new McpRpcError(CONNECTION_CLOSED, 'Connection closed'));
  }

  /** Ends the session (the transport DELETEs it) and fails requests still waiting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.settleAllClosed();
    await this.transport?.close().catch(() => {});
    this.sdkView?.onclose?.();
    this.onclose?.();
  }
}
