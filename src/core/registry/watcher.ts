import { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { etcdErrorMessage } from './etcd';
import { parseServerRecord, type ServerRecord } from './record';
import { serversPrefix, type RegistryTarget } from './url';

/** One live server of the registry. */
export interface RegistryMember {
  /** The id of its key (`<prefix>/servers/<id>`). */
  id: string;
  record: ServerRecord;
  modRevision: number;
}

export interface RegistryViewStatus {
  url: string;
  /** True while etcd cannot be reached: the membership is the last one seen. */
  stale: boolean;
  /** Since when (epoch ms) it is stale. */
  staleSince?: number;
  lastError?: string;
  members: number;
  /** Records that were refused (bad JSON, out of bounds), by key. */
  rejected: number;
}

export interface RegistryWatcherOptions {
  client: Etcd3;
  target: RegistryTarget;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Most members kept; more are refused with a log line. Default 10,000. */
  maxMembers?: number;
}

/** Bounds on the key a peer can write under our prefix. */
const MAX_ID = 128;

/**
 * The registry seen from a cluster: reads `<prefix>/servers/` once, then watches it. Emits
 * join / update / leave per member. When etcd goes away the last membership stays (marked stale);
 * when it returns the view is read again and the difference emitted.
 */
export class RegistryWatcher extends EventEmitter<{
  join: [RegistryMember];
  update: [RegistryMember, RegistryMember];
  leave: [RegistryMember];
  status: [RegistryViewStatus];
}> {
  private readonly members = new Map<string, RegistryMember>();
  private readonly rejected = new Map<string, string>();
  private watcher?: Watcher;
  private stale = false;
  private staleSince?: number;
  private lastError?: string;
  /** Revision of the last full read: watch events at or before it are already applied. */
  private syncedRevision = 0;
  private closed = false;
  private resyncing?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private readonly prefix: string;
  private readonly maxMembers: number;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly opts: RegistryWatcherOptions) {
    super();
    this.prefix = serversPrefix(opts.target);
    this.maxMembers = opts.maxMembers ?? 10_000;
    this.ready = new Promise((r) => (this.markReady = r));
  }

  /** Starts reading and watching. `ready` resolves after the first read, or its failure (then stale). */
  start(): Promise<void> {
    void this.resync();
    return this.ready;
  }

  list(): RegistryMember[] {
    return [...this.members.values()];
  }

  get(id: string): RegistryMember | undefined {
    return this.members.get(id);
  }

  status(): RegistryViewStatus {
    return {
      url: this.opts.target.url,
      stale: this.stale,
      staleSince: this.staleSince,
      lastError: this.lastError,
      members: this.members.size,
      rejected: this.rejected.size,
    };
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.opts.log?.(level, `registry ${this.opts.target.url}: ${message}`);
  }

  /** Full read of the prefix (deduplicated), then a watch from the next revision. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        const res = await this.opts.client.getAll().prefix(this.prefix).limit(this.maxMembers + 1).exec();
        if (this.closed) return;
        const revision = Number(res.header.revision);
        const seen = new Set<string>();
        for (const kv of res.kvs.slice(0, this.maxMembers)) {
          const id = this.apply(kv);
          if (id) seen.add(id);
        }
        if (res.kvs.length > this.maxMembers) this.log('warn', `more than ${this.maxMembers} servers registered; the rest are ignored`);
        for (const [id, m] of [...this.members]) {
          if (!seen.has(id)) {
            this.members.delete(id);
            this.emit('leave', m);
          }
        }
        for (const key of [...this.rejected.keys()]) if (!res.kvs.some((kv) => kv.key.toString() === key)) this.rejected.delete(key);
        this.syncedRevision = revision;
        this.watch(revision + 1);
        this.setFresh();
      } catch (err) {
        if (this.closed) return;
        this.setStale(etcdErrorMessage(err));
        this.retryTimer = setTimeout(() => void this.resync(), 500);
        this.retryTimer.unref();
      } finally {
        this.resyncing = undefined;
        this.markReady();
      }
    })();
    return this.resyncing;
  }

  private watch(fromRevision: number): void {
    const old = this.watcher;
    this.watcher = undefined;
    if (old) void cancelWatcher(old);
    if (this.closed) return;
    // `.watcher()` attaches at once, so a stream that breaks before its first `connected` is seen
    // too (`.create()` would wait for that `connected` forever).
    const w = this.opts.client.watch().prefix(this.prefix).startRevision(String(fromRevision)).watcher();
    this.watcher = w;
    w.on('put', (kv) => {
      if (Number(kv.mod_revision) > this.syncedRevision) this.apply(kv);
    });
    w.on('delete', (kv) => {
      if (Number(kv.mod_revision) > this.syncedRevision) this.remove(kv.key.toString());
    });
    w.on('disconnected', (err) => this.setStale(etcdErrorMessage(err)));
    // Reconnected: read everything again (events may have been compacted away meanwhile).
    w.on('connected', () => {
      if (this.stale) void this.resync();
    });
    w.on('error', (err) => {
      this.setStale(etcdErrorMessage(err));
      if (!this.closed && this.watcher === w) {
        this.retryTimer = setTimeout(() => void this.resync(), 500);
        this.retryTimer.unref();
      }
    });
  }

  /** Applies one key's value; returns its member id when it is a valid member. */
  private apply(kv: IKeyValue): string | undefined {
    const key = kv.key.toString();
    const id = key.slice(this.prefix.length);
    if (!id || id.length > MAX_ID || id.includes('/')) return undefined;
    const parsed = parseServerRecord(kv.value);
    if ('error' in parsed) {
      if (this.rejected.get(key) !== parsed.error) this.log('warn', `ignoring ${key}: ${parsed.error}`);
      this.removeMember(id);
      this.rejected.set(key, parsed.error);
      return undefined;
    }
    this.rejected.delete(key);
    const member: RegistryMember = { id, record: { ...parsed.record, id }, modRevision: Number(kv.mod_revision) };
    const before = this.members.get(id);
    if (before && before.modRevision >= member.modRevision) return id;
    if (!before && this.members.size >= this.maxMembers) return undefined;
    this.members.set(id, member);
    if (before) this.emit('update', member, before);
    else this.emit('join', member);
    return id;
  }

  private remove(key: string): void {
    this.rejected.delete(key);
    this.removeMember(key.slice(this.prefix.length));
  }

  private removeMember(id: string): void {
    const m = this.members.get(id);
    if (!m) return;
    this.members.delete(id);
    this.emit('leave', m);
  }

  private setStale(error: string): void {
    this.lastError = error;
    if (!this.stale) {
      this.stale = true;
      this.staleSince = Date.now();
      this.log('warn', `${error}; keeping the last ${this.members.size} member(s), marked stale`);
    }
    this.emit('status', this.status());
  }

  private setFresh(): void {
    const was = this.stale;
    this.stale = false;
    this.staleSince = undefined;
    if (was) this.log('info', `reachable again; ${this.members.size} member(s)`);
    this.emit('status', this.status());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const w = this.watcher;
    this.watcher = undefined;
    if (w) await cancelWatcher(w);
  }
}

/**
 * Cancels a watcher. etcd3 1.1 waits for an `end` that never comes when the stream broke
 * meanwhile, and keeps reconnecting a watcher it still lists even after the client is closed (a
 * timer that never stops). So while the stream is down the watcher is also taken off its manager's
 * list — never while it is connected, where a late answer for it would throw inside etcd3.
 */
async function cancelWatcher(w: Watcher): Promise<void> {
  const done = w.cancel().then(
    () => true,
    () => true,
  );
  const manager = (w as unknown as { manager?: { watchers?: Watcher[]; state?: number } }).manager;
  for (let waited = 0; waited < 10_000; waited += 250) {
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([done, new Promise<false>((r) => (timer = setTimeout(() => r(false), 250)))]);
    clearTimeout(timer);
    if (finished) return;
    if (manager && manager.state !== 2 && Array.isArray(manager.watchers)) {
      manager.watchers = manager.watchers.filter((x) => x !== w);
      return;
    }
  }
}
