/** Servers and clients the benchmark rows are built from. */
import { randomUUID } from 'node:crypto';
import { createServer, request, Agent, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AGENT_DEFAULTS, type AgentDefinition } from '../../src/core/agents/definition';
import { InstantChatModel } from '../../src/core/models/instant';
import type { ChatModel, ModelResolver } from '../../src/core/models/types';
import type { AopServer } from '../../src/core/server/aop-server';
import { AopHost } from '../../src/core/host/aop-host';
import type { HostServerSettings } from '../../src/core/host/host-settings';
import { NodeHttpClientTransport } from '../../src/core/mcp-client';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';

export interface Closeable {
  close(): Promise<void>;
}

export function listenOn(server: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The physical limit: a keep-alive POST that echoes a small JSON body. */
export async function startRawEcho(): Promise<{ port: number } & Closeable> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listenOn(server);
  return { port, close: () => closeHttp(server) };
}

export function rawPoster(port: number): { post(body: string): Promise<string> } & Closeable {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    post(body: string) {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/mcp',
            method: 'POST',
            agent,
            headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/**
 * The bare SDK pair's server: McpServer + StreamableHTTPServerTransport (stateful, one transport per
 * session, as in the SDK README) with one tool equivalent to an agent tool.
 */
export async function startSdkServer(
  answer: (task: string) => Promise<string> | string = (task) => task,
): Promise<{ url: string } & Closeable> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const newMcp = () => {
    const mcp = new McpServer({ name: 'sdk-bench', version: '0' });
    mcp.registerTool(
      'echo',
      {
        description: 'Echoes the task.',
        inputSchema: { task: z.string() },
        outputSchema: { result: z.string(), success: z.boolean(), error: z.string().nullable() },
      },
      async ({ task }) => {
        const out = { result: await answer(task), success: true, error: null };
        return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
      },
    );
    return mcp;
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const sid = req.headers['mcp-session-id'] as string | undefined;
    let transport = sid ? sessions.get(sid) : undefined;
    if (!transport && req.method === 'POST' && isInitializeRequest(body)) {
      const t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, t),
      });
      t.onclose = () => {
        if (t.sessionId) sessions.delete(t.sessionId);
      };
      await newMcp().connect(t);
      transport = t;
    }
    if (!transport) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  server.keepAliveTimeout = 65_000;
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      await closeHttp(server);
    },
  };
}

export function benchAgent(name: string, over: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    id: `bench-${name}`,
    name,
    description: `Benchmark agent ${name}: answers with its task.`,
    provider: 'openai',
    model: 'instant',
    maxLoops: 1,
    timeout: AGENT_DEFAULTS.timeout,
    maxRetries: 0,
    maxConcurrency: 64,
    queueLimit: AGENT_DEFAULTS.queueLimit,
    tags: ['bench'],
    capabilities: ['echo'],
    role: 'worker',
    systemPrompt: `You are ${name}.`,
    source: { file: `/bench/${name}.agent.md`, kind: 'aop' },
    ...over,
  };
}

/** Our AopServer with agents answered by an in-process model (instant by default), or by a resolver. */
export async function startAop(
  agents: AgentDefinition[],
  model: ChatModel | ModelResolver = new InstantChatModel(),
  serverSettings: HostServerSettings = {},
): Promise<{ server: AopServer; url: string } & Closeable> {
  const host = new AopHost(
    { roots: [], agents, watch: false, server: { port: 0, ...serverSettings } },
    { models: typeof model === 'function' ? model : () => model },
  );
  const server = await host.start();
  return { server, url: server.url!, close: () => host.close() };
}

export async function sdkClient(url: string): Promise<Client> {
  const client = new Client({ name: 'bench-sdk', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export async function nodeClient(url: string, agent?: Agent): Promise<Client> {
  return (await nodeClientWithTransport(url, agent)).client;
}

export async function nodeClientWithTransport(
  url: string,
  agent?: Agent,
  maxResponseBytes?: number,
): Promise<{ client: Client; transport: NodeHttpClientTransport }> {
  const client = new Client({ name: 'bench-node', version: '0' });
  const transport = new NodeHttpClientTransport(new URL(url), { agent, maxResponseBytes });
  await client.connect(transport);
  return { client, transport };
}

/** A raw POST on an existing session: server time + wire, no client-side parsing or validation. */
export function rawSessionPost(url: string, sessionId: string, body: string, agent: Agent): Promise<{ status: number; bytes: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Mcp-Session-Id': sessionId,
          'MCP-Protocol-Version': '2025-06-18',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Our cluster client (AopCluster: NodeHttpClientTransport, raw client.request, breaker, routing) on the given servers. */
export async function clusterClient(urls: string[], over: Record<string, unknown> = {}): Promise<AopCluster> {
  const cluster = new AopCluster(parseClusterConfig({ name: 'bench', servers: urls, ...over }));
  await cluster.discover();
  return cluster;
}

/**
 * One federation hop: server B (no agents of its own) re-exports server A's agents through an
 * AopCluster; a call to B's `bench__<agent>` goes client → B → A.
 */
export async function startFederatedPair(
  agents: AgentDefinition[],
): Promise<{ a: { server: AopServer; url: string }; b: { server: AopServer; url: string } } & Closeable> {
  const a = await startAop(agents);
  // B is a host like `aop serve --cluster`: federated calls are traced, as users run them.
  const host = new AopHost(
    { roots: [], watch: false, server: { port: 0 }, clusters: [{ config: parseClusterConfig({ name: 'bench', servers: [a.url] }) }] },
    { models: () => new InstantChatModel() },
  );
  const server = await host.start();
  return {
    a,
    b: { server, url: server.url! },
    async close() {
      await host.close();
      await a.close();
    },
  };
}
