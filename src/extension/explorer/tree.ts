import * as vscode from 'vscode';
import type { ClusterManager } from '../clusters';
import type { LocalServer } from '../local-server';
import { registryNode } from './registry-node';
import { message, remoteAgentNode, serverNode, taskNode, workspaceChildren, workspaceRoot, type NodeView } from './nodes';

/** The Agent Explorer: Workspace → agents; Clusters → cluster → servers (health) → agents. */
export class AgentExplorer implements vscode.TreeDataProvider<NodeView>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<NodeView | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pending?: NodeJS.Timeout;

  constructor(
    private readonly local: LocalServer,
    private readonly clusters: ClusterManager,
  ) {}

  /** Coalesces bursts of changes (busy/idle flips, health events) into one redraw. */
  refresh(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.changed.fire(undefined);
    }, 50);
  }

  getTreeItem(node: NodeView): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : node.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip ? new vscode.MarkdownString(node.tooltip) : undefined;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue;
    if (node.kind === 'agent' && node.data?.file) {
      item.resourceUri = undefined;
    }
    if (node.kind === 'problem' && node.data?.file) {
      item.command = {
        command: 'vscode.open',
        title: 'Open',
        arguments: [vscode.Uri.file(node.data.file), { selection: new vscode.Range((node.data.line ?? 1) - 1, 0, (node.data.line ?? 1) - 1, 0) }],
      };
    }
    return item;
  }

  /**
   * Waits for the window's start at first — the host's bundle loads right after activation, then
   * the server reads the agent files — so VS Code shows the view's progress bar rather than the
   * "no agents yet" welcome meanwhile.
   */
  async getChildren(node?: NodeView): Promise<NodeView[]> {
    try {
      await this.local.ready;
    } catch (err) {
      return [message('failed', `AOP could not start: ${err instanceof Error ? err.message : String(err)}`, 'error')];
    }
    return this.children(node);
  }

  private children(node?: NodeView): NodeView[] {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'workspace':
        return workspaceChildren(this.workspaceView());
      case 'clusters':
        return this.clusterNodes();
      case 'agent':
        return this.runningTasks(node.data!.tool!).map((t) => taskNode(node.data!.tool!, t));
      case 'cluster': {
        const c = this.clusters.get(node.data!.cluster!);
        if (!c) return [];
        const reg = c.registryStatus();
        return [...(reg ? [registryNode(c.name, reg)] : []), ...c.health().map((h) => serverNode(c.name, h))];
      }
      case 'server': {
        const c = this.clusters.get(node.data!.cluster!);
        return (c?.registry?.ofServer(node.data!.server!) ?? []).map((e) => remoteAgentNode(c!.name, node.data!.server!, e));
      }
      default:
        return [];
    }
  }

  private workspaceView() {
    const host = this.local.host;
    const diags = this.local.diagnostics().filter((d) => d.severity === 'error');
    return {
      trusted: vscode.workspace.isTrusted,
      serverState: this.local.state,
      serverError: this.local.error,
      agents: (host?.agents() ?? []).map((agent) => ({
        agent,
        runtime: host?.runtime(agent.name),
        running: this.runningTasks(agent.name).length,
      })),
      problems: diags.map((d) => ({ file: d.file, line: d.line, message: d.message })),
    };
  }

  /** The agent's calls in flight (every call is a task of the local server). */
  private runningTasks(agent: string) {
    return (this.local.aop?.tasks.running() ?? []).filter((t) => t.agentName === agent);
  }

  private roots(): NodeView[] {
    const w = this.workspaceView();
    const hasClusters = this.clusters.all().length > 0 || this.clusters.problems.length > 0;
    // Nothing at all: let the welcome content (Create Agent, Add Cluster) show.
    if (w.trusted && w.serverState !== 'failed' && w.agents.length === 0 && w.problems.length === 0 && !hasClusters) return [];
    const roots: NodeView[] = [workspaceRoot(w, this.local.url)];
    if (hasClusters) {
      roots.push({
        id: 'clusters',
        kind: 'clusters',
        label: 'Clusters',
        description: `${this.clusters.all().length}`,
        icon: { id: 'globe' },
        contextValue: 'aop.clusters',
        collapsible: 'expanded',
      });
    }
    return roots;
  }

  private clusterNodes(): NodeView[] {
    const nodes: NodeView[] = this.clusters.all().map((c) => {
      const health = c.health();
      const reg = c.registryStatus();
      const up = health.filter((h) => h.status === 'up' || h.status === 'degraded').length;
      return {
        id: `cluster:${c.name}`,
        kind: 'cluster',
        label: c.name,
        description: `${up}/${health.length} servers up · ${c.registry?.size ?? 0} tools${reg ? (reg.stale ? ' · registry stale' : ' · registry') : ''}`,
        tooltip: `Cluster **${c.name}** (routing: ${c.config.routing}; tools exported as ${c.alias}__<tool>)${reg ? `\n\nMembers from the etcd registry ${reg.url}` : ''}`,
        icon: { id: up === health.length && !reg?.stale ? 'server-environment' : 'warning', color: up === health.length && !reg?.stale ? undefined : 'problemsWarningIcon.foreground' },
        contextValue: 'aop.cluster',
        collapsible: 'expanded',
        data: { cluster: c.name },
      };
    });
    for (const p of this.clusters.problems) nodes.push(message(`cluster-problem:${p.name}`, `${p.name}: ${p.error}`, 'error', p.error));
    return nodes;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.changed.dispose();
  }
}
