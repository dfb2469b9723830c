import * as http from 'node:http';
import { nodeHttps } from '../lazy-builtins';

const pools = new Map<string, http.Agent>();

/** The shared keep-alive agent of an origin (every MCP client transport to it uses this pool). */
export function pooledAgent(url: URL): http.Agent {
  const origin = url.origin;
  let agent = pools.get(origin);
  if (!agent) {
    const opts: http.AgentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' };
    agent = url.protocol === 'https:' ? new (nodeHttps().Agent)(opts) : new http.Agent(opts);
    pools.set(origin, agent);
  }
  return agent;
}

/** Destroys every pooled connection (all origins); later requests open new ones. */
export function destroyPooledAgents(): void {
  for (const a of pools.values()) a.destroy();
  pools.clear();
}
