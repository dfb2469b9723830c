import { createServer, type Server, type Socket } from 'node:net';
import { InstantChatModel } from '../../src/core/models/instant';
import { AopServer, type AopServerOptions } from '../../src/core/server/aop-server';
import { parseClusterConfig, type ClusterConfigInput } from '../../src/core/cluster/config';
import { AopCluster, type AopClusterOptions } from '../../src/core/cluster/cluster';
import { makeAgent } from './agents';

export interface Member {
  server: AopServer;
  url: string;
  port: number;
  /** Stops the server (port closed, connections dropped). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same agents. */
  restart(): Promise<void>;
}

/**
 * A real AOP server whose agents answer "<server name>: <task>" at once (or after `delayMs`),
 * so tests can see which replica served a call.
 */
export async function startMember(
  name: string,
  agentNames: string[],
  opts: Partial<AopServerOptions> & { delayMs?: number } = {},
): Promise<Member> {
  const make = async (port: number) => {
    const model = new InstantChatModel((task) => `${name}: ${task}`);
    const delayed = opts.delayMs
      ? {
          id: 'delayed',
          complete: async (req: Parameters<InstantChatModel['complete']>[0]) => {
            await new Promise<void>((resolve, reject) => {
              const t = setTimeout(resolve, opts.delayMs);
              req.signal.addEventListener('abort', () => {
                clearTimeout(t);
                reject(new Error('aborted'));
              });
            });
            return model.complete(req);
          },
        }
      : model;
    const server = new AopServer({ name, id: name, port, models: () => delayed, ...opts });
    server.setAgents(agentNames.map((n) => makeAgent({ name: n, provider: 'openai', maxRetries: 0 })));
    const { url, port: actual } = await server.listen();
    return { server, url, port: actual };
  };
  let current = await make(0);
  const member: Member = {
    server: current.server,
    url: current.url,
    port: current.port,
    async stop() {
      await member.server.close();
    },
    async restart() {
      current = await make(member.port);
      member.server = current.server;
    },
  };
  return member;
}

/** A TCP server that accepts connections and never answers (a hung server). */
export async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export function makeCluster(config: Partial<ClusterConfigInput> & { servers: ClusterConfigInput['servers'] }, opts?: AopClusterOptions): AopCluster {
  return new AopCluster(parseClusterConfig({ name: 'test', timeout_ms: 5000, ...config }), opts);
}
