/**
 * Real etcd (Debian's etcd-server, installed by scripts/etcd-setup.sh) on 127.0.0.1 and free
 * ports, with a temporary data dir: one member, or a cluster of several for fault tests.
 *
 *   const etcd = await startEtcd({ members: 3 });
 *   etcd.url('/aop')            // etcd://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/aop
 *   await etcd.kill(0)          // kill -9 one member
 *   await etcd.restart(0)       // same ports, same data
 *   await etcd.stop()
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cachedBinary: string | null | undefined;

/** Path of the etcd binary, or undefined when it is not installed. */
export function etcdBinary(): string | undefined {
  if (cachedBinary === undefined) {
    const r = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
    cachedBinary = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  }
  return cachedBinary ?? undefined;
}

/** Why the etcd tests cannot run here (printed as the skip reason), or undefined. */
export function etcdSkipReason(): string | undefined {
  return etcdBinary() ? undefined : 'etcd is not installed (scripts/etcd-setup.sh installs Debian\'s etcd-server; it needs apt and root)';
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  endpoint: string;
  process?: ChildProcess;
  log: string;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** `etcd://host:port,…/<prefix>` over every member. */
  url(prefix: string): string;
  endpoints(): string[];
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  /** Waits until member i answers /health with true. */
  healthy(i: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcd(opts: { members?: number } = {}): Promise<EtcdCluster> {
  const bin = etcdBinary();
  if (!bin) throw new Error(etcdSkipReason());
  const n = opts.members ?? 1;
  const base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'aop-etcd-'));
  const token = `aop-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const members: EtcdMember[] = [];
  for (let i = 0; i < n; i++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    members.push({ name: `m${i}`, clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, log: '' });
  }
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');

  const launch = (m: EtcdMember) => {
    const args = [
      '--name', m.name,
      '--data-dir', join(base, m.name),
      '--listen-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', token,
      '--initial-cluster-state', 'new',
      // A loaded 2-core machine: quick elections, but not so quick that they flap.
      '--heartbeat-interval', '100',
      '--election-timeout', '1000',
      '--log-level', 'warn',
    ];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' } });
    m.log = '';
    child.stderr!.on('data', (c: Buffer) => {
      m.log = (m.log + c.toString()).slice(-20_000);
    });
    m.process = child;
  };

  const healthy = async (i: number, timeoutMs = 30_000) => {
    const m = members[i];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await fetch(`http://${m.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await r.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not up yet
      }
      if (m.process?.exitCode !== null && m.process?.exitCode !== undefined) throw new Error(`etcd ${m.name} exited: ${m.log.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`etcd ${m.name} not healthy within ${timeoutMs} ms: ${m.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async (i: number) => {
    const p = members[i].process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await exited;
  };

  for (const m of members) launch(m);
  const cluster: EtcdCluster = {
    members,
    url: (prefix) => `etcd://${members.map((m) => m.endpoint).join(',')}${prefix}`,
    endpoints: () => members.map((m) => `http://${m.endpoint}`),
    kill,
    async restart(i) {
      await kill(i);
      launch(members[i]);
      await healthy(i);
    },
    healthy,
    async stop() {
      await Promise.all(members.map((_, i) => kill(i)));
      rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(members.map((_, i) => healthy(i)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
