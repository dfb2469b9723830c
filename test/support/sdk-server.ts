import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest, type InitializeRequest } from '@modelcontextprotocol/sdk/types.js';

/**
 * An HTTP server on 127.0.0.1 (ephemeral port) in front of the SDK's Streamable HTTP server
 * transport, one session per client: an initialize opens a session and `connect` attaches an SDK
 * server to it; other requests go to their session (404 for an unknown one).
 */
export async function serveSdkSessions(
  connect: (transport: StreamableHTTPServerTransport, initialize: InitializeRequest) => Promise<void>,
  hooks: { onRequest?(req: IncomingMessage): void; onOpen?(): void; onClose?(): void } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: HttpServer = createServer(async (req, res) => {
    hooks.onRequest?.(req);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const sid = req.headers['mcp-session-id'] as string | undefined;
    let t = sid ? sessions.get(sid) : undefined;
    if (!t && req.method === 'POST' && isInitializeRequest(body)) {
      const nt = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, nt);
          hooks.onOpen?.();
        },
        onsessionclosed: (id) => {
          if (sessions.delete(id)) hooks.onClose?.();
        },
      });
      await connect(nt, body);
      t = nt;
    }
    if (!t) {
      res.writeHead(404).end();
      return;
    }
    await t.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      await new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      });
    },
  };
}

type Extra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];

export interface BareSdkServer {
  url: string;
  /** initialize requests seen (one per session). */
  initializes: number;
  /** notifications/initialized seen. */
  initialized: number;
  /** Sessions open now (a client's DELETE closes its own). */
  open: number;
  /** Protocol versions the clients asked for, in order. */
  versions: string[];
  /** Authorization headers of the requests, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * A bare @modelcontextprotocol/sdk server (the low-level `Server` on its own Streamable HTTP
 * transport, on 127.0.0.1 and an ephemeral port, one session per client): `listTools` answers
 * tools/list as it likes — pages, malformed results, requests back to the client — so the
 * client's side of discovery can be tested against the reference implementation.
 */
export async function startBareSdkServer(handlers: {
  listTools: (cursor: string | undefined, extra: Extra) => unknown;
  callTool?: (name: string, args: Record<string, unknown>, extra: Extra) => unknown;
}): Promise<BareSdkServer> {
  const state: BareSdkServer = { url: '', initializes: 0, initialized: 0, open: 0, versions: [], authorizations: [], close: async () => {} };
  const http = await serveSdkSessions(
    async (transport, initialize) => {
      state.initializes++;
      state.versions.push(initialize.params.protocolVersion);
      const server = new Server({ name: 'bare-sdk', version: '0' }, { capabilities: { tools: { listChanged: true } } });
      server.oninitialized = () => state.initialized++;
      server.setRequestHandler(ListToolsRequestSchema, (request, extra) => handlers.listTools(request.params?.cursor, extra) as never);
      server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
        if (!handlers.callTool) throw new Error('no tools/call here');
        return handlers.callTool(request.params.name, request.params.arguments ?? {}, extra) as never;
      });
      await server.connect(transport);
    },
    {
      onRequest: (req) => state.authorizations.push(req.headers.authorization),
      onOpen: () => state.open++,
      onClose: () => state.open--,
    },
  );
  state.url = http.url;
  state.close = http.close;
  return state;
}
