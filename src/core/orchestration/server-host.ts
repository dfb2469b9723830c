import type { AopCluster } from '../cluster/cluster';
import type { ServerContext } from '../server/server-context';
import type { RemoteToolRef, ToolCallContext } from '../server/tool-registry';
import type { OrchestrationHost } from './host';

/** An AopServer as the host of orchestration (until the host object owns it). */
export function serverHost(server: ServerContext, clusters: ReadonlyMap<string, AopCluster>): OrchestrationHost {
  return new ServerHost(server, clusters);
}

class ServerHost implements OrchestrationHost {
  readonly remote: ReadonlyMap<string, RemoteToolRef>;
  readonly tracing: ServerContext['tracing'];

  constructor(
    private readonly server: ServerContext,
    private readonly clusters: ReadonlyMap<string, AopCluster>,
  ) {
    this.remote = server.remote;
    this.tracing = server.tracing;
  }

  get id(): string {
    return this.server.id;
  }

  /** The server's URL once it listens (it may listen after this host is made). */
  get url(): string | undefined {
    return this.server.url;
  }

  agent(name: string) {
    return this.server.agent(name);
  }

  agents() {
    return this.server.agents();
  }

  invokeLocal(name: string, args: Record<string, unknown>, ctx: ToolCallContext) {
    const entry = this.server.tools.get(name);
    if (!entry || entry.kind !== 'agent') return Promise.reject(new Error(`agent ${name} has been removed`));
    return entry.handler(args, ctx);
  }

  cluster(name: string) {
    return this.clusters.get(name) ?? [...this.clusters.values()].find((c) => c.alias === name);
  }

  clusterNames() {
    return [...this.clusters.keys()];
  }
}
