import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AgentDefinition } from '../../src/core/agents/definition';
import { createModelResolver } from '../../src/core/models/resolver';
import type { ModelResolver } from '../../src/core/models/types';
import { AopServer, type AopServerOptions } from '../../src/core/server/aop-server';
import { makeAgent } from './agents';

export interface TestServer {
  server: AopServer;
  url: string;
  port: number;
  /** A real SDK client session over HTTP. */
  connect(headers?: Record<string, string>): Promise<Client>;
  close(): Promise<void>;
}

/** Starts a real AopServer on 127.0.0.1 and an ephemeral port. */
export async function startServer(
  agents: AgentDefinition[],
  opts: Partial<AopServerOptions> & { openAiUrl?: string } = {},
): Promise<TestServer> {
  const models: ModelResolver = opts.models ?? createModelResolver({ env: {}, defaultBaseUrl: opts.openAiUrl });
  const server = new AopServer({ port: 0, initialBackoffMs: 20, maxBackoffMs: 200, ...opts, models });
  server.setAgents(agents);
  const { url, port } = await server.listen();
  const clients: Client[] = [];
  return {
    server,
    url,
    port,
    async connect(headers = {}) {
      const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
      const client = new Client({ name: 'test', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { ...auth, ...headers } } }));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/** Polls until `predicate` holds or `timeoutMs` passes. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Repeats `trigger` until `arrived()` holds. A notification the server sends before the client's
 * GET stream is open is lost (there is nothing to send it on), so a test waits for the
 * notification itself, not for a time.
 */
export async function untilNotified(trigger: () => void, arrived: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!arrived()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    trigger();
    const next = Date.now() + 200;
    while (!arrived() && Date.now() < next) await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Returns once tools/list_changed from `server` reaches the client (its GET stream is open):
 * adds probe agents until a notification arrives, removes them and waits for those notifications
 * too, so the caller's count is settled. `count` reads the client's notification counter.
 */
export async function untilNotificationsFlow(server: AopServer, count: () => number, timeoutMs = 15_000): Promise<void> {
  const start = count();
  let n = 0;
  await untilNotified(() => server.upsertAgent(makeAgent({ name: `probe-${n++}` })), () => count() > start, 'the first tools/list_changed', timeoutMs);
  for (let i = 0; i < n; i++) {
    const seen = count();
    server.removeAgent(`probe-${i}`);
    await waitUntil(() => count() > seen, timeoutMs, 'tools/list_changed for a removed probe');
  }
}
