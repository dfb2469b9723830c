import type { AgentSourceKind } from './definition';
import { TOOL_NAME_PATTERN } from './definition';

/**
 * Front-matter keys of foreign agent formats that we read (name, description, model) or accept
 * and ignore because they mean nothing to an AOP tool (tool lists, handoffs, UI colors…).
 */
export const FOREIGN_KEYS: Record<Exclude<AgentSourceKind, 'aop'>, readonly string[]> = {
  // VS Code custom agents, .github/agents/*.agent.md (code.visualstudio.com custom agent file reference).
  vscode: [
    'name',
    'description',
    'model',
    'tools',
    'argument-hint',
    'handoffs',
    'target',
    'mcp-servers',
    'agents',
    'user-invocable',
    'disable-model-invocation',
    'infer',
    'hooks',
    'metadata',
  ],
  // Claude Code subagents, .claude/agents/*.md.
  claude: [
    'name',
    'description',
    'model',
    'tools',
    'disallowedTools',
    'permissionMode',
    'maxTurns',
    'skills',
    'mcpServers',
    'hooks',
    'memory',
    'background',
    'isolation',
    'color',
    'effort',
    'initialPrompt',
    'disabled',
  ],
};

/** The file name without its agent suffix: `.github/agents/Plan.agent.md` → `Plan`. */
export function baseNameOfAgentFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? '';
  return base.replace(/\.agent\.md$/i, '').replace(/\.md$/i, '');
}

/** Makes any label a valid tool name: `Plan Agent (v2)` → `Plan-Agent-v2`. Empty when nothing usable is left. */
export function sanitizeToolName(label: string): string {
  const name = label
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return TOOL_NAME_PATTERN.test(name) ? name : '';
}

/** Fallback description for a foreign agent without one: the first line of its prompt. */
export function describeFromPrompt(prompt: string, name: string): string {
  const first = prompt
    .split(/\r?\n/)
    .map((line) => line.replace(/^#+\s*/, '').trim())
    .find((line) => line.length > 0);
  return (first ?? `Agent ${name}`).slice(0, 200);
}
