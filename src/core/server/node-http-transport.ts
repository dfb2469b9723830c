import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  SUPPORTED_PROTOCOL_VERSIONS,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { SseEventLog } from './sse-event-log';

/**
 * A Node-native MCP Streamable HTTP server transport for one session (spec 2025-03-26,
 * 2025-06-18, 2025-11-25), a drop-in for the SDK's `StreamableHTTPServerTransport` without its
 * web `Request`/`ReadableStream` conversion:
 *
 * - POST with only notifications/responses → 202, no body.
 * - POST with requests → `application/json` when the handler answers without sending anything
 *   related first (the fast path); the response switches to `text/event-stream` the moment a
 *   related notification or request (progress, elicitation…) is sent before the answer, or when
 *   the call runs longer than `keepAliveMs` (so keep-alive comments can flow).
 * - GET → the standalone SSE stream for server-initiated messages (one per session, else 409).
 * - DELETE → ends the session.
 * - `Mcp-Session-Id` is issued on initialize and required afterwards (400 without, 404 when it
 *   is not this session's); an unsupported `MCP-Protocol-Version` gets 400; JSON-RPC batches are
 *   accepted only for protocol 2025-03-26 (later revisions removed them).
 *
 * Host/Origin/auth checks and body limits belong to the caller (AopServer) and run first.
 */
export interface NodeHttpServerTransportOptions {
  /** Session id generator (default `randomUUID`). */
  sessionIdGenerator?: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  onsessionclosed?: (sessionId: string) => void;
  /** SSE keep-alive comment interval, and how long a JSON answer may take before it turns into SSE. Default 15 s. */
  keepAliveMs?: number;
}

export interface HandleRequestOptions {
  authInfo?: AuthInfo;
}

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
} as const;

/** Protocol revision assumed when a request carries no MCP-Protocol-Version (spec: 2025-03-26). */
const ASSUMED_PROTOCOL_VERSION = '2025-03-26';
/** First revision without JSON-RPC batching. */
const NO_BATCH_FROM = '2025-06-18';

/**
 * UTF-8 JSON of large, immutable result parts (e.g. the cached tools/list array), keyed by the
 * object: a response whose `result` holds such an object is written with the stored bytes instead
 * of serialising it again (and as a Buffer: Node writes a multi-MB Buffer several times faster
 * than the same string). Entries go away with their objects.
 */
export const preserialized = new WeakMap<object, Buffer>();

/**
 * JSON text to write: a string, or chunks when `preserialized` parts were spliced in. Chunks are
 * written one after another (never concatenated), so a cached multi-MB tools/list is not copied
 * per request.
 */
export type JsonChunks = string | Buffer[];

/** JSON of an outgoing message (see JsonChunks). */
export function serializeMessage(message: JSONRPCMessage): JsonChunks {
  const result = (message as { result?: Record<string, unknown> }).result;
  if (result !== null && typeof result === 'object') {
    let hit = false;
    for (const k in result) {
      const v = result[k];
      if (v !== null && typeof v === 'object' && preserialized.has(v)) {
        hit = true;
        break;
      }
    }
    if (hit) {
      let head = `{"jsonrpc":"2.0","id":${JSON.stringify((message as { id: RequestId }).id)},"result":{`;
      const parts: Buffer[] = [];
      let first = true;
      for (const k in result) {
        const v = result[k];
        if (v === undefined) continue;
        const cached = v !== null && typeof v === 'object' ? preserialized.get(v) : undefined;
        head += `${first ? '' : ','}${JSON.stringify(k)}:`;
        if (cached) {
          parts.push(Buffer.from(head), cached);
          head = '';
        } else head += JSON.stringify(v);
        first = false;
      }
      parts.push(Buffer.from(head + '}}'));
      return parts;
    }
  }
  return JSON.stringify(message);
}

/** Byte length of JSON chunks. */
export function jsonLength(json: JsonChunks): number {
  if (typeof json === 'string') return Buffer.byteLength(json);
  let n = 0;
  for (const b of json) n += b.length;
  return n;
}

/** Writes JSON chunks to a response (corked, so small chunks go out in one packet). */
function writeJson(res: ServerResponse, json: JsonChunks): void {
  if (typeof json === 'string') {
    res.write(json);
    return;
  }
  res.cork();
  for (const b of json) res.write(b);
  process.nextTick(() => res.uncork());
}

function joinJson(parts: JsonChunks[], open: string, sep: string, close: string): JsonChunks {
  if (parts.every((p) => typeof p === 'string')) return open + (parts as string[]).join(sep) + close;
  const out: Buffer[] = [Buffer.from(open)];
  parts.forEach((p, i) => {
    if (i) out.push(Buffer.from(sep));
    if (typeof p === 'string') out.push(Buffer.from(p));
    else out.push(...p);
  });
  out.push(Buffer.from(close));
  return out;
}

/** One POST that carried requests: its HTTP response, answered as JSON or as SSE. */
class Exchange {
  /** Request ids still unanswered. */
  pending: number;
  sse = false;
  done = false;
  /** Collected answers of a batch answered as JSON. */
  answers?: JSONRPCMessage[];
  timer?: NodeJS.Timeout;
  /** Id of its SSE stream in the session's event log (for Last-Event-ID resumption). */
  streamId?: string;

  constructor(
    public res: ServerResponse,
    readonly transport: NodeHttpServerTransport,
    readonly batch: boolean,
    readonly acceptsJson: boolean,
    readonly acceptsSse: boolean,
    requests: number,
  ) {
    this.pending = requests;
    if (!acceptsJson) this.startSse();
  }

  get gone(): boolean {
    return this.done || this.res.destroyed;
  }

  startSse(): void {
    if (this.sse) return;
    this.sse = true;
    this.streamId = this.transport.events.open();
    const sid = this.transport.sessionId;
    this.res.writeHead(200, sid ? { ...SSE_HEADERS, 'Mcp-Session-Id': sid } : SSE_HEADERS);
    this.res.flushHeaders();
    if (this.answers) for (const a of this.answers) this.writeEvent(a);
    this.answers = undefined;
  }

  /** Logged for replay even when the connection is gone (the client may resume with Last-Event-ID). */
  writeEvent(message: JSONRPCMessage): void {
    const frame = this.transport.events.append(this.streamId!, serializeMessage(message));
    if (!this.res.destroyed) writeJson(this.res, frame);
  }

  /** A related notification/request sent before the answer: switch to SSE (false: the client takes JSON only). */
  related(message: JSONRPCMessage): boolean {
    if (this.done || !this.acceptsSse || (!this.sse && this.res.destroyed)) return false;
    this.startSse();
    this.writeEvent(message);
    return true;
  }

  answer(message: JSONRPCMessage): void {
    this.pending--;
    if (this.done) return;
    if (this.sse) {
      this.writeEvent(message);
      if (this.pending <= 0) this.finish();
      return;
    }
    if (!this.batch) {
      this.finish(serializeMessage(message));
      return;
    }
    (this.answers ??= []).push(message);
    if (this.pending <= 0) this.finish(joinJson(this.answers.map(serializeMessage), '[', ',', ']'));
  }

  /** Keep-alive: a call still running after keepAliveMs turns into SSE and gets comments. */
  tick(): void {
    this.timer = undefined;
    if (this.gone) return;
    if (!this.sse && !this.acceptsSse) return;
    this.startSse();
    this.res.write(': keepalive\n\n');
    this.timer = setTimeout(() => this.tick(), this.transport.keepAliveMs);
    this.timer.unref();
  }

  finish(json?: JsonChunks): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.streamId) this.transport.events.end(this.streamId, !this.res.destroyed);
    if (this.res.destroyed) return;
    if (json !== undefined) {
      const sid = this.transport.sessionId;
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': jsonLength(json),
      };
      if (sid) headers['Mcp-Session-Id'] = sid;
      this.res.writeHead(200, headers);
      if (typeof json === 'string') this.res.end(json);
      else {
        writeJson(this.res, json);
        this.res.end();
      }
    } else {
      if (!this.sse) {
        // closed before any answer: an empty JSON body would be invalid, send an SSE stream that just ends
        this.startSse();
      }
      this.res.end();
    }
  }
}

export class NodeHttpServerTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly keepAliveMs: number;
  /** Events of this session's SSE streams, kept for Last-Event-ID resumption. */
  readonly events = new SseEventLog();

  private started = false;
  private closed = false;
  private initialized = false;
  private initRequestId?: RequestId;
  /** Protocol revision agreed in initialize (from the server's answer). */
  private protocolVersion?: string;
  private readonly exchanges = new Map<RequestId, Exchange>();
  private standalone?: { res: ServerResponse; timer: NodeJS.Timeout; streamId: string };
  private readonly generateId: () => string;

  constructor(private readonly options: NodeHttpServerTransportOptions = {}) {
    this.generateId = options.sessionIdGenerator ?? randomUUID;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Transport already started');
    this.started = true;
  }

  /** The negotiated protocol revision (undefined before initialize). */
  get negotiatedProtocolVersion(): string | undefined {
    return this.protocolVersion;
  }

  /**
   * Handles one HTTP request of this session. `body` is the parsed JSON body of a POST (the caller
   * reads it with its own size limit).
   */
  async handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown, opts: HandleRequestOptions = {}): Promise<void> {
    if (this.closed) return httpError(res, 404, -32001, 'Session not found');
    switch (req.method) {
      case 'POST':
        return this.handlePost(req, res, body, opts);
      case 'GET':
        return this.handleGet(req, res);
      case 'DELETE':
        return this.handleDelete(req, res);
      default:
        res.setHeader('Allow', 'GET, POST, DELETE');
        return httpError(res, 405, -32000, 'Method not allowed.');
    }
  }

  private handlePost(req: IncomingMessage, res: ServerResponse, body: unknown, opts: HandleRequestOptions): void {
    const accept = acceptOf(req.headers);
    if (!accept.json && !accept.sse) {
      return httpError(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    const ct = req.headers['content-type'];
    if (ct !== undefined && !/^\s*application\/json\s*(;|$)/i.test(ct)) {
      return httpError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const headerVersion = single(req.headers['mcp-protocol-version']);
    if (headerVersion !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(headerVersion)) {
      return badVersion(res, headerVersion);
    }

    const batch = Array.isArray(body);
    const messages = (batch ? body : [body]) as unknown[];
    if (messages.length === 0) return httpError(res, 400, -32600, 'Invalid Request: empty batch');
    let requests = 0;
    let init: { id: RequestId; params?: { protocolVersion?: unknown } } | undefined;
    const kinds: Array<ReturnType<typeof messageKind>> = [];
    for (const m of messages) {
      const kind = messageKind(m);
      kinds.push(kind);
      if (kind === undefined) return httpError(res, 400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
      if (kind === 'request') {
        requests++;
        if ((m as { method: string }).method === 'initialize') init = m as typeof init;
      }
    }

    if (batch) {
      const version =
        headerVersion ??
        (init && typeof init.params?.protocolVersion === 'string' ? init.params.protocolVersion : undefined) ??
        this.protocolVersion ??
        ASSUMED_PROTOCOL_VERSION;
      if (version >= NO_BATCH_FROM) {
        return httpError(res, 400, -32600, `Invalid Request: JSON-RPC batches are not supported in protocol version ${version}; send one message per POST`);
      }
    }

    if (init) {
      if (this.initialized) return httpError(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) return httpError(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      this.sessionId = this.generateId();
      this.initialized = true;
      this.initRequestId = init.id;
      this.options.onsessioninitialized?.(this.sessionId);
    } else {
      const failure = this.sessionFailure(req);
      if (failure) return httpError(res, failure.status, failure.code, failure.message);
    }

    const extra: MessageExtraInfo = { requestInfo: requestInfo(req), authInfo: opts.authInfo };
    if (requests === 0) {
      res.writeHead(202).end();
      for (const m of messages) this.onmessage?.(m as JSONRPCMessage, extra);
      return;
    }

    const ex = new Exchange(res, this, batch, accept.json, accept.sse, requests);
    messages.forEach((m, i) => {
      if (kinds[i] === 'request') this.exchanges.set((m as { id: RequestId }).id, ex);
    });
    ex.timer = setTimeout(() => ex.tick(), this.keepAliveMs);
    ex.timer.unref();
    for (const m of messages) this.onmessage?.(m as JSONRPCMessage, extra);
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!acceptOf(req.headers).sse) {
      return httpError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    const failure = this.sessionFailure(req) ?? this.versionFailure(req);
    if (failure) return httpError(res, failure.status, failure.code, failure.message);
    const lastEventId = single(req.headers['last-event-id']);
    const missed = lastEventId ? this.events.after(lastEventId) : undefined;
    const resumed = missed && [...this.exchanges.values()].find((ex) => ex.streamId === missed.streamId && !ex.done);
    const resumesStandalone = missed !== undefined && missed.streamId === this.standalone?.streamId;
    if (!missed && this.standalone && !this.standalone.res.destroyed) {
      return httpError(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    }
    res.writeHead(200, this.sessionId ? { ...SSE_HEADERS, 'Mcp-Session-Id': this.sessionId } : SSE_HEADERS);
    res.flushHeaders();
    for (const frame of missed?.frames ?? []) writeJson(res, frame);
    // a dropped POST stream goes on here: the rest of its events, then its answer
    if (resumed) return void (resumed.res = res);
    if (missed && !resumesStandalone) return void res.end();
    if (resumesStandalone && !this.standalone!.res.destroyed) this.standalone!.res.end();
    const timer = setInterval(() => {
      if (!res.destroyed) res.write(': keepalive\n\n');
    }, this.keepAliveMs);
    timer.unref();
    const stream = { res, timer, streamId: resumesStandalone ? missed.streamId : this.events.open() };
    this.standalone = stream;
    res.on('close', () => {
      clearInterval(timer);
      if (this.standalone === stream) this.standalone = undefined;
    });
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const failure = this.sessionFailure(req) ?? this.versionFailure(req);
    if (failure) return httpError(res, failure.status, failure.code, failure.message);
    if (this.sessionId) this.options.onsessionclosed?.(this.sessionId);
    res.writeHead(200).end();
    await this.close();
  }

  private sessionFailure(req: IncomingMessage): { status: number; code: number; message: string } | undefined {
    if (!this.initialized) return { status: 400, code: -32000, message: 'Bad Request: Server not initialized' };
    const sid = single(req.headers['mcp-session-id']);
    if (!sid) return { status: 400, code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' };
    if (sid !== this.sessionId) return { status: 404, code: -32001, message: 'Session not found' };
    return undefined;
  }

  private versionFailure(req: IncomingMessage): { status: number; code: number; message: string } | undefined {
    const v = single(req.headers['mcp-protocol-version']);
    if (v !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(v)) {
      return { status: 400, code: -32000, message: unsupportedVersionMessage(v) };
    }
    return undefined;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('id' in message && !('method' in message)) {
      // a response (result or error) to a client request
      const id = message.id as RequestId;
      if (id === this.initRequestId && 'result' in message) {
        const v = (message.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof v === 'string') this.protocolVersion = v;
        this.initRequestId = undefined;
      }
      const ex = this.exchanges.get(id);
      if (!ex) {
        if (this.closed) return;
        throw new Error(`No connection established for request ID: ${String(id)}`);
      }
      this.exchanges.delete(id);
      ex.answer(message);
      return;
    }
    const related = options?.relatedRequestId;
    if (related !== undefined) {
      const ex = this.exchanges.get(related);
      if (ex && ex.related(message)) return;
    }
    // server-initiated (or its request's stream is gone): the standalone GET stream, if open
    const s = this.standalone;
    if (s) {
      const frame = this.events.append(s.streamId, serializeMessage(message));
      if (!s.res.destroyed) writeJson(s.res, frame);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Unanswered requests get an error instead of a hanging HTTP response.
    for (const [id, ex] of this.exchanges) {
      if (!ex.gone) ex.answer({ jsonrpc: '2.0', id, error: { code: -32000, message: 'Connection closed: the MCP session ended' } });
    }
    this.exchanges.clear();
    if (this.standalone) {
      clearInterval(this.standalone.timer);
      if (!this.standalone.res.destroyed) this.standalone.res.end();
      this.standalone = undefined;
    }
    this.onclose?.();
  }
}

// ---- helpers ---------------------------------------------------------------------------------

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** What the Accept header allows (missing = anything, as HTTP says). */
function acceptOf(headers: IncomingHttpHeaders): { json: boolean; sse: boolean } {
  const a = headers.accept;
  if (a === undefined || a === '') return { json: true, sse: true };
  const any = a.includes('*/*');
  return {
    json: any || a.includes('application/json') || a.includes('application/*'),
    sse: any || a.includes('text/event-stream') || a.includes('text/*'),
  };
}

/**
 * What a message is, by the SDK's own schemas: a message the SDK's Protocol would not recognise
 * (e.g. a request whose `params` is null or an array, or a non-numeric progress token) would get
 * no answer at all and leave its HTTP response open, so it is refused up front with 400.
 */
function messageKind(m: unknown): 'request' | 'notification' | 'response' | undefined {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return undefined;
  const hasId = typeof o.id === 'string' || typeof o.id === 'number';
  if (typeof o.method === 'string') {
    if (hasId) return isJSONRPCRequest(m) ? 'request' : undefined;
    return o.id === undefined && isJSONRPCNotification(m) ? 'notification' : undefined;
  }
  if (hasId && ('result' in o || 'error' in o)) return isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m) ? 'response' : undefined;
  return undefined;
}

function requestInfo(req: IncomingMessage): MessageExtraInfo['requestInfo'] {
  let url: URL | undefined;
  return {
    headers: req.headers,
    get url() {
      return (url ??= new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`));
    },
  };
}

function unsupportedVersionMessage(v: string): string {
  return `Bad Request: Unsupported protocol version: ${v} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
}

function badVersion(res: ServerResponse, v: string): void {
  httpError(res, 400, -32000, unsupportedVersionMessage(v));
}

function httpError(res: ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
