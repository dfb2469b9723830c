import * as http from 'node:http';
import * as https from 'node:https';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { sendAuthorized, type HttpAuth } from './auth/http-auth';

/**
 * A Node-native MCP Streamable HTTP client transport (spec 2025-03-26 … 2025-11-25) for the SDK
 * `Client`: `http.request` over a keep-alive agent pooled per origin instead of `fetch` + web
 * streams. Handles JSON and SSE responses (SSE parsed incrementally, so progress notifications
 * arrive while the call runs), 202 for notifications, `Mcp-Session-Id`, `MCP-Protocol-Version`,
 * the standalone GET stream for server notifications (405 tolerated), DELETE on close, and
 * aborts the HTTP request of a call the SDK cancels.
 *
 * Errors of a send reject that send (the SDK rejects the call with it); errors outside any send
 * (the GET stream) go to `onerror`.
 */
export interface NodeHttpClientTransportOptions {
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Connection pool; default: one shared keep-alive agent per origin. */
  agent?: http.Agent;
  /** Fail a request when the server sends nothing for this long (ms). Default: no limit (the SDK's request timeout applies). */
  requestTimeoutMs?: number;
  /** Open the GET stream for server-initiated notifications after initialize (default true). */
  openServerStream?: boolean;
  /** MCP authorization (OAuth): its token goes in Authorization; a 401/403 challenge goes to it. */
  auth?: HttpAuth;
}

/** An HTTP-level failure: `status` is the HTTP status (0 when the server was not reached). */
export class McpHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(message);
    this.name = 'McpHttpError';
  }
}

const pools = new Map<string, http.Agent>();

/** The shared keep-alive agent of an origin. */
export function pooledAgent(url: URL): http.Agent {
  const origin = url.origin;
  let agent = pools.get(origin);
  if (!agent) {
    const opts: http.AgentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' };
    agent = url.protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
    pools.set(origin, agent);
  }
  return agent;
}

/** Destroys every pooled connection (all origins); later requests open new ones. */
export function destroyPooledAgents(): void {
  for (const a of pools.values()) a.destroy();
  pools.clear();
}

interface InFlight {
  req: http.ClientRequest;
  /** Resolves the send quietly (the call was cancelled by the SDK). */
  cancel(): void;
}

export class NodeHttpClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly base: { protocol: string; hostname: string; port: string; path: string };
  private readonly userHeaders: Record<string, string>;
  private postHeaders!: Record<string, string>;
  private _sessionId?: string;
  private _protocolVersion?: string;
  private started = false;
  private closed = false;
  private readonly inFlight = new Map<RequestId, InFlight>();
  private readonly allRequests = new Set<http.ClientRequest>();
  private serverStream?: http.ClientRequest;
  private serverStreamRetry?: NodeJS.Timeout;

  constructor(
    readonly url: URL,
    private readonly options: NodeHttpClientTransportOptions = {},
  ) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol} (http: or https:)`);
    this.agent = options.agent ?? pooledAgent(url);
    this.request = url.protocol === 'https:' ? https.request : http.request;
    this.base = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
    };
    this.userHeaders = { ...(options.headers ?? {}) };
    this.rebuildHeaders();
  }

  get sessionId(): string | undefined {
    return this._sessionId;
  }

  get protocolVersion(): string | undefined {
    return this._protocolVersion;
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

  private describe(err: NodeJS.ErrnoException): McpHttpError {
    const where = this.url.href;
    switch (err.code) {
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return new McpHttpError(`MCP server at ${where} is not reachable (${err.message})`, 0, err.code);
      case 'ECONNRESET':
      case 'EPIPE':
        return new McpHttpError(`connection to MCP server at ${where} was lost before it answered (${err.message})`, 0, err.code);
      case 'ETIMEDOUT':
        return new McpHttpError(`MCP server at ${where} did not answer within ${this.options.requestTimeoutMs} ms`, 0, err.code);
      default:
        return new McpHttpError(`request to MCP server at ${where} failed: ${err.message}`, 0, err.code);
    }
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) throw new McpHttpError(`transport to ${this.url.href} is closed`, 0, 'ECLOSED');
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
      ? sendAuthorized(auth, (v) => this.setAuthorization(v), () => this.post(body, requestIds, initialized), () => this.closed)
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
      const headers = this.postHeaders;
      const req = this.request({
        ...this.base,
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      });
      this.allRequests.add(req);
      let responded = false;
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
        done(this.describe(err));
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
            if (initialized) this.openServerStream();
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
          res.on('end', () => done(this.httpError(status, text, typeof challenge === 'string' ? challenge.slice(0, 4096) : undefined)));
          res.on('error', (e) => done(this.describe(e)));
          return;
        }
        const type = (res.headers['content-type'] ?? '').toLowerCase();
        if (type.startsWith('application/json')) {
          // Buffers joined once: much faster than string concatenation for multi-MB bodies
          let first: Buffer | undefined;
          let more: Buffer[] | undefined;
          res.on('data', (c: Buffer) => {
            if (!first) first = c;
            else (more ??= [first]).push(c);
          });
          res.on('end', () => {
            let data: unknown;
            try {
              data = JSON.parse((more ? Buffer.concat(more) : first ?? Buffer.alloc(0)).toString('utf8'));
            } catch {
              return done(new McpHttpError(`MCP server at ${this.url.href} sent invalid JSON`, status));
            }
            for (const msg of Array.isArray(data) ? data : [data]) {
              if (isMessage(msg)) this.onmessage?.(msg);
            }
            done();
          });
          res.on('error', (e) => done(this.describe(e)));
          return;
        }
        if (type.startsWith('text/event-stream')) {
          res.setEncoding('utf8');
          const unanswered = new Set(requestIds);
          // The SDK Protocol handles notifications one microtask late but responses at once: a
          // response parsed in the same chunk as the progress before it would overtake it (and
          // the progress be dropped as "unknown token"). Such a response waits one macrotask.
          // (One socket read can emit several 'data' events synchronously, so "recent" is
          // measured in macrotasks, not chunks.)
          let notifiedRecently = false;
          let deferred: JSONRPCMessage[] | undefined;
          const flush = () => {
            const list = deferred ?? [];
            deferred = undefined;
            for (const x of list) this.onmessage?.(x);
          };
          const deliver = (msg: JSONRPCMessage, isResponse: boolean) => {
            if (deferred) deferred.push(msg);
            else if (isResponse && notifiedRecently) {
              deferred = [msg];
              setImmediate(flush);
            } else {
              if (!isResponse && !notifiedRecently) {
                notifiedRecently = true;
                setImmediate(() => (notifiedRecently = false));
              }
              this.onmessage?.(msg);
            }
          };
          const parser = new SseParser((event, data) => {
            if (event !== 'message' || !data) return;
            let msg: unknown;
            try {
              msg = JSON.parse(data);
            } catch {
              this.onerror?.(new Error(`MCP server at ${this.url.href} sent an SSE event that is not JSON`));
              return;
            }
            if (!isMessage(msg)) return;
            const id = (msg as { id?: RequestId }).id;
            const isResponse = id !== undefined && !('method' in msg);
            if (isResponse) unanswered.delete(id);
            deliver(msg, isResponse);
            if (unanswered.size === 0 && requestIds.length) {
              // all answers are in; the server ends the stream, we need not wait for it
              done();
            }
          });
          res.on('data', (c: string) => parser.push(c));
          // The stream ended before every answer: a server that gave event ids lets us resume it
          // with a GET carrying Last-Event-ID after its `retry` delay (SEP-1699); otherwise fail.
          let ended = false;
          const streamEnded = (err: McpHttpError) => {
            if (ended || settled) return;
            ended = true;
            if (unanswered.size === 0) return done();
            if (parser.lastEventId !== undefined && !this.closed) {
              this.resume(parser, unanswered, deliver, done, err);
              return;
            }
            done(err);
          };
          res.on('end', () =>
            streamEnded(new McpHttpError(`MCP server at ${this.url.href} ended the response stream before answering`, status, 'ESTREAMEND')),
          );
          res.on('error', (e) => streamEnded(this.describe(e)));
          res.on('close', () =>
            streamEnded(new McpHttpError(`connection to MCP server at ${this.url.href} was lost before it answered`, status, 'ECONNRESET')),
          );
          return;
        }
        res.resume();
        done(new McpHttpError(`MCP server at ${this.url.href} answered with unexpected content type "${type}"`, status));
      });
      req.end(body);
    });
  }

  /**
   * Resumes an interrupted response stream (SEP-1699): waits the server's `retry` delay, then
   * GETs with `Last-Event-ID` and reads the rest of the answers there; at most 3 tries, each
   * needing a new event id. Gives up with `cause` (the original failure) otherwise.
   */
  private resume(
    parser: SseParser,
    unanswered: Set<RequestId>,
    deliver: (msg: JSONRPCMessage, isResponse: boolean) => void,
    done: (err?: Error) => void,
    cause: McpHttpError,
    attempt = 1,
  ): void {
    const lastId = parser.lastEventId;
    const timer = setTimeout(() => {
      if (this.closed) return done(cause);
      const headers: Record<string, string> = { ...this.userHeaders, Accept: 'text/event-stream', 'Last-Event-ID': lastId! };
      if (this._sessionId) headers['Mcp-Session-Id'] = this._sessionId;
      if (this._protocolVersion) headers['MCP-Protocol-Version'] = this._protocolVersion;
      const req = this.request({ ...this.base, method: 'GET', agent: this.agent, headers });
      this.allRequests.add(req);
      let finished = false;
      const again = () => {
        if (finished) return;
        finished = true;
        this.allRequests.delete(req);
        req.destroy();
        if (unanswered.size === 0) return done();
        if (attempt < 3 && parser.lastEventId !== undefined && parser.lastEventId !== lastId && !this.closed) {
          this.resume(parser, unanswered, deliver, done, cause, attempt + 1);
        } else done(cause);
      };
      req.on('error', again);
      req.on('response', (res) => {
        if (res.statusCode !== 200 || !(res.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')) {
          res.resume();
          return again();
        }
        res.setEncoding('utf8');
        const onEvent = (event: string, data: string, id?: string) => {
          if (id !== undefined) parser.lastEventId = id;
          if (event !== 'message' || !data) return;
          let msg: unknown;
          try {
            msg = JSON.parse(data);
          } catch {
            return;
          }
          if (!isMessage(msg)) return;
          const mid = (msg as { id?: RequestId }).id;
          const isResponse = mid !== undefined && !('method' in msg);
          if (isResponse) unanswered.delete(mid);
          deliver(msg, isResponse);
          if (unanswered.size === 0 && !finished) {
            finished = true;
            this.allRequests.delete(req);
            req.destroy();
            done();
          }
        };
        const p2 = new SseParser(onEvent);
        res.on('data', (c: string) => {
          p2.push(c);
          if (p2.retryMs !== undefined) parser.retryMs = p2.retryMs;
        });
        res.on('end', again);
        res.on('error', again);
        res.on('close', again);
      });
      req.end();
    }, Math.min(parser.retryMs ?? 1_000, 30_000));
    timer.unref?.();
  }

  private httpError(status: number, text: string, wwwAuthenticate?: string): McpHttpError {
    let detail = text.trim();
    // A server that echoes the request's credentials must not put them in our messages.
    const token = /^\S+\s+(\S{4,})$/.exec(this.userHeaders.Authorization ?? '')?.[1];
    if (token) detail = detail.split(token).join('[redacted]');
    try {
      const j = JSON.parse(text) as { error?: { message?: string } };
      if (j?.error?.message) detail = j.error.message;
    } catch {
      /* not JSON */
    }
    const what =
      status === 404 && this._sessionId
        ? `MCP session ${this._sessionId} is not known to ${this.url.href} (expired or closed): ${detail}`
        : status === 401
          ? `MCP server at ${this.url.href} refused the credentials (401): ${detail}`
          : `MCP server at ${this.url.href} answered HTTP ${status}: ${detail}`;
    return new McpHttpError(what, status, undefined, wwwAuthenticate);
  }

  /** The GET stream for server-initiated messages (tools/list_changed…). */
  private openServerStream(attempt = 0): void {
    if (this.closed || this.serverStream || this.options.openServerStream === false) return;
    const headers: Record<string, string> = { ...this.userHeaders, Accept: 'text/event-stream' };
    if (this._sessionId) headers['Mcp-Session-Id'] = this._sessionId;
    if (this._protocolVersion) headers['MCP-Protocol-Version'] = this._protocolVersion;
    const req = this.request({ ...this.base, method: 'GET', agent: this.agent, headers });
    this.serverStream = req;
    let gotData = false;
    const ended = (err?: Error) => {
      if (this.serverStream !== req) return;
      this.serverStream = undefined;
      if (this.closed) return;
      if (err) this.onerror?.(err);
      // reconnect with backoff (a working stream resets the count)
      const n = gotData ? 0 : attempt + 1;
      if (n > 3) return;
      this.serverStreamRetry = setTimeout(() => this.openServerStream(n), Math.min(1000 * 2 ** n, 10_000));
      this.serverStreamRetry.unref();
    };
    req.on('error', (err: NodeJS.ErrnoException) => ended(this.closed ? undefined : this.describe(err)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status === 405) {
        // the server offers no GET stream
        res.resume();
        this.serverStream = undefined;
        return;
      }
      if (status !== 200) {
        res.resume();
        this.serverStream = undefined;
        if (!this.closed) this.onerror?.(new McpHttpError(`MCP server at ${this.url.href} refused the notification stream (HTTP ${status})`, status));
        return;
      }
      res.setEncoding('utf8');
      // a long-lived stream must not keep the process alive
      res.socket?.unref();
      const parser = new SseParser((event, data) => {
        gotData = true;
        if (event !== 'message' || !data) return;
        try {
          const msg = JSON.parse(data);
          if (isMessage(msg)) this.onmessage?.(msg);
        } catch {
          this.onerror?.(new Error(`MCP server at ${this.url.href} sent an SSE event that is not JSON`));
        }
      });
      res.on('data', (c: string) => {
        gotData = true;
        parser.push(c);
      });
      res.on('end', () => ended());
      res.on('error', () => ended());
    });
    req.end();
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
   * Ends the session (DELETE, best effort), aborts requests still in flight and the GET stream.
   * Pooled keep-alive sockets stay for other sessions; `destroyPooledAgents()` drops them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.serverStreamRetry) clearTimeout(this.serverStreamRetry);
    const stream = this.serverStream;
    this.serverStream = undefined;
    stream?.destroy();
    for (const f of this.inFlight.values()) f.cancel();
    for (const r of this.allRequests) r.destroy();
    this.allRequests.clear();
    await this.terminateSession(1_000).catch(() => {});
    this.closed = true;
    this.onclose?.();
  }
}

function isMessage(m: unknown): m is JSONRPCMessage {
  return m !== null && typeof m === 'object' && (m as { jsonrpc?: unknown }).jsonrpc === '2.0';
}

/** Incremental text/event-stream parser (WHATWG rules: \n, \r\n or \r line ends; data lines joined by \n). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';

  constructor(private readonly onEvent: (event: string, data: string, id?: string) => void) {}

  /** The last event id seen (`id:` field), for `Last-Event-ID` on reconnection. */
  lastEventId?: string;
  /** The last `retry:` value (ms) the server sent. */
  retryMs?: number;

  push(chunk: string): void {
    let text = this.buf + chunk;
    let start = 0;
    for (;;) {
      let i = start;
      const n = text.length;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 10 || c === 13) break;
        i++;
      }
      if (i >= n) break;
      // a \r at the very end may be the first half of \r\n: wait for more
      if (text.charCodeAt(i) === 13 && i + 1 >= n) break;
      this.line(text.slice(start, i));
      start = text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
    }
    this.buf = start === 0 ? text : text.slice(start);
    text = '';
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) this.onEvent(this.event || 'message', this.data.join('\n'), this.lastEventId);
      this.data = [];
      this.event = '';
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry' && /^\d{1,9}$/.test(value)) this.retryMs = Number(value);
  }
}
