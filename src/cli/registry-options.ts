import { type AopServer, parseRegistryUrl, RegistryUrlError, type RegistryTarget, etcdCredentialsFromEnv, etcdOptions, RegistryConfigError, type EtcdCredentials, announceServer, type ServerAnnouncement } from '../core';
import { UsageError, optNumber, optString } from './usage';

export interface RegistryPlan {
  target: RegistryTarget;
  ttlSeconds: number;
  credentials: EtcdCredentials;
  advertise?: string;
}

/** Checks the registry flags before anything starts: a bad URL or TTL is a usage error. */
export function registryPlan(values: Record<string, unknown>, opts: { stdio: boolean; host: string }): RegistryPlan | undefined {
  const url = optString(values, 'registry');
  const ttl = optNumber(values, 'registry-ttl');
  const advertise = optString(values, 'advertise');
  if (!url) {
    for (const k of ['advertise', 'registry-ttl', 'registry-user', 'registry-ca', 'registry-cert', 'registry-key']) {
      if (values[k] !== undefined) throw new UsageError(`--${k} needs --registry`);
    }
    return undefined;
  }
  if (opts.stdio) throw new UsageError('--registry announces an HTTP server; it cannot be used with --stdio');
  let target: RegistryTarget;
  try {
    target = parseRegistryUrl(url);
  } catch (err) {
    if (err instanceof RegistryUrlError) throw new UsageError(`--registry: ${err.message}`);
    throw err;
  }
  const ttlSeconds = ttl ?? 10;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 3600) {
    throw new UsageError(`--registry-ttl must be a whole number of seconds from 1 to 3600, got ${String(ttl)}`);
  }
  if (advertise !== undefined && !/^https?:\/\/[^/\s]+/i.test(advertise)) {
    throw new UsageError(`--advertise must be an http(s) URL such as http://10.0.0.5:8000/mcp, got "${advertise}"`);
  }
  if (!advertise && (opts.host === '0.0.0.0' || opts.host === '::')) {
    throw new UsageError(`--registry with --host ${opts.host} needs --advertise: the URL other machines reach this server at`);
  }
  const env = etcdCredentialsFromEnv();
  const credentials: EtcdCredentials = {
    username: optString(values, 'registry-user') ?? env.username,
    password: env.password,
    caFile: optString(values, 'registry-ca') ?? env.caFile,
    certFile: optString(values, 'registry-cert') ?? env.certFile,
    keyFile: optString(values, 'registry-key') ?? env.keyFile,
  };
  try {
    etcdOptions(target, credentials); // reads the TLS files: a missing one fails now, not later
  } catch (err) {
    if (err instanceof RegistryConfigError) throw new UsageError(err.message);
    throw err;
  }
  return { target, ttlSeconds, credentials, advertise: advertise ? withMcpPath(advertise) : undefined };
}

/** Announces the listening server; etcd being down is logged and retried, never fatal. */
export function announce(server: AopServer, plan: RegistryPlan, listenUrl: string, say: (line: string) => void): Promise<ServerAnnouncement> {
  return announceServer(server, {
    target: plan.target,
    advertiseUrl: plan.advertise ?? listenUrl,
    ttlSeconds: plan.ttlSeconds,
    credentials: plan.credentials,
    log: (level, message) => say(`[${level}] ${message}`),
  });
}

function withMcpPath(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/mcp';
  return u.toString();
}
