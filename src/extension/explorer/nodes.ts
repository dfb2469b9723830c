/**
 * What the Agent Explorer shows, as plain data: no `vscode` import, so the tree logic is unit
 * tested without an editor. The tree provider turns these into TreeItems.
 */
import { type AgentDefinition, type AgentState, type ServerHealth, type RegistryEntry } from '../../core';
import { formatClock, formatDuration } from '../../shared/format';

export type NodeKind = 'workspace' | 'agent' | 'task' | 'clusters' | 'cluster' | 'server' | 'remote-agent' | 'message' | 'problem';

export interface NodeView {
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  tooltip?: string;
  /** Codicon id, with an optional theme colour id. */
  icon: { id: string; color?: string };
  /** contextValue for menus. */
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /** Data commands receive. */
  data?: { tool?: string; file?: string; cluster?: string; server?: string; line?: number; task?: string };
}

export interface AgentRuntimeView {
  state: AgentState;
  inFlight: number;
  lastLatencyMs?: number;
  lastError?: string;
}

export function stateLabel(rt: AgentRuntimeView | undefined): { text: string; icon: string; color?: string } {
  if (!rt) return { text: 'idle', icon: 'hubot' };
  if (rt.state === 'BUSY' || rt.inFlight > 0) return { text: `busy (${rt.inFlight})`, icon: 'loading~spin', color: 'charts.blue' };
  if (rt.state === 'ERROR') return { text: 'error', icon: 'error', color: 'errorForeground' };
  if (rt.state === 'TERMINATED') return { text: 'removed', icon: 'circle-slash' };
  return { text: 'idle', icon: 'hubot' };
}

/** A call of an agent still running (a task of the local server). */
export interface TaskView {
  taskId: string;
  status: string;
  createdAt: number;
}

export function taskNode(agent: string, t: TaskView, now = Date.now()): NodeView {
  return {
    id: `task:${t.taskId}`,
    kind: 'task',
    label: t.status === 'pending' ? 'queued' : 'running',
    description: `${formatDuration(now - t.createdAt)} · ${t.taskId.slice(0, 8)}`,
    tooltip: `Task ${t.taskId} of **${agent}**, started ${formatClock(t.createdAt)}`,
    icon: { id: 'loading~spin', color: 'charts.blue' },
    contextValue: 'aop.task',
    collapsible: 'none',
    data: { tool: agent, task: t.taskId },
  };
}

export function agentNode(agent: AgentDefinition, rt: AgentRuntimeView | undefined, running = 0): NodeView {
  const state = stateLabel(rt);
  const latency = rt?.lastLatencyMs !== undefined ? ` · ${formatDuration(rt.lastLatencyMs)}` : '';
  const model = agent.model ? `${agent.provider}: ${agent.model}` : agent.provider;
  return {
    // VS Code keeps the collapse state of an id it has seen (a leaf stays collapsed when it gets
    // children): while calls run the node has its own id, so `expanded` shows the running tasks.
    id: running > 0 ? `agent:${agent.name}:running` : `agent:${agent.name}`,
    kind: 'agent',
    label: agent.name,
    description: `${state.text}${latency}`,
    tooltip: [
      `**${agent.name}** — ${agent.description}`,
      `Model: ${model}`,
      agent.tags.length ? `Tags: ${agent.tags.join(', ')}` : '',
      rt?.lastError ? `Last error: ${rt.lastError}` : '',
      `File: ${agent.source.file}`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: { id: state.icon, color: state.color },
    contextValue: 'aop.agent',
    // running calls show under their agent
    collapsible: running > 0 ? 'expanded' : 'none',
    data: { tool: agent.name, file: agent.source.file },
  };
}

export interface WorkspaceView {
  trusted: boolean;
  serverState: string;
  serverError?: string;
  agents: Array<{ agent: AgentDefinition; runtime?: AgentRuntimeView; running?: number }>;
  problems: Array<{ file: string; line: number; message: string }>;
}

export function workspaceChildren(w: WorkspaceView): NodeView[] {
  if (!w.trusted) {
    return [message('untrusted', 'Workspace not trusted: its agents are not served', 'shield', 'Trust the workspace to serve its agent files as MCP tools.')];
  }
  if (w.serverState === 'failed') {
    return [message('failed', `Local server failed: ${w.serverError ?? 'unknown error'}`, 'error', w.serverError)];
  }
  const nodes = w.agents.map((a) => agentNode(a.agent, a.runtime, a.running));
  for (const p of w.problems) {
    const base = p.file.split(/[\\/]/).pop() ?? p.file;
    nodes.push({
      id: `problem:${p.file}:${p.line}`,
      kind: 'problem',
      label: base,
      description: `line ${p.line}: ${p.message}`,
      tooltip: `${p.file}:${p.line}\n\n${p.message}`,
      // Only errors are listed here (a file with an error is not served): the error icon, as in Problems.
      icon: { id: 'error', color: 'problemsErrorIcon.foreground' },
      contextValue: 'aop.problem',
      collapsible: 'none',
      data: { file: p.file, line: p.line },
    });
  }
  return nodes;
}

/**
 * The Workspace root: the agent count and the local server's port fit the sidebar
 * (`3 agents · :41234`); the whole URL is in the tooltip and behind Copy Server URL.
 */
export function workspaceRoot(w: Pick<WorkspaceView, 'trusted' | 'agents'>, url: string | undefined): NodeView {
  let port: string | undefined;
  try {
    port = url ? new URL(url).port || undefined : undefined;
  } catch {
    port = undefined;
  }
  const count = `${w.agents.length} ${w.agents.length === 1 ? 'agent' : 'agents'}`;
  return {
    id: 'workspace',
    kind: 'workspace',
    label: 'Workspace',
    description: w.trusted ? `${count}${port ? ` · :${port}` : ''}` : 'not trusted',
    tooltip: w.trusted
      ? url
        ? `Local AOP server: ${url}\n\nServes ${count} of this workspace. Clients need this window's token (chat gets it itself); **AOP: Copy Server URL** copies the URL.`
        : `${count}; the local AOP server is not running.`
      : 'This workspace is not trusted: its agent files are not served.',
    icon: { id: 'folder-library' },
    contextValue: 'aop.workspace',
    collapsible: 'expanded',
  };
}

export function serverNode(cluster: string, h: ServerHealth): NodeView {
  const icon =
    h.status === 'up'
      ? { id: 'pass-filled', color: 'testing.iconPassed' }
      : h.status === 'degraded'
        ? { id: 'warning', color: 'problemsWarningIcon.foreground' }
        : h.status === 'down'
          ? { id: 'error', color: 'testing.iconFailed' }
          : { id: 'circle-outline' };
  const latency = h.latencyP50Ms !== undefined ? ` · ${formatDuration(h.latencyP50Ms)}` : '';
  return {
    id: `server:${cluster}:${h.id}`,
    kind: 'server',
    label: h.name,
    description: h.needsSignIn ? 'needs sign-in' : `${h.status}${latency} · ${h.agentCount} tools${h.warnings?.length ? ` · ${h.warnings.length} warning${h.warnings.length > 1 ? 's' : ''}` : ''}`,
    tooltip: [
      `${h.url}`,
      `Status: ${h.status}${h.protocol === 'a2a' ? ' (A2A agent)' : h.isAop ? ' (AOP server)' : ' (MCP server)'}`,
      `Breaker: ${h.breaker}`,
      h.latencyP50Ms !== undefined ? `Latency p50: ${formatDuration(h.latencyP50Ms)}` : '',
      h.lastError ? `Last error: ${h.lastError}` : '',
      h.needsSignIn ? 'Needs sign-in: right-click → Sign in' : '',
      ...(h.warnings ?? []).map((w) => `Warning: ${w}`),
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon,
    contextValue: `aop.server.${h.status}${h.needsSignIn ? '.signin' : ''}`,
    collapsible: h.agentCount > 0 ? 'collapsed' : 'none',
    data: { cluster, server: h.id },
  };
}

export function remoteAgentNode(cluster: string, server: string, e: RegistryEntry): NodeView {
  return {
    id: `remote:${cluster}:${server}:${e.name}`,
    kind: 'remote-agent',
    label: e.name,
    description: e.replicas.length > 1 ? `${e.replicas.length} replicas` : undefined,
    tooltip: [`**${e.name}** — ${e.description}`, e.tags.length ? `Tags: ${e.tags.join(', ')}` : '', `Servers: ${e.replicas.map((r) => r.serverId).join(', ')}`]
      .filter(Boolean)
      .join('\n\n'),
    icon: { id: e.isAgent ? 'hubot' : 'tools' },
    contextValue: 'aop.remoteAgent',
    collapsible: 'none',
    data: { tool: e.name, cluster, server },
  };
}

export function message(id: string, label: string, icon: string, tooltip?: string): NodeView {
  return { id: `message:${id}`, kind: 'message', label, tooltip, icon: { id: icon }, contextValue: 'aop.message', collapsible: 'none' };
}
