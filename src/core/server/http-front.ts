import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { isAgentCardPath } from '../a2a/cards';
import { VERSION } from '../version';
import { BodyTooLargeError, checkRequest, isLoopbackHost, loopbackAllowList, readBody, type GuardOptions } from './http-guard';
import { TOO_MANY_SESSIONS, batchTooLong, limitedHttpServer, type ServerLimits } from './limits';
import type { Logger } from './logger';
import { PRM_PATHS, type OAuthResource } from './oauth-resource';
import type { ServerContext } from './server-context';
import type { SessionTable } from './session-table';
import { isInitialize } from './streamable-http/request-checks';

/** Request body cap in bytes unless the server is told otherwise. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export interface HttpFrontOptions {
  host: string;
  /** 0 = ephemeral. */
  port: number;
  token?: string;
  oauth?: OAuthResource;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  maxBodyBytes: number;
  limits: ServerLimits;
}

/** The routes past /mcp that another part of the server answers (A2A cards and JSON-RPC). */
export interface ExtraRoutes {
  /** True when it answered the request. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

/**
 * The HTTP side of a server: listens, checks every request (Host/Origin, token or OAuth, body
 * size), answers /healthz, /metrics and the OAuth metadata, hands A2A paths to their endpoint and
 * /mcp to the session of its Mcp-Session-Id (a new one on initialize).
 */
export class HttpFront {
  private http?: HttpServer;
  private guard?: GuardOptions;
  private address?: AddressInfo;

  constructor(
    private readonly server: ServerContext,
    private readonly sessions: SessionTable,
    private readonly routes: ExtraRoutes,
    private readonly log: Logger,
    private readonly options: HttpFrontOptions,
  ) {}

  /** The Node HTTP server while listening. */
  get httpServer(): HttpServer | undefined {
    return this.http;
  }

  get port(): number | undefined {
    return this.address?.port;
  }

  get url(): string | undefined {
    return this.address ? mcpUrl(this.options.host, this.address.port) : undefined;
  }

  /** Throws when the bind address would expose the agents without a token. */
  assertSafeBind(): void {
    const { host, token, oauth } = this.options;
    if (!isLoopbackHost(host) && !token && !oauth) {
      throw new Error(
        `refusing to listen on ${host} without a token: anyone on the network could run your agents. ` +
          'Pass --token (or AOP_TOKEN), or bind 127.0.0.1.',
      );
    }
  }

  async listen(): Promise<{ url: string; port: number }> {
    this.assertSafeBind();
    const { host, limits } = this.options;
    const http = limitedHttpServer(limits, (req, res) => void this.handle(req, res));
    this.http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port, host, () => resolve());
    });
    this.address = http.address() as AddressInfo;
    const port = this.address.port;
    const loop = loopbackAllowList(port);
    const extraHosts = (this.options.allowedHosts ?? []).map((h) => h.toLowerCase());
    this.guard = {
      token: this.options.token,
      // A loopback server only answers to loopback names (DNS-rebinding protection). A server bound
      // to a public address checks Host only when told which names it is reached by.
      allowedHosts: isLoopbackHost(host)
        ? [...loop.hosts, ...extraHosts]
        : extraHosts.length
          ? [...extraHosts, ...extraHosts.map((h) => `${h}:${port}`), `${host}:${port}`, host]
          : [],
      allowedOrigins: [...loop.origins, ...(this.options.allowedOrigins ?? []).map((o) => o.toLowerCase())],
    };
    return { url: mcpUrl(host, port), port };
  }

  async close(): Promise<void> {
    const http = this.http;
    if (!http) return;
    this.http = undefined;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      const failure = checkRequest(req, {
        ...this.guard!,
        // A token scoped to a running invocation (command agents with tools:) also opens /mcp.
        token:
          path === '/healthz' || isAgentCardPath(path) || (path === '/mcp' && this.server.orchestrator.tokens.isScoped(req.headers.authorization))
            ? undefined
            : this.guard!.token,
      });
      if (failure) return sendJsonRpcError(res, failure.status, -32000, failure.message, failure.headers);
      const oauth = this.options.oauth;
      if (oauth && PRM_PATHS.includes(path) && req.method === 'GET') return sendJson(res, 200, oauth.metadata(this.url!));
      const denied = oauth && path === '/mcp' ? await oauth.check(req, this.url!) : undefined;
      if (denied) return sendJsonRpcError(res, denied.status, -32000, denied.message, denied.headers);
      if (path === '/healthz' && req.method === 'GET') {
        return sendJson(res, 200, { status: 'ok', name: this.server.name, agents: this.server.agents().length, version: VERSION });
      }
      if (path === '/metrics' && req.method === 'GET') {
        const text = this.server.tracing.metrics.prometheus();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      if (path !== '/mcp' && (await this.routes.handle(req, res, path))) return;
      if (path !== '/mcp') return sendJson(res, 404, { error: `not found: ${path}; the MCP endpoint is /mcp` });
      await this.handleMcp(req, res);
    } catch (err) {
      this.log('error', `request failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) sendJsonRpcError(res, 500, ErrorCode.InternalError, 'Internal error');
      else res.end();
    }
  }

  private async handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = header(req, 'mcp-session-id');
    if (req.method === 'POST') {
      let body: unknown;
      try {
        const raw = await readBody(req, this.options.maxBodyBytes);
        const tooLong = batchTooLong(raw, this.options.limits.maxBatchLength);
        if (tooLong) return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, tooLong);
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.setHeader('Connection', 'close');
          return sendJsonRpcError(res, 413, ErrorCode.InvalidRequest, `Request body too large: limit is ${err.limit} bytes`);
        }
        return sendJsonRpcError(res, 400, ErrorCode.ParseError, `Parse error: ${err instanceof Error ? err.message : 'invalid JSON'}`);
      }
      if (body === null || typeof body !== 'object') {
        return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: expected a JSON-RPC object or array');
      }
      if (sessionId) {
        const session = this.sessions.use(sessionId);
        if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found: initialize a new session');
        return session.transport.handleRequest!(req, res, body);
      }
      const messages = Array.isArray(body) ? body : [body];
      if (!messages.some((m) => isInitialize(m))) {
        return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: no Mcp-Session-Id header; send initialize first');
      }
      const session = await this.sessions.open(req.socket.remoteAddress ?? 'unknown');
      if (!session) return sendJsonRpcError(res, 503, -32000, TOO_MANY_SESSIONS, { 'Retry-After': '5' });
      return session.transport.handleRequest!(req, res, body);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!sessionId) return sendJsonRpcError(res, 400, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required');
      const session = this.sessions.use(sessionId);
      if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found');
      return session.transport.handleRequest!(req, res);
    }
    res.setHeader('Allow', 'GET, POST, DELETE');
    return sendJsonRpcError(res, 405, ErrorCode.InvalidRequest, `Method not allowed: ${req.method}`);
  }
}

/** The MCP endpoint URL of a server bound to `host` (IPv6 in brackets). */
function mcpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
