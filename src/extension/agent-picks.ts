/**
 * The order of the Invoke Agent quick pick, as plain data (no `vscode` import, unit tested):
 * agents that can run here first, in their groups (Workspace, then each cluster); then, under
 * "Cannot run here", the others with the reason. The first entry — the one the quick pick
 * pre-selects — is always one that can run, when there is one.
 */
import type { Readiness } from '../core';

export interface PickEntry {
  tool: string;
  cluster?: string;
  /** `Workspace`, `Cluster team`… */
  group: string;
  icon: string;
  /** Where it runs: `command`, `openai: llama3.2`, the replicas' health. */
  where: string;
  detail: string;
  readiness: Readiness;
}

export type PickRow =
  | { separator: string }
  | { tool: string; cluster?: string; label: string; description: string; detail: string; ready: boolean };

export const NOT_READY_GROUP = 'Cannot run here';

export function orderPicks(entries: readonly PickEntry[]): PickRow[] {
  const rows: PickRow[] = [];
  const ready = entries.filter((e) => e.readiness.ready);
  const blocked = entries.filter((e) => !e.readiness.ready);
  let group: string | undefined;
  for (const e of ready) {
    if (e.group !== group) rows.push({ separator: (group = e.group) });
    rows.push({ tool: e.tool, cluster: e.cluster, label: `$(${e.icon}) ${e.tool}`, description: e.where, detail: e.detail, ready: true });
  }
  if (blocked.length) rows.push({ separator: NOT_READY_GROUP });
  for (const e of blocked) {
    rows.push({
      tool: e.tool,
      cluster: e.cluster,
      label: `$(circle-slash) ${e.tool}`,
      description: `${e.cluster ? `${e.group} · ` : ''}${e.readiness.reason ?? 'cannot run here'}`,
      detail: e.detail,
      ready: false,
    });
  }
  return rows;
}
