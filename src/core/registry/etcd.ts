import { readFileSync } from 'node:fs';
import type { Etcd3, IOptions } from 'etcd3';
import type { RegistryTarget } from './url';

/**
 * How to log in to etcd. Only from flags and the environment — never from agent files or cluster
 * settings, and never passed on to child processes or printed.
 */
export interface EtcdCredentials {
  username?: string;
  password?: string;
  /** PEM files for TLS (etcds://). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** `AOP_ETCD_USER`, `AOP_ETCD_PASSWORD`, `AOP_ETCD_CA`, `AOP_ETCD_CERT`, `AOP_ETCD_KEY`. */
export function etcdCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): EtcdCredentials {
  const v = (k: string) => (env[k] ? env[k] : undefined);
  return { username: v('AOP_ETCD_USER'), password: v('AOP_ETCD_PASSWORD'), caFile: v('AOP_ETCD_CA'), certFile: v('AOP_ETCD_CERT'), keyFile: v('AOP_ETCD_KEY') };
}

export class RegistryConfigError extends Error {}

/** Client options for a registry target; reads the TLS files now (a missing file is a start-up error). */
export function etcdOptions(target: RegistryTarget, creds: EtcdCredentials = {}): IOptions {
  const opts: IOptions = {
    hosts: target.endpoints,
    dialTimeout: 3000,
    // Unary calls give up after 5 s (the registry never blocks serving or routing on etcd).
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }),
    grpcOptions: {
      // Notice a dead member within seconds, not minutes.
      'grpc.keepalive_time_ms': 5000,
      'grpc.keepalive_timeout_ms': 2000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
  };
  if (creds.username || creds.password) {
    if (!creds.username || !creds.password) throw new RegistryConfigError('etcd login needs both a user (AOP_ETCD_USER / --registry-user) and AOP_ETCD_PASSWORD');
    opts.auth = { username: creds.username, password: creds.password };
  }
  if (creds.caFile || creds.certFile || creds.keyFile) {
    if (!target.tls) throw new RegistryConfigError(`TLS files were given but the registry URL is ${target.url}; use etcds:// for TLS`);
    const read = (what: string, file: string | undefined) => {
      if (!file) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new RegistryConfigError(`cannot read the etcd ${what} file ${file}: ${(err as Error).message}`);
      }
    };
    const rootCertificate = read('CA', creds.caFile);
    if (!rootCertificate) throw new RegistryConfigError('etcd TLS needs the CA file (AOP_ETCD_CA / --registry-ca)');
    opts.credentials = { rootCertificate, certChain: read('certificate', creds.certFile), privateKey: read('key', creds.keyFile) };
  }
  return opts;
}

/**
 * Opens an etcd client. etcd3 (and gRPC with it) is loaded on first use only: a window or CLI
 * that never names a registry does not pay for it.
 */
export async function openEtcd(target: RegistryTarget, creds: EtcdCredentials = {}): Promise<Etcd3> {
  const opts = etcdOptions(target, creds);
  // Bundled, this is dist/etcd3.js loaded by import() from CommonJS: its exports may sit on `default`.
  const mod = (await import('etcd3')) as typeof import('etcd3') & { default?: typeof import('etcd3') };
  const { Etcd3, isRecoverableError } = mod.Etcd3 ? mod : mod.default!;
  const { ExponentialBackoff, ConsecutiveBreaker, circuitBreaker, handleWhen, retry } = await import('cockatiel');
  opts.faultHandling = {
    // A failing member is skipped for 1 s; each retry of a call picks another member.
    host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) }),
    global: retry(handleWhen(isRecoverableError), { maxAttempts: Math.max(2, target.endpoints.length) }),
    // etcd3 calls next() on it directly (an IBackoff); cockatiel 3's factory answers that too.
    watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'],
  };
  return new Etcd3(opts);
}

/** One line for a log: what went wrong talking to etcd, without stack or internals. */
export function etcdErrorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n')[0];
  const sys = /connect (E[A-Z]+ [^\s]+?)\.?(?:\s|$)/.exec(first);
  if (sys) return `etcd unreachable: ${sys[1]}`;
  if (/No connection established|UNAVAILABLE|ECONNREFUSED/i.test(first)) return 'etcd unreachable';
  if (/DEADLINE_EXCEEDED|deadline/i.test(first)) return 'etcd did not answer in time';
  return first.slice(0, 200);
}
