import type { CodeLens } from 'vscode-languageserver';
import type { ParseAgentResult } from '../../core';
import { outlineAgentFile } from './outline';

/** Commands the extension registers; the lenses pass the agent (tool) name as the only argument. */
export const INVOKE_AGENT_COMMAND = 'aop.invokeAgent';
export const SHOW_TRACES_COMMAND = 'aop.showTraces';

/**
 * "▶ Invoke agent" and "Show traces" above the front matter. Invoke only when the file is a valid
 * agent (an invalid one is not served); traces whenever a name can be read (old runs stay).
 */
export function agentCodeLenses(text: string, result: ParseAgentResult): CodeLens[] {
  const outline = outlineAgentFile(text);
  if (!outline.open) return [];
  const written = outline.entries.find((e) => e.key === 'name')?.value;
  const name = result.agent?.name ?? (typeof written === 'string' && written !== '' ? written : undefined);
  if (!name) return [];
  const range = { start: outline.open.start, end: outline.open.start };
  const lenses: CodeLens[] = [];
  if (result.agent) lenses.push({ range, command: { title: '▶ Invoke agent', command: INVOKE_AGENT_COMMAND, arguments: [name] } });
  lenses.push({ range, command: { title: 'Show traces', command: SHOW_TRACES_COMMAND, arguments: [name] } });
  return lenses;
}
