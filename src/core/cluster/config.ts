import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { parseRegistryUrl } from '../registry/url';

export const ROUTING_STRATEGIES = ['round-robin', 'least-inflight', 'latency'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * The defaults of a cluster's knobs: the schema's defaults, and a cluster of URLs given on the
 * command line (`urlCluster`) without the schema.
 */
export const CLUSTER_DEFAULTS = {
  /** Discovery timeout per server. */
  timeout_ms: 2000,
  /** Timeout of one call on one replica before failing over. */
  call_timeout_ms: 120_000,
  /** Calls whose timeout exceeds this run as MCP tasks on servers that declare tasks (resume by polling). */
  task_threshold_ms: 300_000,
  cache_ttl_s: 60,
  routing: 'round-robin' as RoutingStrategy,
  /** Consecutive failures that open a server's circuit breaker. */
  breaker_failures: 3,
  /** How long an open breaker waits before letting one trial call through. */
  breaker_reset_ms: 10_000,
  max_hops: 3,
  /** Largest answer (JSON body or SSE event) accepted from a server; larger ones fail the call. */
  max_response_bytes: 8 * 1024 * 1024,
  /** Tools kept from one server (the first ones listed); the rest are dropped with a health warning. */
  max_tools_per_server: 1000,
  /** Tools kept from all servers of the cluster together. */
  max_tools: 5000,
};

/**
 * A cluster C = ⟨U, τ⟩ (paper §4.2.4): a name and server URLs, plus the knobs of discovery,
 * routing and federation. One shape for the CLI's `--cluster FILE` and the `aop.clusters` setting.
 * Built on first use (a cold `aop discover URL` needs no zod: bench/NOTES.md, CLI cold start).
 */
function buildClusterConfigSchema() {
  const serverObjectSchema = z.strictObject({
    url: z.url(),
    /** Display name; default host:port. */
    name: z.string().min(1).optional(),
    /** HTTP headers; values may use ${env:VAR} (and ${secret:KEY} in VS Code). */
    headers: z.record(z.string(), z.string()).optional(),
    transport: z.enum(['auto', 'streamable-http', 'sse']).optional(),
    /** MCP authorization (OAuth) client settings; without them AOP registers itself where the server allows. */
    oauth: z
      .strictObject({
        client_id: z.string().min(1).max(512).optional(),
        /** May use ${env:VAR} (and ${secret:KEY} in VS Code). */
        client_secret: z.string().min(1).max(4096).optional(),
        client_metadata_url: z.url().optional(),
        scope: z.string().max(1024).optional(),
      })
      .optional(),
    /** `a2a`: the URL is an A2A agent card (`…/.well-known/agent-card.json`); default `mcp`. */
    protocol: z.enum(['mcp', 'a2a']).optional(),
  });
  type ServerObject = z.output<typeof serverObjectSchema>;
  /** A server is its URL, or an object with the URL and its options. */
  const serverSchema = z.union([z.url().transform((url): ServerObject => ({ url })), serverObjectSchema]);
  const d = CLUSTER_DEFAULTS;
  return z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'cluster name: 1-32 letters, digits, "_" or "-"'),
    /** Prefix of re-exported tools (`<alias>__<tool>`); default: the name. */
    alias: z.string().regex(/^[a-zA-Z0-9_-]{1,16}$/, 'alias: 1-16 letters, digits, "_" or "-"').optional(),
    servers: z.array(serverSchema).default([]),
    /** etcd registry the cluster watches for its members: `etcd://host:port[,host:port…]/<prefix>`. */
    registry: z
      .string()
      .max(4096)
      .superRefine((v, ctx) => {
        try {
          parseRegistryUrl(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    /** Headers for the servers found in the registry (values may use ${env:VAR} / ${secret:KEY}). */
    headers: z.record(z.string(), z.string()).optional(),
    timeout_ms: z.number().int().positive().max(600_000).default(d.timeout_ms),
    call_timeout_ms: z.number().int().positive().max(86_400_000).default(d.call_timeout_ms),
    task_threshold_ms: z.number().int().nonnegative().max(86_400_000).default(d.task_threshold_ms),
    cache_ttl_s: z.number().nonnegative().max(86_400).default(d.cache_ttl_s),
    routing: z.enum(ROUTING_STRATEGIES).default(d.routing),
    breaker_failures: z.number().int().min(1).max(1000).default(d.breaker_failures),
    breaker_reset_ms: z.number().int().positive().max(3_600_000).default(d.breaker_reset_ms),
    max_hops: z.number().int().min(1).max(16).default(d.max_hops),
    max_response_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(d.max_response_bytes),
    max_tools_per_server: z.number().int().min(1).max(1_000_000).default(d.max_tools_per_server),
    max_tools: z.number().int().min(1).max(1_000_000).default(d.max_tools),
  }).refine((c) => c.servers.length > 0 || c.registry !== undefined, {
    message: 'a cluster needs at least one server or a registry',
    path: ['servers'],
  });
}
type ClusterConfigSchema = ReturnType<typeof buildClusterConfigSchema>;
let clusterConfigSchema: ClusterConfigSchema | undefined;

export type ClusterConfigInput = z.input<ClusterConfigSchema>;
export type ClusterConfig = z.output<ClusterConfigSchema>;
export type ClusterServerConfig = ClusterConfig['servers'][number];

export class ClusterConfigError extends Error {}

/** The cluster of `urls` given on a command line, each with `headers`: what parseClusterConfig makes of them, without zod. */
export function urlCluster(name: string, urls: string[], headers: Record<string, string>): ClusterConfig {
  return { ...CLUSTER_DEFAULTS, name, servers: urls.map((url) => ({ url, headers })) };
}

export function parseClusterConfig(value: unknown, source = 'cluster'): ClusterConfig {
  const parsed = (clusterConfigSchema ??= buildClusterConfigSchema()).safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ClusterConfigError(`${source}: ${why}`);
  }
  return parsed.data;
}

export async function loadClusterFile(file: string): Promise<ClusterConfig> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new ClusterConfigError(`cannot read cluster file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ClusterConfigError(`cluster file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseClusterConfig(json, file);
}

/** Resolves `${env:NAME}` / `${secret:KEY}` in a header value. */
export type SecretLookup = (kind: string, key: string) => string | undefined;

export function envLookup(env: NodeJS.ProcessEnv = process.env): SecretLookup {
  return (kind, key) => (kind === 'env' ? env[key] : undefined);
}

/** Expands placeholders in headers; throws with the header name when one is missing. */
export function expandHeaders(headers: Record<string, string> | undefined, lookup: SecretLookup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name] = value.replace(/\$\{(env|secret):([^}]+)\}/g, (_m, kind: string, key: string) => {
      const v = lookup(kind, key);
      if (v === undefined || v === '') {
        throw new ClusterConfigError(`header ${name} needs \${${kind}:${key}}, which is not set`);
      }
      return v;
    });
  }
  return out;
}

export function serverLabel(url: string): string {
  try {
    const u = new URL(url);
    return u.host;
  } catch {
    return url;
  }
}
