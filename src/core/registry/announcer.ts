import { EventEmitter } from 'node:events';
import type { Etcd3, Lease } from 'etcd3';
import { etcdErrorMessage } from './etcd';
import type { ServerRecord } from './record';
import { serverKey, type RegistryTarget } from './url';

export interface AnnouncerOptions {
  client: Etcd3;
  target: RegistryTarget;
  /** Server id: the key is `<prefix>/servers/<id>`. */
  id: string;
  /** Lease TTL in seconds (≥ 1): a server that stops keeping it alive leaves after this long. */
  ttlSeconds: number;
  /** The record to write, read each time it is (re)written. */
  record: () => ServerRecord;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/**
 * Announces one server in etcd: puts its record under a lease it keeps alive, rewrites it when
 * asked (agents changed), registers again after the lease was lost (etcd down longer than the
 * TTL) and revokes the lease on close, so the server leaves at once.
 */
export class RegistryAnnouncer extends EventEmitter<{ registered: [ServerRecord]; lost: [string] }> {
  private lease?: Lease;
  private registered = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private retryTimer?: NodeJS.Timeout;
  private rewriteTimer?: NodeJS.Timeout;
  private retryDelay = 200;
  private lastProblem?: string;
  private written?: string;
  readonly key: string;

  constructor(private readonly opts: AnnouncerOptions) {
    super();
    if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 1 || opts.ttlSeconds > 3600) {
      throw new RangeError(`registry TTL must be a whole number of seconds from 1 to 3600, got ${opts.ttlSeconds}`);
    }
    this.key = serverKey(opts.target, opts.id);
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.opts.log?.(level, `registry ${this.opts.target.url}: ${message}`);
  }

  /** Registers (one attempt now, retries in the background). Resolves after the first attempt. */
  start(): Promise<void> {
    return this.enqueue(() => this.register());
  }

  /** The record changed: rewrite it (bursts coalesce into one write). */
  update(): void {
    if (this.closed || this.rewriteTimer) return;
    this.rewriteTimer = setTimeout(() => {
      this.rewriteTimer = undefined;
      void this.enqueue(() => (this.registered ? this.write() : Promise.resolve()));
    }, 10);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step, step).catch(() => {});
    return this.chain;
  }

  private async register(): Promise<void> {
    if (this.closed || this.registered) return;
    const lease = this.opts.client.lease(this.opts.ttlSeconds);
    this.lease = lease;
    lease.on('lost', (err) => {
      if (this.lease !== lease || this.closed || !this.registered) return;
      this.registered = false;
      this.lease = undefined;
      const why = etcdErrorMessage(err);
      this.log('warn', `lost the registration of ${this.opts.id} (${why}); registering again`);
      this.emit('lost', why);
      this.scheduleRetry(0);
    });
    try {
      await lease.grant();
      await this.writeWith(lease);
      if (this.closed) {
        void lease.revoke().catch(() => {});
        return;
      }
      if (this.lease !== lease) return;
      this.registered = true;
      this.retryDelay = 200;
      if (this.lastProblem) this.log('info', `registered ${this.opts.id} again`);
      else this.log('info', `registered ${this.opts.id} as ${this.key} (lease ttl ${this.opts.ttlSeconds} s)`);
      this.lastProblem = undefined;
      this.emit('registered', this.opts.record());
    } catch (err) {
      if (this.lease === lease) this.lease = undefined;
      lease.release();
      if (this.closed) return;
      const why = etcdErrorMessage(err);
      if (why !== this.lastProblem) this.log('warn', `cannot register ${this.opts.id}: ${why}; retrying (still serving)`);
      this.lastProblem = why;
      this.scheduleRetry(this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 2000);
    }
  }

  private scheduleRetry(ms: number): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.enqueue(() => this.register());
    }, ms);
    this.retryTimer.unref();
  }

  private async write(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    try {
      await this.writeWith(lease, true);
    } catch (err) {
      this.log('warn', `cannot update the record of ${this.opts.id}: ${etcdErrorMessage(err)}`);
      // The lease keeps the old record; the next change or re-registration writes the new one.
    }
  }

  private async writeWith(lease: Lease, onlyIfChanged = false): Promise<void> {
    const record = this.opts.record();
    // `load` alone changing is no reason to write: steady state is keep-alives only.
    const signature = JSON.stringify({ ...record, load: 0 });
    if (onlyIfChanged && signature === this.written) return;
    await lease.put(this.key).value(JSON.stringify(record));
    this.written = signature;
  }

  /** Revokes the lease (the record disappears at once); waits at most `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.rewriteTimer) clearTimeout(this.rewriteTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    // A registration under way (etcd slow or down) is not waited for past the deadline.
    await Promise.race([this.chain, deadline]);
    const lease = this.lease;
    this.lease = undefined;
    this.registered = false;
    if (lease) {
      await Promise.race([
        lease.revoke().catch((err) => this.log('warn', `cannot revoke the lease of ${this.opts.id}: ${etcdErrorMessage(err)}`)),
        deadline,
      ]);
      lease.release();
    }
    clearTimeout(timer);
  }
}
