import type { AgentDefinition, AgentDiagnostic, AgentSourceKind, Severity } from './definition';
import { closestMatch } from './did-you-mean';
import type { SourceRange } from './source-text';

/** Built-in tools of every orchestrating agent: find and call agents at run time. */
export const BUILTIN_AGENT_TOOLS = ['search_agents', 'call_agent', 'call_agents'] as const;
export type BuiltinAgentTool = (typeof BUILTIN_AGENT_TOOLS)[number];

/** Tools that exist only inside VS Code's own chat (custom agents list them in `tools:`). */
export const VSCODE_EDITOR_TOOLS = [
  'codebase', 'editFiles', 'edit', 'search', 'searchResults', 'fetch', 'githubRepo', 'runCommands', 'runTasks', 'runTests',
  'runNotebooks', 'problems', 'usages', 'changes', 'testFailure', 'terminalLastCommand', 'terminalSelection', 'vscodeAPI',
  'extensions', 'findTestFiles', 'new', 'openSimpleBrowser', 'think', 'todos', 'readFile', 'read', 'execute', 'web',
  'agent', 'todo', 'vscode', 'runSubagent', 'memory', 'selection', 'getTerminalOutput', 'createFile', 'createDirectory',
];
/** Tools that exist only inside Claude Code (subagents list them in `tools:`). */
export const CLAUDE_EDITOR_TOOLS = [
  'Read', 'Write', 'Edit', 'MultiEdit', 'Grep', 'Glob', 'LS', 'Bash', 'BashOutput', 'KillShell', 'WebFetch', 'WebSearch',
  'Task', 'Agent', 'TodoWrite', 'NotebookEdit', 'NotebookRead', 'SlashCommand', 'ExitPlanMode', 'Skill',
];

export type ToolEntry =
  | { kind: 'builtin'; entry: string; name: BuiltinAgentTool }
  | { kind: 'agent'; entry: string; agent: string }
  | { kind: 'mcp'; entry: string; server: string; tool: string | '*' }
  | { kind: 'cluster'; entry: string; cluster: string; agent: string | '*' };

/** What one `tools:` entry names: `<server>/…` when the file declares that MCP server, else a cluster. */
export function classifyToolEntry(entry: string, mcpServers: readonly string[]): ToolEntry {
  if ((BUILTIN_AGENT_TOOLS as readonly string[]).includes(entry)) return { kind: 'builtin', entry, name: entry as BuiltinAgentTool };
  const slash = entry.indexOf('/');
  if (slash < 0) return { kind: 'agent', entry, agent: entry };
  const prefix = entry.slice(0, slash);
  const rest = entry.slice(slash + 1);
  if (mcpServers.includes(prefix)) return { kind: 'mcp', entry, server: prefix, tool: rest };
  return { kind: 'cluster', entry, cluster: prefix, agent: rest };
}

/** Whether a foreign file's entry names a tool of the editor's own chat. */
export function isEditorBuiltin(entry: string, kind: AgentSourceKind): boolean {
  if (kind === 'vscode') return VSCODE_EDITOR_TOOLS.includes(entry) || /^(vscode|github\.vscode|ms-[\w.-]+)\//.test(entry);
  if (kind === 'claude') return CLAUDE_EDITOR_TOOLS.includes(entry.replace(/\(.*\)$/, '')) || /^mcp__/.test(entry);
  return false;
}

/**
 * Cross-file findings on an agent's `tools:`: a bare name that is no agent of the workspace gets a
 * warning with did-you-mean (an info in VS Code / Claude files, whose lists may name editor tools).
 * `<cluster>/…` entries are checked when the calling agent runs (clusters are configured elsewhere).
 */
export function toolEntryDiagnostics(
  agent: AgentDefinition,
  ranges: readonly (SourceRange | undefined)[] | undefined,
  fallback: SourceRange,
  agentNames: ReadonlySet<string>,
): AgentDiagnostic[] {
  const out: AgentDiagnostic[] = [];
  const servers = Object.keys(agent.mcpServers ?? {});
  (agent.tools ?? []).forEach((entry, i) => {
    const e = classifyToolEntry(entry, servers);
    if (e.kind !== 'agent' || agentNames.has(e.agent)) return;
    const range = ranges?.[i] ?? fallback;
    const severity: Severity = agent.source.kind === 'aop' ? 'warning' : 'info';
    const suggestion = closestMatch(entry, [...agentNames, ...BUILTIN_AGENT_TOOLS, ...servers.map((s) => `${s}/*`)]);
    let message = `tools: \`${entry}\` is not an agent of this workspace`;
    message += suggestion ? `; did you mean \`${suggestion}\`?` : '; use <agent>, <cluster>/<agent>, <server>/<tool> (a server of mcp_servers) or search_agents / call_agent / call_agents';
    if (agent.source.kind !== 'aop') message += ' — it is ignored when this agent runs outside the editor';
    out.push({ file: agent.source.file, ...range, severity, message, code: 'unknown-tool' });
  });
  return out;
}
