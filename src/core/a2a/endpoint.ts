import type { IncomingMessage, ServerResponse } from 'node:http';
import { A2A_VERSION_HEADER, SSE_HEADERS, type AgentCard } from '@a2a-js/sdk';
import { A2A_ERROR_CODE, RequestMalformedError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import {
  DefaultRequestHandler,
  JsonRpcTransportHandler,
  STATE_HEADERS_KEY,
  ServerCallContext,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { AgentDefinition } from '../agents/definition';
import type { ServerContext } from '../server/server-context';
import { BodyTooLargeError, readBody } from '../server/http-guard';
import { AopAgentExecutor, type RunningTasks } from './agent-executor';
import { A2A_PREFIX, AGENT_CARD_FILE, JSONRPC_BINDING, agentCard, cardJson, serverCard, type CardOptions } from './cards';
import { BoundedA2aTaskStore, agentTaskStore, type A2aTaskStore } from './task-store';

export interface A2aEndpointOptions {
  /** The server requires a bearer token (the cards say so). */
  bearer: boolean;
  maxBodyBytes: number;
  /** Where A2A tasks live (default: an in-memory store of 1,000 tasks). */
  store?: A2aTaskStore;
  /** SSE keep-alive comment interval (ms). Default 15 s. */
  keepAliveMs?: number;
}

interface Handler {
  agent: AgentDefinition;
  transport: JsonRpcTransportHandler;
  card: AgentCard;
}

type Json = Record<string, unknown>;

/**
 * The A2A side of an AopServer (A2A v1.0, JSON-RPC binding), on the server's own Node HTTP front:
 *
 * - `GET /.well-known/agent-card.json` — the server card (every agent a skill);
 * - `GET /a2a/<agent>/.well-known/agent-card.json` — one agent's card;
 * - `POST /a2a/<agent>` — JSON-RPC: SendMessage, SendStreamingMessage (SSE), GetTask,
 *   CancelTask, ListTasks, SubscribeToTask; `POST /a2a` does the same for the agent named by
 *   `params.tenant`.
 *
 * The SDK does the protocol (`JsonRpcTransportHandler` → `DefaultRequestHandler`); agents run
 * through `AopAgentExecutor`. Host/Origin/token checks run in AopServer before this.
 */
export class A2aEndpoint {
  readonly store: A2aTaskStore;
  private readonly handlers = new Map<string, Handler>();
  private readonly running: RunningTasks = new Map();
  private readonly streams = new Set<ServerResponse>();

  constructor(
    private readonly server: ServerContext,
    private readonly options: A2aEndpointOptions,
  ) {
    this.store = options.store ?? new BoundedA2aTaskStore();
  }

  /** Handles `path` when it is an A2A path; false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path === AGENT_CARD_FILE) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET'), true;
      sendCard(req, res, serverCard(this.server.agents(), this.cardOptions(req)));
      return true;
    }
    if (path !== A2A_PREFIX && !path.startsWith(`${A2A_PREFIX}/`)) return false;
    const rest = path.slice(A2A_PREFIX.length + 1);
    if (rest.endsWith(AGENT_CARD_FILE)) {
      const agent = this.server.agent(rest.slice(0, -AGENT_CARD_FILE.length));
      if (!agent) return sendJson(res, 404, { error: `no agent named "${rest.slice(0, -AGENT_CARD_FILE.length)}" on this server` }), true;
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET'), true;
      sendCard(req, res, agentCard(agent, this.cardOptions(req)));
      return true;
    }
    const name = rest.replace(/\/$/, '');
    if (name.includes('/')) return sendJson(res, 404, { error: `not found: ${path}` }), true;
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST'), true;
    await this.rpc(req, res, name || undefined);
    return true;
  }

  private cardOptions(req: IncomingMessage): CardOptions {
    const host = req.headers.host || `${this.server.host}:${this.server.port}`;
    return { base: `http://${host}`, bearer: this.options.bearer, serverName: this.server.name };
  }

  private handlerFor(agent: AgentDefinition): Handler {
    const cached = this.handlers.get(agent.name);
    if (cached && cached.agent === agent) return cached;
    // The card here only steers the SDK (versions, capabilities); clients get cardOptions' URLs.
    const card = agentCard(agent, { base: 'http://localhost', bearer: this.options.bearer, serverName: this.server.name });
    const executor = new AopAgentExecutor(this.server, agent.name, this.running);
    const requestHandler = new DefaultRequestHandler(card, agentTaskStore(this.store, agent.name), executor);
    const h = { agent, card, transport: new JsonRpcTransportHandler(requestHandler) };
    this.handlers.set(agent.name, h);
    return h;
  }

  private async rpc(req: IncomingMessage, res: ServerResponse, agentName: string | undefined): Promise<void> {
    const ct = req.headers['content-type'];
    if (ct !== undefined && ct.split(';', 1)[0].trim().toLowerCase() !== 'application/json') {
      return sendRpcError(res, 415, null, A2A_ERROR_CODE.CONTENT_TYPE_NOT_SUPPORTED, `Unsupported Content-Type "${ct}"; expected application/json`);
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, this.options.maxBodyBytes)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('Connection', 'close');
        return sendRpcError(res, 413, null, A2A_ERROR_CODE.INVALID_REQUEST, `Request body too large: limit is ${err.limit} bytes`);
      }
      return sendRpcError(res, 400, null, A2A_ERROR_CODE.PARSE_ERROR, `Parse error: ${err instanceof Error ? err.message : 'invalid JSON'}`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return sendRpcError(res, 400, null, A2A_ERROR_CODE.INVALID_REQUEST, 'Invalid Request: expected one JSON-RPC request object');
    }
    const rpc = body as Json;
    const id = typeof rpc.id === 'string' || typeof rpc.id === 'number' ? rpc.id : null;
    const params = rpc.params !== null && typeof rpc.params === 'object' && !Array.isArray(rpc.params) ? (rpc.params as Json) : undefined;
    const name = agentName ?? (typeof params?.tenant === 'string' && params.tenant ? params.tenant : undefined);
    const fail = (err: unknown) => {
      const e = JsonRpcTransportHandler.mapToJSONRPCError(err);
      sendJson(res, 200, { jsonrpc: '2.0', id, error: e });
    };
    if (!name) return fail(new RequestMalformedError(`name the agent: POST ${A2A_PREFIX}/<agent>, or set params.tenant to a skill id of the server card`));
    const agent = this.server.agent(name);
    if (!agent) {
      this.handlers.delete(name);
      return sendRpcError(res, 404, id, A2A_ERROR_CODE.METHOD_NOT_FOUND, `no agent named "${name}" on this server; see ${AGENT_CARD_FILE}`);
    }
    const method = rpc.method;
    const message = params?.message as Json | undefined;
    if ((method === 'SendMessage' || method === 'SendStreamingMessage') && typeof message?.taskId === 'string' && message.taskId) {
      return fail(new UnsupportedOperationError('AOP agents answer one message per task: send a new message without taskId'));
    }
    if (agentName === undefined && params) delete params.tenant; // the tenant named the agent; tasks are per agent already
    const h = this.handlerFor(agent);
    const requestedVersion = single(req.headers[A2A_VERSION_HEADER.toLowerCase()]);
    const context = new ServerCallContext({ requestedVersion, state: new Map([[STATE_HEADERS_KEY, req.headers]]) });
    let out: Awaited<ReturnType<JsonRpcTransportHandler['handle']>>;
    try {
      validateVersion(context.requestedVersion, h.card, JSONRPC_BINDING);
      out = await h.transport.handle(rpc, context);
    } catch (err) {
      return fail(err);
    }
    if (!(Symbol.asyncIterator in out)) return sendJson(res, 200, out);
    await this.stream(res, out, id);
  }

  /** Writes a streaming answer as SSE; a client that goes away stops the stream, not the task. */
  private async stream(res: ServerResponse, events: AsyncGenerator<unknown, void, undefined>, id: string | number | null): Promise<void> {
    const it = events[Symbol.asyncIterator]();
    let first: IteratorResult<unknown, void>;
    try {
      first = await it.next();
    } catch (err) {
      return sendJson(res, 200, { jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(err) });
    }
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    this.streams.add(res);
    const keepAlive = setInterval(() => {
      if (!res.destroyed) res.write(': keepalive\n\n');
    }, this.options.keepAliveMs ?? 15_000);
    keepAlive.unref();
    const gone = () => void it.return?.(undefined).catch(() => {});
    res.once('close', gone);
    try {
      if (!first.done) res.write(`data: ${JSON.stringify(first.value)}\n\n`);
      while (!res.destroyed) {
        const next = await it.next();
        if (next.done) break;
        res.write(`data: ${JSON.stringify(next.value)}\n\n`);
      }
    } catch (err) {
      if (!res.destroyed) {
        res.write(`event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, error: JsonRpcTransportHandler.mapToJSONRPCError(err) })}\n\n`);
      }
    } finally {
      clearInterval(keepAlive);
      res.off('close', gone);
      this.streams.delete(res);
      if (!res.writableEnded) res.end();
    }
  }

  /** Cancels every running A2A task and ends open streams (server shutdown). */
  close(): void {
    for (const run of this.running.values()) {
      run.cancelled = true;
      this.server.tasks.cancel(run.trackerId);
    }
    for (const res of this.streams) if (!res.writableEnded) res.end();
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function sendCard(req: IncomingMessage, res: ServerResponse, card: AgentCard): void {
  const text = cardJson(card);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendRpcError(res: ServerResponse, status: number, id: string | number | null, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', id, error: { code, message } });
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { error: `method not allowed; use ${allow}` });
}
