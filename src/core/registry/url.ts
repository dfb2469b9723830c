/**
 * `etcd://host:port[,host:port…]/<prefix>` (or `etcds://` for TLS): the etcd endpoints and the
 * key prefix under which AOP servers announce themselves (`<prefix>/servers/<id>`).
 */
export interface RegistryTarget {
  /** The URL as given, without credentials (safe to print). */
  url: string;
  /** gRPC endpoints for the etcd client: `http://host:port` or `https://host:port`. */
  endpoints: string[];
  /** Key prefix, starting with "/" and without a trailing "/". */
  prefix: string;
  tls: boolean;
}

export class RegistryUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUrlError';
  }
}

const MAX_ENDPOINTS = 16;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]{1,253}):(\d{1,5})$/;
const PREFIX = /^(\/[a-zA-Z0-9._-]{1,64}){1,8}$/;

/** Parses a registry URL; throws RegistryUrlError with what is wrong and the expected shape. */
export function parseRegistryUrl(text: string): RegistryTarget {
  const shape = 'expected etcd://host:port[,host:port…]/<prefix>, e.g. etcd://127.0.0.1:2379/aop';
  const raw = text.trim();
  const m = /^(etcds?):\/\/([^/]*)(\/.*)?$/.exec(raw);
  if (!m) throw new RegistryUrlError(`registry "${clip(raw)}" is not an etcd URL: ${shape}`);
  const [, scheme, hostList, path = ''] = m;
  if (hostList.includes('@')) {
    throw new RegistryUrlError(`registry "${clip(raw.replace(/\/\/[^@/]*@/, '//***@'))}": put etcd credentials in flags or environment variables, not in the URL`);
  }
  const hosts = hostList.split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) throw new RegistryUrlError(`registry "${clip(raw)}" names no etcd host: ${shape}`);
  if (hosts.length > MAX_ENDPOINTS) throw new RegistryUrlError(`registry "${clip(raw)}" names ${hosts.length} hosts; at most ${MAX_ENDPOINTS}`);
  for (const h of hosts) {
    const hm = HOST_PORT.exec(h);
    if (!hm) throw new RegistryUrlError(`registry "${clip(raw)}": "${clip(h)}" is not host:port (${shape})`);
    const port = Number(hm[2]);
    if (port < 1 || port > 65535) throw new RegistryUrlError(`registry "${clip(raw)}": port ${hm[2]} is out of range`);
  }
  const prefix = path.replace(/\/+$/, '');
  if (!prefix) throw new RegistryUrlError(`registry "${clip(raw)}" has no key prefix: ${shape}`);
  if (!PREFIX.test(prefix)) {
    throw new RegistryUrlError(`registry "${clip(raw)}": prefix "${clip(prefix)}" must be 1-8 path segments of letters, digits, ".", "_" or "-"`);
  }
  const tls = scheme === 'etcds';
  return {
    url: `${scheme}://${hosts.join(',')}${prefix}`,
    endpoints: hosts.map((h) => `${tls ? 'https' : 'http'}://${h}`),
    prefix,
    tls,
  };
}

/** Key of one server's record. */
export function serverKey(target: RegistryTarget, id: string): string {
  return `${target.prefix}/servers/${id}`;
}

/** Prefix every server record lives under. */
export function serversPrefix(target: RegistryTarget): string {
  return `${target.prefix}/servers/`;
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
