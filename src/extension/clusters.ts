import { EventEmitter } from 'node:events';
import * as vscode from 'vscode';
import { type AopCluster, envLookup, parseClusterConfig, type ClusterConfigInput, type SecretLookup, type AopHost, type HostCluster, type ClusterAuthOptions, type Approver } from '../core';
import { readSettings } from './settings';
import { SecretStorageCredentialStore } from './sign-in';

/** SecretStorage key of a cluster's bearer token. */
export const clusterSecretKey = (cluster: string) => `aop.cluster.${cluster}.token`;

export interface ClusterProblem {
  name: string;
  error: string;
}

/**
 * The clusters of the `aop.clusters` setting: one AopCluster each in the window's host, tokens from
 * SecretStorage (never settings or logs), federated into the local server within the chat tool budget.
 */
export class ClusterManager extends EventEmitter<{ changed: [] }> implements vscode.Disposable {
  problems: ClusterProblem[] = [];
  /** MCP authorization: sign-ins in SecretStorage; a server that needs one shows "Sign in" in the explorer. */
  private readonly auth: ClusterAuthOptions;
  private readonly changed = () => this.emit('changed');

  /** The window's host, once its bundle is loaded (no cluster before). */
  private host?: AopHost;
  private disposed = false;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    /** Settles with the host when its bundle is loaded (after activation). */
    private readonly loaded: Promise<AopHost>,
  ) {
    super();
    this.auth = { store: new SecretStorageCredentialStore(secrets), signInHint: () => 'use "Sign in" on this server in the AOP explorer' };
    loaded.then(
      (host) => {
        if (this.disposed) return;
        this.host = host;
        host.on('cluster', this.changed);
        host.on('clusters', this.changed);
      },
      () => undefined, // reported by AgentExtension; reload() rejects with it
    );
  }

  all(): AopCluster[] {
    return this.host?.clusters() ?? [];
  }

  get(name: string): AopCluster | undefined {
    return this.host?.cluster(name);
  }

  /** Rebuilds every cluster from the settings and SecretStorage; the host federates them into its server. */
  async reload(): Promise<void> {
    const host = await this.loaded;
    const settings = readSettings();
    const specs: HostCluster[] = [];
    const problems: ClusterProblem[] = [];
    const tokens = new Map<string, string>();
    const lookup: SecretLookup = (kind, key) => (kind === 'secret' ? tokens.get(key) : env(kind, key));
    const env = envLookup();
    for (const raw of settings.clusters) {
      const name = (raw as { name?: string }).name ?? '(unnamed)';
      try {
        const config = parseClusterConfig({ cache_ttl_s: settings.cacheTtlSeconds, ...raw }, `aop.clusters "${name}"`);
        const token = await this.secrets.get(clusterSecretKey(config.name));
        if (token) tokens.set(config.name, token);
        const servers = config.servers.map((s) =>
          token && !Object.keys(s.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')
            ? { ...s, headers: { ...s.headers, Authorization: `Bearer \${secret:${config.name}}` } }
            : s,
        );
        // Servers found in the registry get the cluster's token too.
        const headers =
          config.registry && token && !Object.keys(config.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')
            ? { ...config.headers, Authorization: `Bearer \${secret:${config.name}}` }
            : config.headers;
        specs.push({
          config: { ...config, servers, headers },
          options: {
            auth: this.auth,
            lookup,
            registry: { log: (level, message) => (level === 'warn' ? this.log.warn(message) : this.log.info(message)) },
          },
        });
      } catch (err) {
        problems.push({ name, error: err instanceof Error ? err.message : String(err) });
        this.log.error(`cluster ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.problems = problems;
    await host.setClusters(specs, settings.maxRemoteTools);
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

  dispose(): void {
    this.disposed = true;
    this.host?.off('cluster', this.changed);
    this.host?.off('clusters', this.changed);
  }
}
