import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { type AgentSourceKind, type ProviderKind, formatKeyDoc, keyDoc, PROVIDER_DOCS, FOREIGN_KEYS } from '../../core';
import { contains, outlineAgentFile } from './outline';

const FORMAT_NAMES = { vscode: 'VS Code custom agents', claude: 'Claude Code subagents' } as const;

/** Hover in an agent file: the documentation of a key, or of a `provider` value. */
export function hoverAgentFile(text: string, position: Position, kind: AgentSourceKind): Hover | undefined {
  const outline = outlineAgentFile(text);
  for (const entry of outline.entries) {
    if (contains(entry.keyRange, position)) {
      const doc = keyDoc(entry.key);
      if (doc) return { contents: { kind: MarkupKind.Markdown, value: formatKeyDoc(doc.key) }, range: entry.keyRange };
      if (kind !== 'aop' && FOREIGN_KEYS[kind].includes(entry.key)) {
        const value = `**${entry.key}**: a key of ${FORMAT_NAMES[kind]}; AOP reads the file but does not use this key.`;
        return { contents: { kind: MarkupKind.Markdown, value }, range: entry.keyRange };
      }
      return undefined;
    }
    if (entry.key === 'provider' && entry.valueRange && contains(entry.valueRange, position) && typeof entry.value === 'string') {
      const doc = Object.hasOwn(PROVIDER_DOCS, entry.value) ? PROVIDER_DOCS[entry.value as ProviderKind] : undefined;
      if (doc) return { contents: { kind: MarkupKind.Markdown, value: `**provider: ${entry.value}** — ${doc}` }, range: entry.valueRange };
    }
  }
  return undefined;
}
