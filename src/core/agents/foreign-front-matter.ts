import { TOOL_ENTRY_PATTERN } from './definition';
import { baseNameOfAgentFile, describeFromPrompt, sanitizeToolName } from './mapped-formats';
import type { ParseContext } from './parse-context';
import { isEditorBuiltin } from './tool-entries';

const MAX_DESCRIPTION = 1024;

/**
 * VS Code and Claude Code files: derive name and description when missing, translate model values
 * and tools. Returns, for each `tools` entry kept, its index in the written list.
 */
export function mapForeignKeys(ctx: ParseContext, input: Record<string, unknown>, values: Record<string, unknown>, prompt: string): number[] | undefined {
  const written = values.name;
  if (written === undefined || written === null || typeof written === 'string' || typeof written === 'number') {
    const label = written === undefined || written === null ? baseNameOfAgentFile(ctx.file) : String(written);
    const name = sanitizeToolName(label) || sanitizeToolName(baseNameOfAgentFile(ctx.file)) || 'agent';
    if (written !== undefined && written !== null && name !== label) {
      ctx.report('info', 'name-sanitized', `served as tool \`${name}\` (tool names are 1-40 letters, digits, "_" or "-")`, ctx.pathRange(['name']));
    }
    input.name = name;
  }

  const description = values.description;
  if (description === undefined || description === null || description === '') {
    input.description = describeFromPrompt(prompt, String(input.name));
    ctx.report(
      'warning',
      'missing-key',
      'no `description`: calling models only see the first line of the prompt; add a description of what the agent does',
      ctx.pathRange(['description']),
    );
  } else if (typeof description === 'string' && description.length > MAX_DESCRIPTION) {
    input.description = description.slice(0, MAX_DESCRIPTION);
    ctx.report('warning', 'invalid-value', `\`description\` is cut to ${MAX_DESCRIPTION} characters`, ctx.pathRange(['description']));
  }

  const model = values.model;
  if (ctx.kind === 'claude' && model === 'inherit') delete input.model;
  // VS Code accepts a list of models in order of preference.
  if (ctx.kind === 'vscode' && Array.isArray(model)) {
    const first = model.find((m): m is string => typeof m === 'string' && m.length > 0);
    if (first !== undefined) input.model = first;
    else delete input.model;
  }
  return mapForeignTools(ctx, input, values);
}

/**
 * `tools` / `mcp-servers` (VS Code) and `tools` / `mcpServers` / `maxTurns` (Claude): entries that
 * name agents or declared MCP servers are honoured; editor built-ins get an info finding.
 */
function mapForeignTools(ctx: ParseContext, input: Record<string, unknown>, values: Record<string, unknown>): number[] | undefined {
  const serversKey = ctx.kind === 'vscode' ? 'mcp-servers' : 'mcpServers';
  const servers = values[serversKey];
  if (servers !== undefined && servers !== null) {
    if (typeof servers === 'object' && !Array.isArray(servers)) input.mcp_servers = servers;
    else ctx.report('info', 'unused-key', `\`${serversKey}\` is used only as a mapping of alias → {url, headers} or {command, args, env}; this one is left to the editor`, ctx.keyRange(serversKey));
  }
  if (ctx.kind === 'claude' && values.maxTurns !== undefined) input.max_turns = values.maxTurns;
  let tools = values.tools;
  if (typeof tools === 'string') tools = tools.split(',').map((t) => t.trim()).filter(Boolean);
  if (tools === undefined || tools === null || !Array.isArray(tools)) return undefined;
  const kept: string[] = [];
  const index: number[] = [];
  const editorOnly: string[] = [];
  tools.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    if (isEditorBuiltin(entry, ctx.kind) || !TOOL_ENTRY_PATTERN.test(entry)) editorOnly.push(entry);
    else {
      kept.push(entry);
      index.push(i);
    }
  });
  if (editorOnly.length > 0) {
    const editor = ctx.kind === 'vscode' ? "VS Code's" : "Claude Code's";
    ctx.report(
      'info',
      'editor-tool',
      `${editorOnly.map((t) => `\`${t}\``).join(', ')} exist${editorOnly.length === 1 ? 's' : ''} only inside ${editor} own chat; served as an AOP agent this file uses its agents and MCP servers only`,
      ctx.keyRange('tools'),
    );
  }
  input.tools = kept;
  return index;
}
