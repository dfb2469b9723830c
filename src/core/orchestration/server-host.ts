import type { AopCluster } from '../cluster/cluster';
import type { ServerContext } from '../server/server-context';
import type { OrchestrationHost } from './host';

/** An AopServer as the host of orchestration (until the host object owns it). */
export function serverHost(server: ServerContext, clusters: ReadonlyMap<string, AopCluster>): OrchestrationHost {
  return {
    get id() {
      return server.id;
    },
    agent: (name) => server.agent(name),
    agents: () => server.agents(),
    invokeLocal: (name, args, ctx) => {
      const entry = server.tools.get(name);
      if (!entry || entry.kind !== 'agent') return Promise.reject(new Error(`agent ${name} has been removed`));
      return entry.handler(args, ctx);
    },
    cluster: (name) => clusters.get(name) ?? [...clusters.values()].find((c) => c.alias === name),
    clusterNames: () => [...clusters.keys()],
    remote: server.remote,
    tracing: server.tracing,
    get url() {
      return server.url;
    },
  };
}
