import type { AopServer } from '../server/aop-server';
import { RegistryAnnouncer } from './announcer';
import { openEtcd, type EtcdCredentials } from './etcd';
import { recordOf } from './record';
import type { RegistryTarget } from './url';
import { VERSION } from '../version';

export interface ServerAnnouncement {
  announcer: RegistryAnnouncer;
  /** Revokes the registration and closes the etcd client. */
  close(): Promise<void>;
}

/**
 * Announces an AOP server in an etcd registry under `<prefix>/servers/<server.id>` and keeps the
 * record in step with its agents. Never throws for etcd being down: it logs and retries.
 */
export async function announceServer(
  server: AopServer,
  opts: {
    target: RegistryTarget;
    advertiseUrl: string;
    ttlSeconds: number;
    credentials?: EtcdCredentials;
    log?: (level: 'info' | 'warn', message: string) => void;
  },
): Promise<ServerAnnouncement> {
  const client = await openEtcd(opts.target, opts.credentials);
  const load = () => server.agents().reduce((n, a) => n + server.executor.runtime(a.name).inFlight, 0);
  const announcer = new RegistryAnnouncer({
    client,
    target: opts.target,
    id: server.id,
    ttlSeconds: opts.ttlSeconds,
    record: () => recordOf(server, opts.advertiseUrl, load(), VERSION),
    log: opts.log,
  });
  const onChange = () => announcer.update();
  server.tools.on('changed', onChange);
  await announcer.start();
  return {
    announcer,
    async close() {
      server.tools.off('changed', onChange);
      await announcer.close();
      client.close();
    },
  };
}
