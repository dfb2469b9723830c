import * as vscode from 'vscode';
import { readinessOf } from '../core';
import type { EditorContext } from './editor-context';
import { formatDuration } from '../shared/format';
import { orderPicks, type PickEntry } from './agent-picks';
import { readSettings } from './settings';

export interface AgentPick extends vscode.QuickPickItem {
  tool: string;
  cluster?: string;
}

/** The Invoke Agent quick pick over local and remote agents, runnable ones first (see `orderPicks`). */
export async function pickAgent(ext: EditorContext): Promise<AgentPick | undefined> {
  const server = await ext.local.ensureStarted().catch(() => undefined);
  const local = server?.agents() ?? [];
  const models = await Promise.resolve(vscode.lm.selectChatModels()).catch(() => []);
  const readiness = await readinessOf(local, { editorModels: models.length, defaultBaseUrl: readSettings().openAiBaseUrl });
  const entries: PickEntry[] = local.map((a) => ({
    tool: a.name,
    group: 'Workspace',
    icon: 'hubot',
    where: a.model ? `${a.provider}: ${a.model}` : a.provider,
    detail: a.description,
    readiness: readiness.get(a.name) ?? { ready: true },
  }));
  for (const c of ext.clusters.all()) {
    const registry = await c.discover().catch(() => undefined);
    if (!registry?.size) continue;
    const health = new Map(c.health().map((h) => [h.id, h]));
    for (const e of registry.entries()) {
      const live = e.replicas.filter((r) => ['up', 'degraded'].includes(health.get(r.serverId)?.status ?? ''));
      const servers = e.replicas
        .map((r) => {
          const h = health.get(r.serverId);
          return `${r.serverId} ${h?.status ?? '?'}${h?.latencyP50Ms !== undefined ? ` ${formatDuration(h.latencyP50Ms)}` : ''}`;
        })
        .join(', ');
      entries.push({
        tool: e.name,
        cluster: c.name,
        group: `Cluster ${c.name}`,
        icon: e.isAgent ? 'hubot' : 'tools',
        where: servers,
        detail: e.description,
        readiness: live.length ? { ready: true } : { ready: false, reason: `its server${e.replicas.length > 1 ? 's are' : ' is'} down` },
      });
    }
  }
  if (entries.length === 0) {
    const create = 'Create Agent…';
    const choice = await vscode.window.showInformationMessage('No agents found in this workspace or its clusters.', create);
    if (choice === create) await vscode.commands.executeCommand('aop.createAgent');
    return undefined;
  }
  const items: Array<AgentPick | vscode.QuickPickItem> = orderPicks(entries).map((row) =>
    'separator' in row
      ? { label: row.separator, kind: vscode.QuickPickItemKind.Separator }
      : { label: row.label, description: row.description, detail: row.detail, tool: row.tool, cluster: row.cluster },
  );
  return (await vscode.window.showQuickPick(items, {
    title: 'Invoke Agent',
    placeHolder: 'Choose an agent (local or remote); the ones that cannot run here come last',
    matchOnDescription: true,
    matchOnDetail: true,
  })) as AgentPick | undefined;
}
