import { EventEmitter } from 'node:events';
import * as vscode from 'vscode';
import { AopCluster } from '../core/cluster/cluster';
import { envLookup, parseClusterConfig, type ClusterConfigInput } from '../core/cluster/config';
import { federate } from '../core/cluster/federation';
import { traceFederatedCalls } from '../core/tracing/federation';
import type { AopServer } from '../core/server/aop-server';
import { readSettings } from './settings';
import type { ClusterAuthOptions } from '../core/cluster/auth/cluster-auth';
import type { Approver } from '../core/cluster/auth/mcp-oauth';
import { SecretStorageCredentialStore } from './sign-in';

/** SecretStorage key of a cluster's bearer token. */
export const clusterSecretKey = (cluster: string) => `aop.cluster.${cluster}.token`;

export interface ClusterProblem {
  name: string;
  error: string;
}

/**
 * The clusters of the `aop.clusters` setting: one AopCluster each, tokens from SecretStorage
 * (never settings or logs), federated into the local server within the chat tool budget.
 */
export class ClusterManager extends EventEmitter<{ changed: [] }> implements vscode.Disposable {
  private clusters: AopCluster[] = [];
  private unfederate: Array<() => void> = [];
  problems: ClusterProblem[] = [];
  /** MCP authorization: sign-ins in SecretStorage; a server that needs one shows "Sign in" in the explorer. */
  private readonly auth: ClusterAuthOptions;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.auth = { store: new SecretStorageCredentialStore(secrets), signInHint: () => 'use "Sign in" on this server in the AOP explorer' };
  }

  all(): AopCluster[] {
    return this.clusters;
  }

  get(name: string): AopCluster | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  /** Rebuilds every cluster from the settings (after a change) and federates them into `server`. */
  async reload(server: AopServer | undefined): Promise<void> {
    await this.closeAll();
    const settings = readSettings();
    const secrets = new Map<string, string>();
    const problems: ClusterProblem[] = [];
    for (const raw of settings.clusters) {
      const name = (raw as { name?: string }).name ?? '(unnamed)';
      try {
        const config = parseClusterConfig({ cache_ttl_s: settings.cacheTtlSeconds, ...raw }, `aop.clusters "${name}"`);
        const token = await this.secrets.get(clusterSecretKey(config.name));
        if (token) secrets.set(config.name, token);
        const servers = config.servers.map((s) =>
          token && !Object.keys(s.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')
            ? { ...s, headers: { ...s.headers, Authorization: `Bearer \${secret:${config.name}}` } }
            : s,
        );
        const env = envLookup();
        // Servers found in the registry get the cluster's token too.
        const headers =
          config.registry && token && !Object.keys(config.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')
            ? { ...config.headers, Authorization: `Bearer \${secret:${config.name}}` }
            : config.headers;
        const cluster = new AopCluster(
          { ...config, servers, headers },
          {
            selfId: server?.id,
            auth: this.auth,
            lookup: (kind, key) => (kind === 'secret' ? secrets.get(key) : env(kind, key)),
            registry: { log: (level, message) => (level === 'warn' ? this.log.warn(message) : this.log.info(message)) },
          },
        );
        cluster.on('membership', () => this.emit('changed'));
        cluster.on('health', () => this.emit('changed'));
        cluster.on('registry', () => this.emit('changed'));
        cluster.startAutoRefresh();
        this.clusters.push(cluster);
      } catch (err) {
        problems.push({ name, error: err instanceof Error ? err.message : String(err) });
        this.log.error(`cluster ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.problems = problems;
    if (server) this.federateInto(server, settings.maxRemoteTools);
    this.emit('changed');
    await Promise.all(this.clusters.map((c) => c.discover().catch(() => undefined)));
  }

  private federateInto(server: AopServer, maxRemoteTools: number): void {
    // The chat budget is shared by all clusters, in settings order.
    let budget = maxRemoteTools;
    for (const cluster of this.clusters) {
      const share = { remaining: () => budget, take: (n: number) => (budget -= n) };
      this.unfederate.push(federate(server, cluster, { budget: share, wrapCall: traceFederatedCalls(server.tracing) }));
      server.clusters.set(cluster.name, cluster);
      this.unfederate.push(() => server.clusters.delete(cluster.name));
    }
  }

  async addCluster(config: ClusterConfigInput): Promise<void> {
    const c = vscode.workspace.getConfiguration('aop');
    const list = [...c.get<ClusterConfigInput[]>('clusters', [])].filter((x) => x.name !== config.name);
    list.push(config);
    await c.update('clusters', list, vscode.ConfigurationTarget.Global);
  }

  async removeCluster(name: string): Promise<void> {
    const c = vscode.workspace.getConfiguration('aop');
    const list = c.get<ClusterConfigInput[]>('clusters', []).filter((x) => x.name !== name);
    await c.update('clusters', list, vscode.ConfigurationTarget.Global);
    await this.secrets.delete(clusterSecretKey(name));
  }

  /** Signs in to one server of a cluster (the explorer's "Sign in"). */
  async signIn(cluster: string, serverId: string, approver: Approver): Promise<void> {
    const c = this.get(cluster);
    if (!c) throw new Error(`no cluster named ${cluster}`);
    await c.signIn(serverId, approver);
    this.emit('changed');
  }

  async signOut(cluster: string, serverId: string): Promise<void> {
    await this.get(cluster)?.signOut(serverId);
    this.emit('changed');
  }

  async setToken(name: string, token: string): Promise<void> {
    await this.secrets.store(clusterSecretKey(name), token);
  }

  private async closeAll(): Promise<void> {
    for (const u of this.unfederate) u();
    this.unfederate = [];
    const old = this.clusters;
    this.clusters = [];
    await Promise.allSettled(old.map((c) => c.close()));
  }

  dispose(): void {
    void this.closeAll();
  }
}
