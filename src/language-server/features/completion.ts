import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { PROVIDERS, type AgentSourceKind, AGENT_KEY_DOCS, AGENT_KEYS, formatKeyDoc, keyDoc, keyTypeLabel, PROVIDER_DOCS, FOREIGN_KEYS } from '../../core';
import type { KnownModel } from './diagnostics';
import { inFrontMatter, outlineAgentFile } from './outline';

/** Keys of the mapped formats whose values are true/false. */
const FOREIGN_BOOLEANS = new Set(['user-invocable', 'disable-model-invocation', 'infer', 'background', 'disabled']);

export interface CompletionContext {
  kind: AgentSourceKind;
  knownModels: readonly KnownModel[];
}

/** Completion in an agent file: keys at the start of a front-matter line, values after `key:`, a skeleton in an empty file. */
export function completeAgentFile(text: string, position: Position, ctx: CompletionContext): CompletionItem[] {
  const lines = text.split('\n');
  const line = (lines[position.line] ?? '').replace(/\r$/, '');
  const before = line.slice(0, position.character);
  const outline = outlineAgentFile(text);

  if (outline.status === 'missing') {
    return position.line === 0 && /^-{0,3}$/.test(before) ? [skeleton(position, before.length)] : [];
  }
  if (!inFrontMatter(outline, position.line)) return [];

  // `key: |` → values of that key.
  const valueMatch = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(before);
  if (valueMatch) {
    const [, key, typed] = valueMatch;
    if (/^\[|^-/.test(typed) || typed.includes('#')) return [];
    const start = position.character - typed.length;
    const range: Range = { start: { line: position.line, character: start }, end: { line: position.line, character: position.character + wordAfter(line, position.character) } };
    return valueItems(key, ctx).map((item) => ({ ...item, textEdit: { range, newText: item.insertText ?? item.label }, insertText: undefined }));
  }

  // A key being typed at the start of a line (top level only).
  const keyMatch = /^([A-Za-z_][\w-]*)?$/.exec(before);
  if (!keyMatch) return [];
  const range: Range = {
    start: { line: position.line, character: 0 },
    end: { line: position.line, character: position.character + wordAfter(line, position.character) },
  };
  const present = new Set(outline.entries.filter((e) => e.keyRange.start.line !== position.line).map((e) => e.key));
  return AGENT_KEYS.filter((key) => !present.has(key)).map((key, i): CompletionItem => {
    const doc = AGENT_KEY_DOCS[key];
    return {
      label: key,
      kind: CompletionItemKind.Property,
      detail: keyTypeLabel(key) + (doc.required ? ' (required)' : ''),
      documentation: { kind: MarkupKind.Markdown, value: formatKeyDoc(key) },
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range, newText: `${key}: ${doc.snippet}` },
      // Required keys first, then the documentation order.
      sortText: `${doc.required ? 0 : 1}${String(i).padStart(2, '0')}`,
      // Values that offer choices pop their own completion right away.
      command: doc.values || key === 'model' ? { title: 'Suggest', command: 'editor.action.triggerSuggest' } : undefined,
    };
  });
}

function valueItems(key: string, ctx: CompletionContext): CompletionItem[] {
  if (key === 'provider') {
    return PROVIDERS.map((p) => ({
      label: p,
      kind: CompletionItemKind.EnumMember,
      documentation: { kind: MarkupKind.Markdown, value: PROVIDER_DOCS[p] },
    }));
  }
  if (key === 'model') {
    const seen = new Set<string>();
    const items: CompletionItem[] = [];
    for (const m of ctx.knownModels) {
      for (const [label, detail] of [
        [m.id, [m.name, m.vendor].filter(Boolean).join(' · ')],
        [m.family, `family${m.vendor ? ` · ${m.vendor}` : ''}`],
      ] as const) {
        if (!label || seen.has(label)) continue;
        seen.add(label);
        items.push({ label, kind: CompletionItemKind.Value, detail: detail || undefined });
      }
    }
    return items;
  }
  if (FOREIGN_BOOLEANS.has(key) && ctx.kind !== 'aop' && (FOREIGN_KEYS[ctx.kind] as readonly string[]).includes(key)) {
    return ['true', 'false'].map((b) => ({ label: b, kind: CompletionItemKind.Value }));
  }
  const doc = keyDoc(key);
  if (doc?.values) return doc.values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
  if (doc && keyTypeLabel(doc.key) === 'boolean') return ['true', 'false'].map((b) => ({ label: b, kind: CompletionItemKind.Value }));
  return [];
}

/** A whole front matter for a file that has none yet. */
function skeleton(position: Position, typed: number): CompletionItem {
  return {
    label: 'agent front matter',
    kind: CompletionItemKind.Snippet,
    detail: 'name, description, provider, model',
    documentation: { kind: MarkupKind.Markdown, value: 'Front matter of an agent file, then its system prompt.' },
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: {
      range: { start: { line: position.line, character: 0 }, end: { line: position.line, character: typed } },
      newText: [
        '---',
        'name: ${1:my-agent}',
        'description: ${2:What the agent does.}',
        'provider: ${3|' + PROVIDERS.join(',') + '|}',
        'model: ${4:gpt-4o}',
        '---',
        '${0:You are …}',
      ].join('\n'),
    },
  };
}

/** Length of the word right of the cursor, replaced by the completion too. */
function wordAfter(line: string, character: number): number {
  return /^[\w.-]*/.exec(line.slice(character))![0].length;
}
