import type { AgentDefinition, ProviderKind } from '../agents/definition';
import type { AopClusterOptions } from '../cluster/cluster';
import type { ClusterConfig } from '../cluster/config';
import type { ModelResolverOptions } from '../models/resolver';
import type { AopServerOptions } from '../server/aop-server';

/** The AopServer options a host passes through (the host supplies models, traces, metrics, logger). */
export type HostServerSettings = Omit<AopServerOptions, 'models' | 'traceStore' | 'metrics' | 'logger' | 'observe'>;

/** One cluster of a host: its parsed config and how it reaches its servers (secrets, sign-in, etcd). */
export interface HostCluster {
  config: ClusterConfig;
  options?: Omit<AopClusterOptions, 'selfId'>;
}

/**
 * Everything a host is built from. The CLI fills it from flags, the extension from VS Code
 * settings and SecretStorage, the bench from code; `AopHost.reload()` takes a new one.
 */
export interface HostSettings {
  /** Folders and files with agent files. */
  roots: string[];
  /** Globs of agent files under the roots (default: DEFAULT_AGENT_INCLUDE). */
  include?: string[];
  /** Provider of agent files that name none. */
  defaultProvider?: ProviderKind;
  /** Agents that have no file (bench, tests, embedders); a file of the same name loses to them. */
  agents?: AgentDefinition[];
  /** Follow file changes (default true). */
  watch?: boolean;
  /** `http` (default): listen on host:port. `stdio`: MCP on stdin/stdout. `none`: in-process only. */
  listen?: 'http' | 'stdio' | 'none';
  server?: HostServerSettings;
  /** How backends are built (`provider: openai` base URL, command output cap, the editor's models…). */
  models?: ModelResolverOptions;
  /** The clusters federated into the server; on `reload()`, undefined leaves them as they are. */
  clusters?: HostCluster[];
  /** Re-exported cluster tools across all clusters, in order (chat sees at most 128 tools). */
  maxRemoteTools?: number;
}

/** True when the served agents or the server must be rebuilt (not just the clusters). */
export function serverSettingsChanged(a: HostSettings, b: HostSettings): boolean {
  return (
    !sameJson(a.roots, b.roots) ||
    !sameJson(a.include, b.include) ||
    a.defaultProvider !== b.defaultProvider ||
    a.agents !== b.agents ||
    (a.watch ?? true) !== (b.watch ?? true) ||
    (a.listen ?? 'http') !== (b.listen ?? 'http') ||
    !sameJson(a.server, b.server) ||
    !sameJson(a.models, b.models)
  );
}

/** True when the clusters must be rebuilt (`b` without clusters keeps those of `a`). */
export function clusterSettingsChanged(a: HostSettings, b: HostSettings): boolean {
  if (b.clusters === undefined) return false;
  return a.maxRemoteTools !== b.maxRemoteTools || !sameJson(a.clusters?.map((c) => c.config), b.clusters.map((c) => c.config));
}

/** Structural equality of plain settings (functions compare by presence only). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
