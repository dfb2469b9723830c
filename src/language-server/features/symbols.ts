import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { ParseAgentResult } from '../../core';
import { truncate } from '../../shared/text';
import { outlineAgentFile } from './outline';

/** One symbol per file: the agent, spanning the front matter, with its keys as children. */
export function agentDocumentSymbols(text: string, result: ParseAgentResult): DocumentSymbol[] {
  const outline = outlineAgentFile(text);
  if (outline.status !== 'ok' || !outline.open || !outline.close) return [];
  const nameEntry = outline.entries.find((e) => e.key === 'name');
  const written = typeof nameEntry?.value === 'string' && nameEntry.value !== '' ? nameEntry.value : undefined;
  const name = result.agent?.name ?? written ?? 'agent';
  const range = { start: outline.open.start, end: outline.close.end };
  const children: DocumentSymbol[] = outline.entries.map((e) => ({
    name: e.key,
    detail: summarize(e.value),
    kind: e.key === 'name' ? SymbolKind.Constant : SymbolKind.Property,
    range: e.range,
    selectionRange: e.keyRange,
  }));
  const description = result.agent?.description ?? outline.entries.find((e) => e.key === 'description')?.value;
  return [
    {
      name,
      detail: typeof description === 'string' ? truncate(description, 80) : undefined,
      kind: SymbolKind.Class,
      range,
      selectionRange: nameEntry?.valueRange ?? outline.open,
      children,
    },
  ];
}

function summarize(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return truncate(`[${value.map((v) => String(v)).join(', ')}]`, 60);
  if (typeof value === 'object') return '{…}';
  return truncate(String(value), 60);
}
