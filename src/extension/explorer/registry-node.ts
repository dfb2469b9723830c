/** The registry row of a cluster in the Agent Explorer (plain data, no `vscode`). */
import type { RegistryViewStatus } from '../../core';
import type { NodeView } from './nodes';

export function registryNode(cluster: string, r: RegistryViewStatus): NodeView {
  const since = r.staleSince ? new Date(r.staleSince).toLocaleTimeString() : undefined;
  return {
    id: `registry:${cluster}`,
    kind: 'message',
    label: `Registry ${r.url}`,
    description: r.stale ? `stale${since ? ` since ${since}` : ''} · ${r.members} members (last seen)` : `${r.members} live members`,
    tooltip: [
      `etcd registry **${r.url}**`,
      r.stale
        ? `Stale: ${r.lastError ?? 'etcd unreachable'}. The members below are the last ones seen; calls still go to them.`
        : 'Live: servers join and leave as they register and their leases expire.',
      r.rejected ? `${r.rejected} record(s) refused (invalid or too large).` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: r.stale ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'database' },
    contextValue: r.stale ? 'aop.registry.stale' : 'aop.registry',
    collapsible: 'none',
    data: { cluster },
  };
}

/** Validates an etcd registry URL typed into Add Cluster; undefined when fine. */
export function registryInputProblem(value: string, parse: (v: string) => unknown): string | undefined {
  try {
    parse(value);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
