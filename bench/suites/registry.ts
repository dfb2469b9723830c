/**
 * The etcd registry on loopback (a real etcd started here): `node --import tsx bench/suites/registry.ts [servers] [samples]`
 *  - join → routable: a server registers (lease + put) → a watching cluster routes its agent; p50 / p99
 *  - cold view: `servers` simulated registrations → a new AopCluster's first discover() sees them all; p50 / p99
 *  - steady state with `servers` leases kept alive (ttl 10 s): etcd raft proposals/s (writes) and
 *    LeaseKeepAlive messages/s, from etcd's own /metrics over a 10 s window
 * Prints one JSON line.
 */
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../../test/support/etcd';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { RegistryAnnouncer } from '../../src/core/registry/announcer';
import { openEtcd } from '../../src/core/registry/etcd';
import type { ServerRecord } from '../../src/core/registry/record';
import { parseRegistryUrl } from '../../src/core/registry/url';
import { summary } from '../lib/stats';

const SERVERS = Number(process.argv[2] ?? 1000);
const SAMPLES = Number(process.argv[3] ?? 30);
const TTL = 10;

const record = (id: string, agents: string[]): ServerRecord => ({
  id,
  url: `http://10.0.${Math.floor(Number(id.replace(/\D/g, '') || 0) / 250)}.${Number(id.replace(/\D/g, '') || 0) % 250}:8000/mcp`,
  name: 'aop',
  agents: agents.map((name) => ({ name, description: `agent ${name}`, tags: ['bench'], capabilities: [], version: '1' })),
  startedAt: Date.now(),
  load: 0,
});

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

  // 2. cold view of SERVERS registrations (each under its own lease, kept alive)
  const coldUrl = etcd.url('/cold');
  const coldTarget = parseRegistryUrl(coldUrl);
  const many: RegistryAnnouncer[] = [];
  for (let i = 0; i < SERVERS; i += 50) {
    const batch = Array.from({ length: Math.min(50, SERVERS - i) }, (_, k) => {
      const id = `s${i + k}`;
      return new RegistryAnnouncer({ client, target: coldTarget, id, ttlSeconds: TTL, record: () => record(id, [`a${(i + k) % 20}`, `b${(i + k) % 7}`]) });
    });
    many.push(...batch);
    await Promise.all(batch.map((a) => a.start()));
  }
  const registered = many.filter((a) => a.isRegistered).length;
  const cold: number[] = [];
  let seen = 0;
  for (let i = 0; i < Math.max(5, Math.floor(SAMPLES / 3)); i++) {
    const t0 = performance.now();
    const c = cluster(coldUrl);
    await c.discover();
    cold.push(performance.now() - t0);
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

  await Promise.all(many.map((a) => a.close(5000)));
  client.close();
  new Etcd3({ hosts: etcd.endpoints() }).close();
  await etcd.stop();
  const j = summary(join);
  const c = summary(cold);
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
