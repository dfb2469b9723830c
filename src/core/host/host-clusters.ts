import { AopCluster } from '../cluster/cluster';
import type { ServerHealth } from '../cluster/server-health';
import { federate } from '../cluster/federation';
import type { AopServer } from '../server/aop-server';
import { traceFederatedCalls } from '../tracing/federation';
import type { HostCluster } from './host-settings';

export type ClusterChange = 'health' | 'registry' | 'membership';

/**
 * The clusters of one host and their federation into its server (paper §5.5): tools re-exported as
 * `<alias>__<tool>` within one shared tool budget, calls traced, `<cluster>/<agent>` reachable by
 * orchestrating agents.
 */
export class HostClusters {
  private list: AopCluster[] = [];
  private unfederate: Array<() => void> = [];

  constructor(private readonly changed: (cluster: AopCluster, change: ClusterChange, health?: ServerHealth) => void) {}

  all(): AopCluster[] {
    return this.list;
  }

  /** By name or alias. */
  get(name: string): AopCluster | undefined {
    return this.list.find((c) => c.name === name) ?? this.list.find((c) => c.alias === name);
  }

  /** Closes the clusters there are and builds these (they refresh themselves from now on). */
  async replace(specs: readonly HostCluster[], selfId: string): Promise<void> {
    await this.close();
    for (const spec of specs) {
      const cluster = new AopCluster(spec.config, { ...spec.options, selfId });
      cluster.on('health', (h) => this.changed(cluster, 'health', h));
      cluster.on('registry', () => this.changed(cluster, 'registry'));
      cluster.on('membership', () => this.changed(cluster, 'membership'));
      cluster.startAutoRefresh();
      this.list.push(cluster);
    }
  }

  /** Re-exports every cluster's tools on `server`; `maxRemoteTools` is shared, in cluster order. */
  federateInto(server: AopServer, maxRemoteTools?: number): void {
    this.unfederateAll();
    let budget = maxRemoteTools ?? Infinity;
    const share = maxRemoteTools === undefined ? undefined : { remaining: () => budget, take: (n: number) => (budget -= n) };
    for (const cluster of this.list) {
      this.unfederate.push(federate(server, cluster, { budget: share, wrapCall: traceFederatedCalls(server.tracing) }));
      server.clusters.set(cluster.name, cluster);
      this.unfederate.push(() => server.clusters.delete(cluster.name));
    }
  }

  /** First discovery of every cluster; a dead cluster is reported by its health, not thrown. */
  async discover(): Promise<void> {
    await Promise.all(this.list.map((c) => c.discover().catch(() => undefined)));
  }

  unfederateAll(): void {
    for (const u of this.unfederate.splice(0)) u();
  }

  async close(): Promise<void> {
    this.unfederateAll();
    const old = this.list;
    this.list = [];
    await Promise.allSettled(old.map((c) => c.close()));
  }
}
