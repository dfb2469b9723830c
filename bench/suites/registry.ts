/**
 * The etcd registry on loopback (a real etcd started here): `node --import tsx bench/suites/registry.ts [servers] [samples]`
 *  - join → routable: a server registers (lease + put) → a watching cluster routes its agent; p50 / p99
 *  - cold view: `servers` simulated registrations → a new AopCluster's first discover() sees them all; p50 / p99
 *  - steady state with `servers` leases kept alive (ttl 10 s): etcd raft proposals/s (writes) and
 *    LeaseKeepAlive messages/s, from etcd's own /metrics over a 10 s window
 * Prints one JSON line.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join as joinPath } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../../test/support/etcd';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { RegistryAnnouncer } from '../../src/core/registry/announcer';
import { openEtcd } from '../../src/core/registry/etcd';
import { benchRecord } from '../lib/registry-announcers';
import { parseRegistryUrl } from '../../src/core/registry/url';
import { summary } from '../lib/stats';

const SERVERS = Number(process.argv[2] ?? 1000);
const SAMPLES = Number(process.argv[3] ?? 30);
const TTL = 10;

const record = benchRecord;

async function metric(endpoint: string, names: RegExp): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (!line.startsWith('#') && names.test(line)) sum += Number(line.trim().split(/\s+/).pop());
  return sum;
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const url = etcd.url('/bench');
  const target = parseRegistryUrl(url);
  const client = await openEtcd(target);
  const cluster = (prefixUrl: string) => new AopCluster(parseClusterConfig({ name: 'bench', registry: prefixUrl }));

  // 1. join → routable
  const watching = cluster(url);
  await watching.discover();
  const join: number[] = [];
  const announcers: RegistryAnnouncer[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const agent = `join${i}`;
    const routable = new Promise<number>((resolve) => {
      const on = () => {
        if (watching.registry?.get(agent)) {
          watching.off('registry', on);
          resolve(performance.now());
        }
      };
      watching.on('registry', on);
    });
    const a = new RegistryAnnouncer({ client, target, id: `j${i}`, ttlSeconds: TTL, record: () => record(`j${i}`, [agent]) });
    announcers.push(a);
    const t0 = performance.now();
    await a.start();
    join.push((await routable) - t0);
  }
  await Promise.all(announcers.map((a) => a.close()));
  await watching.close();

  // 2. cold view of SERVERS registrations (each under its own lease, kept alive by another process:
  //    bench/lib/registry-announcers.ts; their keep-alives do not share this event loop)
  const coldUrl = etcd.url('/cold');
  const coldAnnouncers = fork(joinPath(__dirname, '..', 'lib', 'registry-announcers.ts'), [coldUrl, String(SERVERS), String(TTL)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { registered } = await new Promise<{ registered: number }>((resolve, reject) => {
    coldAnnouncers.once('message', (m) => resolve(m as { registered: number }));
    coldAnnouncers.once('exit', (code) => reject(new Error(`registry-announcers exited with ${code}`)));
  });
  const cold: number[] = [];
  const coldCpu: number[] = [];
  let seen = 0;
  for (let i = 0; i < Math.max(5, Math.floor(SAMPLES / 3)); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const c = cluster(coldUrl);
    await c.discover();
    cold.push(performance.now() - t0);
    const cpu = process.cpuUsage(c0);
    coldCpu.push((cpu.user + cpu.system) / 1000);
    seen = c.servers.length;
    await c.close();
  }

  // 3. steady state: only keep-alives
  const endpoint = etcd.endpoints()[0];
  const proposals = /^etcd_server_proposals_committed_total/;
  const keepalives = /^grpc_server_msg_received_total\{[^}]*grpc_method="LeaseKeepAlive"/;
  const puts = /^etcd_mvcc_put_total|^etcd_debugging_mvcc_put_total/;
  const p0 = await metric(endpoint, proposals);
  const k0 = await metric(endpoint, keepalives);
  const u0 = await metric(endpoint, puts);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const secs = (performance.now() - w0) / 1000;
  const p1 = await metric(endpoint, proposals);
  const k1 = await metric(endpoint, keepalives);
  const u1 = await metric(endpoint, puts);

  const gone = new Promise((r) => coldAnnouncers.once('exit', r));
  coldAnnouncers.send('close');
  await gone;
  client.close();
  new Etcd3({ hosts: etcd.endpoints() }).close();
  await etcd.stop();
  const j = summary(join);
  const c = summary(cold);
  const cc = summary(coldCpu);
  console.log(
    JSON.stringify({
      servers: SERVERS,
      registered,
      seen,
      joinP50: j.p50,
      joinP99: j.p99,
      joinSamples: j.n,
      coldP50: c.p50,
      coldP99: c.p99,
      coldSamples: c.n,
      coldCpuP50: cc.p50,
      loadAvg: loadavg()[0],
      proposalsPerSec: (p1 - p0) / secs,
      putsPerSec: (u1 - u0) / secs,
      keepAlivesPerSec: (k1 - k0) / secs,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
