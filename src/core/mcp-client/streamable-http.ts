import * as http from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { sendAuthorized, type HttpAuth } from '../cluster/auth/http-auth';
import { nodeHttps } from '../lazy-builtins';
import { VERSION } from '../version';
import { readAnswerStream } from './answer-stream';
import { McpHttpError, httpStatusError, isMessage, socketFailure, tooLargeError } from './errors';
import { pooledAgent } from './pool';
import { ServerStream } from './server-stream';
import type { StreamHost } from './stream-host';

/** The User-Agent of every request of our MCP client. */
export const CLIENT_USER_AGENT = `aop/${VERSION}`;

export interface NodeHttpClientTransportOptions {
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Connection pool; default: one shared keep-alive agent per origin. */
  agent?: http.Agent;
  /** Fail a request when the server sends nothing for this long (ms). Default: no limit (the SDK's request timeout applies). */
  requestTimeoutMs?: number;
  /** Open the GET stream for server-initiated notifications after initialize (default true). */
  openServerStream?: boolean;
  /** Most bytes of one JSON answer or one SSE event; larger ones fail the call (default 8 MiB). */
  maxResponseBytes?: number;
  /** MCP authorization (OAuth): its token goes in Authorization; a 401/403 challenge goes to it. */
  auth?: HttpAuth;
  /** Go on in this existing session (the SDK Client then skips initialize). */
  sessionId?: string;
  /** Leave the session open on close (no DELETE): a later client goes on in it (`aop task --session`). */
  keepSession?: boolean;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

interface InFlight {
  req: http.ClientRequest;
  /** Resolves the send quietly (the call was cancelled by the SDK). */
  cancel(): void;
}

/**
 * The Node-native MCP Streamable HTTP client transport (spec 2025-03-26 … 2025-11-25) for the SDK
 * `Client`: `http.request` over a keep-alive agent pooled per origin instead of `fetch` + web
 * streams. Handles JSON and SSE responses (SSE parsed incrementally, so progress notifications
 * arrive while the call runs), 202 for notifications, `Mcp-Session-Id`, `MCP-Protocol-Version`,
 * the standalone GET stream for server notifications (405 tolerated), DELETE on close, and
 * aborts the HTTP request of a call the SDK cancels.
 *
 * Errors of a send reject that send (the SDK rejects the call with it); errors outside any send
 * (the GET stream) go to `onerror`.
 */
export class NodeHttpClientTransport implements Transport, StreamHost {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly maxResponseBytes: number;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly base: { protocol: string; hostname: string; port: string; path: string };
  private readonly userHeaders: Record<string, string>;
  private postHeaders!: Record<string, string>;
  private _sessionId?: string;
  private _protocolVersion?: string;
  private started = false;
  private _closed = false;
  private readonly inFlight = new Map<RequestId, InFlight>();
  private readonly allRequests = new Set<http.ClientRequest>();
  private readonly serverStream = new ServerStream(this);

  constructor(
    readonly url: URL,
    private readonly options: NodeHttpClientTransportOptions = {},
  ) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol} (http: or https:)`);
    this.agent = options.agent ?? pooledAgent(url);
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.request = url.protocol === 'https:' ? nodeHttps().request : http.request;
    this.base = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
    };
    this.userHeaders = { 'User-Agent': CLIENT_USER_AGENT, ...(options.headers ?? {}) };
    this._sessionId = options.sessionId;
    this.rebuildHeaders();
  }

  get sessionId(): string | undefined {
    return this._sessionId;
  }

  get protocolVersion(): string | undefined {
    return this._protocolVersion;
  }

  get closed(): boolean {
    return this._closed;
  }

  setProtocolVersion(version: string): void {
    this._protocolVersion = version;
    this.rebuildHeaders();
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('NodeHttpClientTransport already started');
    this.started = true;
  }

  private rebuildHeaders(): void {
    const h: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...this.userHeaders,
    };
    if (this._sessionId) h['Mcp-Session-Id'] = this._sessionId;
    if (this._protocolVersion) h['MCP-Protocol-Version'] = this._protocolVersion;
    this.postHeaders = h;
  }

  // --- StreamHost (for the SSE readers) ---

  streamHeaders(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...this.userHeaders, ...extra };
    if (this._sessionId) headers['Mcp-Session-Id'] = this._sessionId;
    if (this._protocolVersion) headers['MCP-Protocol-Version'] = this._protocolVersion;
    return headers;
  }

  open(method: 'GET' | 'POST' | 'DELETE', headers: Record<string, string>): http.ClientRequest {
    const req = this.request({ ...this.base, method, agent: this.agent, headers });
    this.allRequests.add(req);
    return req;
  }

  untrack(req: http.ClientRequest): void {
    this.allRequests.delete(req);
  }

  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  report(error: Error): void {
    this.onerror?.(error);
  }

  failure(err: NodeJS.ErrnoException): McpHttpError {
    return socketFailure(err, this.url, { timeoutMs: this.options.requestTimeoutMs, maxResponseBytes: this.maxResponseBytes });
  }

  // --- Transport ---

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this._closed) throw new McpHttpError(`transport to ${this.url.href} is closed`, 0, 'ECLOSED');
    if (options?.resumptionToken) throw new Error('NodeHttpClientTransport does not support stream resumption');
    const body = JSON.stringify(message);
    const m = message as { method?: string; id?: RequestId; params?: { requestId?: RequestId } };
    const requestIds: RequestId[] = [];
    if (Array.isArray(message)) {
      for (const x of message as Array<{ method?: string; id?: RequestId }>) if (x.method !== undefined && x.id !== undefined) requestIds.push(x.id);
    } else if (m.method !== undefined && m.id !== undefined) {
      requestIds.push(m.id);
    }
    const initialized = m.method === 'notifications/initialized';
    const auth = this.options.auth;
    const sending = auth
      ? sendAuthorized(auth, (v) => this.setAuthorization(v), () => this.post(body, requestIds, initialized), () => this._closed)
      : this.post(body, requestIds, initialized);
    if (m.method === 'notifications/cancelled' && m.params?.requestId !== undefined) {
      // The SDK gave up on this call: stop waiting for its HTTP response.
      this.inFlight.get(m.params.requestId)?.cancel();
    }
    return sending;
  }

  /** Sets (or removes) the Authorization header of every later request. */
  private setAuthorization(value: string | undefined): void {
    if (value === this.userHeaders.Authorization) return;
    if (value) this.userHeaders.Authorization = value;
    else delete this.userHeaders.Authorization;
    this.rebuildHeaders();
  }

  private post(body: string, requestIds: RequestId[], initialized: boolean, retried = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        for (const id of requestIds) this.inFlight.delete(id);
        this.allRequests.delete(req);
        if (err) reject(err);
        else resolve();
      };
      const req = this.open('POST', { ...this.postHeaders, 'Content-Length': String(Buffer.byteLength(body)) });
      let responded = false;
      // An answer past the cap: the socket is destroyed (never back in the pool) and the call fails.
      const tooLarge = (res: http.IncomingMessage) => {
        done(this.failure(tooLargeError()));
        res.destroy();
        req.destroy();
      };
      if (requestIds.length) {
        const entry: InFlight = {
          req,
          cancel: () => {
            done();
            req.destroy();
          },
        };
        for (const id of requestIds) this.inFlight.set(id, entry);
      }
      if (this.options.requestTimeoutMs) {
        req.setTimeout(this.options.requestTimeoutMs, () => {
          const e = new Error(`no data for ${this.options.requestTimeoutMs} ms`) as NodeJS.ErrnoException;
          e.code = 'ETIMEDOUT';
          req.destroy(e);
        });
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        // A keep-alive socket the server closed just as we reused it: safe to send again once.
        if (!responded && !retried && req.reusedSocket && err.code === 'ECONNRESET') {
          settled = true;
          this.allRequests.delete(req);
          this.post(body, requestIds, initialized, true).then(resolve, reject);
          return;
        }
        done(this.failure(err));
      });
      req.on('response', (res) => {
        responded = true;
        const sid = res.headers['mcp-session-id'];
        if (typeof sid === 'string' && sid !== this._sessionId) {
          this._sessionId = sid;
          this.rebuildHeaders();
        }
        const status = res.statusCode ?? 0;
        if (status === 202 || (status >= 200 && status < 300 && requestIds.length === 0)) {
          res.resume();
          res.on('end', () => {
            done();
            if (initialized && this.options.openServerStream !== false) this.serverStream.open();
          });
          res.on('error', () => done());
          return;
        }
        if (status < 200 || status >= 300) {
          res.setEncoding('utf8');
          let text = '';
          res.on('data', (c: string) => {
            if (text.length < 4096) text += c;
          });
          const challenge = res.headers['www-authenticate'];
          res.on('end', () =>
            done(
              httpStatusError(this.url, status, text, {
                authorization: this.userHeaders.Authorization,
                sessionId: this._sessionId,
                wwwAuthenticate: typeof challenge === 'string' ? challenge.slice(0, 4096) : undefined,
              }),
            ),
          );
          res.on('error', (e) => done(this.failure(e)));
          return;
        }
        const type = (res.headers['content-type'] ?? '').toLowerCase();
        if (type.startsWith('application/json')) return this.readJson(res, status, done, () => settled, () => tooLarge(res));
        if (type.startsWith('text/event-stream')) {
          return readAnswerStream(this, res, requestIds, status, done, () => settled, () => tooLarge(res));
        }
        res.resume();
        done(new McpHttpError(`MCP server at ${this.url.href} answered with unexpected content type "${type}"`, status));
      });
      req.end(body);
    });
  }

  /** A JSON answer (one message or a batch), at most `maxResponseBytes`. */
  private readJson(res: http.IncomingMessage, status: number, done: (err?: Error) => void, isSettled: () => boolean, tooLarge: () => void): void {
    // Buffers joined once: much faster than string concatenation for multi-MB bodies
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) return tooLarge();
    res.on('data', (c: Buffer) => {
      if (isSettled()) return;
      size += c.length;
      if (size > this.maxResponseBytes) return tooLarge();
      if (!first) first = c;
      else (more ??= [first]).push(c);
    });
    res.on('end', () => {
      if (isSettled()) return;
      let data: unknown;
      try {
        data = JSON.parse((more ? Buffer.concat(more) : (first ?? Buffer.alloc(0))).toString('utf8'));
      } catch {
        return done(new McpHttpError(`MCP server at ${this.url.href} sent invalid JSON`, status));
      }
      for (const msg of Array.isArray(data) ? data : [data]) {
        if (isMessage(msg)) this.onmessage?.(msg);
      }
      done();
    });
    res.on('error', (e) => done(this.failure(e)));
  }

  /** DELETE the session on the server (405 tolerated). */
  async terminateSession(timeoutMs = 2_000): Promise<void> {
    const sid = this._sessionId;
    if (!sid) return;
    const headers: Record<string, string> = { ...this.userHeaders, 'Mcp-Session-Id': sid };
    if (this._protocolVersion) headers['MCP-Protocol-Version'] = this._protocolVersion;
    await new Promise<void>((resolve) => {
      const req = this.request({ ...this.base, method: 'DELETE', agent: this.agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('error', () => resolve());
      });
      req.setTimeout(timeoutMs, () => req.destroy());
      req.on('error', () => resolve());
      req.end();
    });
    this._sessionId = undefined;
    this.rebuildHeaders();
  }

  /**
   * Ends the session (DELETE, best effort, unless `keepSession`), aborts requests still in flight
   * and the GET stream. Pooled keep-alive sockets stay for other sessions; `destroyPooledAgents()` drops them.
   */
  async close(): Promise<void> {
    if (this._closed) return;
    this.serverStream.close();
    for (const f of this.inFlight.values()) f.cancel();
    for (const r of this.allRequests) r.destroy();
    this.allRequests.clear();
    if (!this.options.keepSession) await this.terminateSession(1_000).catch(() => {});
    this._closed = true;
    this.onclose?.();
  }
}
