import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../mcp-protocol';
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCResultResponse,
  type MessageExtraInfo,
  type RequestId,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { serializeMessage, writeJson } from './json-chunks';
import { Exchange, SSE_HEADERS, type ExchangeSession } from './post-exchange';
import { acceptOf, badVersion, httpError, messageKind, requestInfo, single, unsupportedVersionMessage } from './request-checks';
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
  /** Most messages in one batch (default 100). */
  maxBatchLength?: number;
  /** Most bytes of answers to one POST; answers past it become JSON-RPC errors (default 32 MiB). */
  maxAnswerBytes?: number;
  /** Most requests of this session in flight at once (default 64). */
  maxInFlight?: number;
  /** Answers some requests itself, without `onmessage` (see DirectRequestHandler). */
  directRequest?: DirectRequestHandler;
  /**
   * Called when a message needs `onmessage` and there is none yet: connects the session's SDK
   * Protocol (synchronously sets `onmessage`). A session whose messages all take the direct path
   * never loads the SDK. An initialize answered on the direct path is then told to the Protocol
   * (under an id of its own, its answer dropped), so it knows the client as if it had answered it.
   */
  connectProtocol?: () => void;
}

/** A JSON-RPC request as the transport checked it (id, method, params an object or absent). */
export interface DirectRequest {
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface DirectRequestExtra {
  signal: AbortSignal;
  sessionId?: string;
  requestId: RequestId;
  authInfo?: AuthInfo;
  requestInfo?: MessageExtraInfo['requestInfo'];
  /** A notification related to this request (progress): on its POST's stream. */
  sendNotification: (notification: ServerNotification) => Promise<void>;
  /** The controller behind `signal`: the handler may abort it (its call cancelled from elsewhere); the answer is still sent. */
  controller: AbortController;
}

/**
 * Answers a request without the SDK's Protocol (the server's hot path), or returns undefined to
 * leave it to `onmessage`. The promise's value is the JSON-RPC result; a rejection becomes the
 * error the Protocol would send (its `code` when it has one, else -32603); nothing is sent for a
 * request cancelled with notifications/cancelled.
 */
export type DirectRequestHandler = (request: DirectRequest, extra: DirectRequestExtra) => Promise<unknown> | undefined;

export interface HandleRequestOptions {
  authInfo?: AuthInfo;
}

/** Protocol revision assumed when a request carries no MCP-Protocol-Version (spec: 2025-03-26). */
const ASSUMED_PROTOCOL_VERSION = '2025-03-26';
/** First revision without JSON-RPC batching. */
const NO_BATCH_FROM = '2025-06-18';

export class NodeHttpServerTransport implements Transport, ExchangeSession {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly keepAliveMs: number;
  readonly maxAnswerBytes: number;
  /** Events of this session's SSE streams, kept for Last-Event-ID resumption. */
  readonly events = new SseEventLog();

  private started = false;
  private closed = false;
  private initialized = false;
  private initRequestId?: RequestId;
  /** Protocol revision agreed in initialize (from the server's answer). */
  private protocolVersion?: string;
  private readonly exchanges = new Map<RequestId, Exchange>();
  /** Requests answered on the direct path, by id, to cancel them. */
  private readonly direct = new Map<RequestId, AbortController>();
  /** The initialize answered on the direct path, until the Protocol has been told it. */
  private directInitialize?: DirectRequest;
  private standalone?: { res: ServerResponse; timer: NodeJS.Timeout; streamId: string };
  private readonly generateId: () => string;

  constructor(private readonly options: NodeHttpServerTransportOptions = {}) {
    this.generateId = options.sessionIdGenerator ?? randomUUID;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 32 * 1024 * 1024;
  }

  /** Requests of this session still unanswered. */
  get inFlight(): number {
    return this.exchanges.size;
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
    const maxBatch = this.options.maxBatchLength ?? 100;
    if (messages.length > maxBatch) {
      return httpError(res, 400, -32600, `Invalid Request: a batch of ${messages.length} messages; at most ${maxBatch} are allowed per request`);
    }
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
      for (const m of messages) this.deliver(m as JSONRPCMessage, extra);
      return;
    }

    // A request whose id is in flight already (or repeats in this batch) would overwrite the first
    // one's response route and leave one of them unanswered forever: it is answered with an error
    // at once, as is every request past the session's in-flight cap.
    const refused = new Map<number, JSONRPCMessage>();
    const maxInFlight = this.options.maxInFlight ?? 64;
    const ids = new Set<RequestId>();
    let admitted = 0;
    messages.forEach((m, i) => {
      if (kinds[i] !== 'request') return;
      const id = (m as { id: RequestId }).id;
      let message: string | undefined;
      if (this.exchanges.has(id) || ids.has(id)) {
        message = `Invalid Request: id ${JSON.stringify(id)} is already used by a request in flight in this session; use a new id`;
      } else if (this.exchanges.size + admitted >= maxInFlight) {
        message = `Too many requests in flight: this session may have at most ${maxInFlight} unanswered requests; wait for answers`;
      }
      if (message) refused.set(i, { jsonrpc: '2.0', id, error: { code: message.startsWith('Invalid') ? -32600 : -32000, message } });
      else admitted++;
      ids.add(id);
    });

    const ex = new Exchange(res, this, batch, accept.json, accept.sse, requests);
    messages.forEach((m, i) => {
      if (kinds[i] === 'request' && !refused.has(i)) this.exchanges.set((m as { id: RequestId }).id, ex);
    });
    ex.timer = setTimeout(() => ex.tick(), this.keepAliveMs);
    ex.timer.unref();
    for (const error of refused.values()) ex.answer(error);
    messages.forEach((m, i) => {
      if (refused.has(i)) return;
      if (kinds[i] === 'request' && this.answerDirectly(m as DirectRequest, extra)) return;
      this.deliver(m as JSONRPCMessage, extra);
    });
  }

  /** A message for the Protocol; a cancellation also ends the cancelled request's exchange here. */
  private deliver(m: JSONRPCMessage, extra: MessageExtraInfo): void {
    if ('method' in m && m.method === 'notifications/cancelled' && !('id' in m)) {
      const id = (m.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.cancelled(id, (m.params as { reason?: unknown }).reason);
    }
    if (!this.onmessage) {
      // No Protocol yet, so no handler of a notification and no request of ours a response could answer:
      // only a request brings the SDK in.
      if (!('method' in m && 'id' in m)) return;
      this.connectProtocol(extra);
    }
    this.onmessage?.(m, extra);
  }

  private connectProtocol(extra: MessageExtraInfo): void {
    this.options.connectProtocol?.();
    const init = this.directInitialize;
    this.directInitialize = undefined;
    if (init && this.onmessage) {
      // its own id: the client may reuse the original one; an answer for this id finds no exchange and is dropped
      this.onmessage({ jsonrpc: '2.0', id: `aop-initialize-${randomUUID()}`, method: init.method, params: init.params } as JSONRPCMessage, extra);
    }
  }

  /**
   * The receiver of a cancellation sends no answer (MCP spec): the request's exchange stops
   * waiting for one, so its HTTP response ends and the session's in-flight count drops.
   */
  private cancelled(id: RequestId, reason: unknown): void {
    this.direct.get(id)?.abort(reason);
    this.direct.delete(id);
    const ex = this.exchanges.get(id);
    if (!ex) return;
    this.exchanges.delete(id);
    ex.drop();
  }

  private answerDirectly(request: DirectRequest, extra: MessageExtraInfo): boolean {
    const handler = this.options.directRequest;
    if (!handler) return false;
    const id = request.id;
    const abort = new AbortController();
    const signal = abort.signal;
    this.direct.set(id, abort);
    const answer = handler(request, {
      signal,
      controller: abort,
      sessionId: this.sessionId,
      requestId: id,
      authInfo: extra.authInfo,
      requestInfo: extra.requestInfo,
      sendNotification: async (notification) => {
        if (this.direct.get(id) === abort) await this.send({ jsonrpc: '2.0', ...notification } as JSONRPCMessage, { relatedRequestId: id });
      },
    });
    if (answer === undefined) {
      this.direct.delete(id);
      return false;
    }
    if (request.method === 'initialize') this.directInitialize = request;
    answer
      .then(
        (result): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: result as JSONRPCResultResponse['result'] }),
        (error: { code?: unknown; message?: unknown; data?: unknown }) => ({
          jsonrpc: '2.0' as const,
          id,
          error: {
            code: Number.isSafeInteger(error?.code) ? (error.code as number) : ErrorCode.InternalError,
            message: typeof error?.message === 'string' ? error.message : 'Internal error',
            ...(error?.data !== undefined && { data: error.data }),
          },
        }),
      )
      .then((response) => {
        // cancelled by the client (or the session closed): no answer
        if (this.direct.get(id) !== abort) return;
        this.direct.delete(id);
        return this.send(response);
      })
      .catch((err: unknown) => this.onerror?.(err instanceof Error ? err : new Error(String(err))));
    return true;
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
      // nobody waits for it any more: the request was cancelled, or the session closed
      if (!ex) return;
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
    for (const abort of this.direct.values()) abort.abort(new Error('the MCP session ended'));
    this.direct.clear();
    if (this.standalone) {
      clearInterval(this.standalone.timer);
      if (!this.standalone.res.destroyed) this.standalone.res.end();
      this.standalone = undefined;
    }
    this.onclose?.();
  }
}
