import type { Etcd3 } from 'etcd3';
import type { RemoteAgentInfo } from '../cluster/remote-agents';
import { openEtcd, type EtcdCredentials, etcdCredentialsFromEnv } from './etcd';
import { parseRegistryUrl, type RegistryTarget } from './url';
import type { RegistryMember, RegistryViewStatus, RegistryWatcher } from './watcher';

export interface MembershipOptions {
  credentials?: EtcdCredentials;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** What membership feeds: the cluster's announced members and its `membership` event. */
export interface MembershipTarget {
  upsertAnnounced(id: string, server: { url: string; name: string }, infos: RemoteAgentInfo[]): void;
  removeAnnounced(id: string): void;
  emit(event: 'membership', status: RegistryViewStatus): boolean;
}

/**
 * Feeds a cluster from an etcd registry: every announced server becomes a member of the cluster
 * with the agents of its record (no discovery round trip); members leave when their key does.
 */
export class RegistryMembership {
  readonly target: RegistryTarget;
  private client?: Etcd3;
  private watcher?: RegistryWatcher;
  readonly ready: Promise<void>;
  private closed = false;
  private openError?: string;

  constructor(
    private readonly cluster: MembershipTarget,
    url: string,
    private readonly opts: MembershipOptions = {},
  ) {
    this.target = parseRegistryUrl(url);
    this.ready = this.open();
  }

  private async open(): Promise<void> {
    try {
      this.client = await openEtcd(this.target, this.opts.credentials ?? etcdCredentialsFromEnv());
    } catch (err) {
      this.openError = err instanceof Error ? err.message : String(err);
      this.opts.log?.('warn', `registry ${this.target.url}: ${this.openError}`);
      return;
    }
    // the watcher and the record checks build zod schemas when loaded: only a cluster with a registry loads them (bench/NOTES.md, CLI cold start)
    const [{ RegistryWatcher }, { recordInfos }] = await Promise.all([import('./watcher'), import('./record')]);
    if (this.closed) return void this.client.close();
    const w = new RegistryWatcher({ client: this.client, target: this.target, log: this.opts.log });
    this.watcher = w;
    w.on('join', (m) => this.cluster.upsertAnnounced(m.id, memberServer(m), recordInfos(m.record)));
    w.on('update', (m) => this.cluster.upsertAnnounced(m.id, memberServer(m), recordInfos(m.record)));
    w.on('leave', (m) => this.cluster.removeAnnounced(m.id));
    w.on('status', () => this.cluster.emit('membership', this.status()));
    await w.start();
  }

  status(): RegistryViewStatus {
    return (
      this.watcher?.status() ?? {
        url: this.target.url,
        stale: true,
        lastError: this.openError ?? 'connecting',
        members: 0,
        rejected: 0,
      }
    );
  }

  members(): RegistryMember[] {
    return this.watcher?.list() ?? [];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => {});
    await this.watcher?.close();
    this.client?.close();
  }
}

function memberServer(m: RegistryMember): { url: string; name: string } {
  return { url: m.record.url, name: m.record.name };
}
