/**
 * N simulated AOP servers announcing themselves in etcd (each its own lease, kept alive), in a
 * process of their own: their keep-alive traffic (N leases, one every ttl/3 s each) must not run on
 * the event loop of the cluster whose cold view the registry suite times. Real servers are
 * separate processes too. IPC: sends {registered} once every record is written; 'close' revokes
 * the leases and exits.
 * Usage (forked by bench/suites/registry.ts): registry-announcers.ts ETCD_URL N TTL
 */
import { RegistryAnnouncer } from '../../src/core/registry/announcer';
import { openEtcd } from '../../src/core/registry/etcd';
import type { ServerRecord } from '../../src/core/registry/record';
import { parseRegistryUrl } from '../../src/core/registry/url';

export const benchRecord = (id: string, agents: string[]): ServerRecord => ({
  id,
  url: `http://10.0.${Math.floor(Number(id.replace(/\D/g, '') || 0) / 250)}.${Number(id.replace(/\D/g, '') || 0) % 250}:8000/mcp`,
  name: 'aop',
  agents: agents.map((name) => ({ name, description: `agent ${name}`, tags: ['bench'], capabilities: [], version: '1' })),
  startedAt: Date.now(),
  load: 0,
});

async function main(): Promise<void> {
  const [url, n, ttl] = process.argv.slice(2);
  const target = parseRegistryUrl(url);
  const client = await openEtcd(target);
  const servers = Number(n);
  const many: RegistryAnnouncer[] = [];
  for (let i = 0; i < servers; i += 50) {
    const batch = Array.from({ length: Math.min(50, servers - i) }, (_, k) => {
      const id = `s${i + k}`;
      return new RegistryAnnouncer({ client, target, id, ttlSeconds: Number(ttl), record: () => benchRecord(id, [`a${(i + k) % 20}`, `b${(i + k) % 7}`]) });
    });
    many.push(...batch);
    await Promise.all(batch.map((a) => a.start()));
  }
  process.on('message', (m) => {
    if (m !== 'close') return;
    void Promise.all(many.map((a) => a.close(5000))).finally(() => {
      client.close();
      process.exit(0);
    });
  });
  process.send!({ registered: many.filter((a) => a.isRegistered).length });
}

if (require.main === module) void main();
