import { isMap, isNode, isScalar, isSeq, parse, parseDocument, type Node } from 'yaml';
import type { Position, Range } from 'vscode-languageserver';
import { splitFrontMatter, SourceText, type SourceRange } from '../../core';

/** A `key: value` pair of the front matter with where its parts are written (0-based LSP ranges). */
export interface OutlineEntry {
  key: string;
  keyRange: Range;
  /** The value node; undefined for `key:` with nothing after it. */
  valueRange?: Range;
  /** The value as plain data (string, number, list…). */
  value: unknown;
  /** The items of a list value. */
  items?: { value: unknown; range: Range }[];
  /** Key through value. */
  range: Range;
}

/**
 * Where things are in an agent file, for editor features (not validation: that is `parseAgentFile`).
 * Tolerates broken YAML: whatever pairs can be read are listed.
 */
export interface AgentFileOutline {
  status: 'ok' | 'missing' | 'unclosed';
  /** The opening `---` line. */
  open?: Range;
  /** The closing `---` line. */
  close?: Range;
  /** Lines (0-based) holding YAML: first and one past the last. */
  yamlLines?: { start: number; end: number };
  entries: OutlineEntry[];
}

/** 1-based parser ranges (AgentDiagnostic, SourceRange) to 0-based LSP ranges. UTF-16 columns on both sides. */
export function toLspRange(r: SourceRange): Range {
  return {
    start: { line: r.line - 1, character: r.column - 1 },
    end: { line: r.endLine - 1, character: r.endColumn - 1 },
  };
}

export function outlineAgentFile(text: string): AgentFileOutline {
  const split = splitFrontMatter(text);
  const source = new SourceText(text);
  const lsp = (start: number, end: number) => toLspRange(source.range(start, end));
  if (split.status === 'missing') return { status: 'missing', entries: [] };
  if (split.status === 'unclosed') {
    return { status: 'unclosed', open: toLspRange(source.lineRange(split.openStart)), entries: [] };
  }
  const open = toLspRange(source.lineRange(split.openStart));
  const close = toLspRange(source.lineRange(split.closeStart));
  const outline: AgentFileOutline = {
    status: 'ok',
    open,
    close,
    yamlLines: { start: open.start.line + 1, end: close.start.line },
    entries: [],
  };
  const yaml = text.slice(split.yamlStart, split.yamlEnd);
  const base = split.yamlStart;
  const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: false });
  // While a key is half typed the YAML is often broken: read the `key: value` lines one by one then.
  if (doc.errors.length > 0) {
    outline.entries = lineEntries(yaml, (start, end) => lsp(base + start, base + end));
    return outline;
  }
  if (!isMap(doc.contents)) return outline;
  const nodeRange = (node: Node): Range | undefined => {
    if (!node.range) return undefined;
    let [start, end] = node.range;
    while (end > start + 1 && /\s/.test(yaml[end - 1] ?? '')) end--;
    return lsp(base + start, base + end);
  };
  for (const pair of doc.contents.items) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const keyRange = nodeRange(pair.key)!;
    const valueNode = isNode(pair.value) ? pair.value : undefined;
    const valueRange = valueNode && valueNode.range && valueNode.range[1] > valueNode.range[0] ? nodeRange(valueNode) : undefined;
    const entry: OutlineEntry = {
      key: String(pair.key.value),
      keyRange,
      valueRange,
      value: valueNode ? valueNode.toJS(doc) : null,
      range: { start: keyRange.start, end: valueRange?.end ?? keyRange.end },
    };
    if (isSeq(valueNode)) {
      entry.items = [];
      for (const item of valueNode.items) {
        const range = isNode(item) ? nodeRange(item) : undefined;
        if (isNode(item) && range) entry.items.push({ value: item.toJS(doc), range });
      }
    }
    outline.entries.push(entry);
  }
  return outline;
}

export function entryOf(outline: AgentFileOutline, key: string): OutlineEntry | undefined {
  return outline.entries.find((e) => e.key === key);
}

export function contains(range: Range, pos: Position): boolean {
  const after = pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const before = pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return after && before;
}

/** Whether `line` (0-based) is inside the YAML of the front matter. */
export function inFrontMatter(outline: AgentFileOutline, line: number): boolean {
  return outline.yamlLines !== undefined && line >= outline.yamlLines.start && line < outline.yamlLines.end;
}

/** Top-level `key: value` lines of broken YAML; a value is read on its own line only. */
function lineEntries(yaml: string, lsp: (start: number, end: number) => Range): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  const pattern = /^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+|$)(.*?)[ \t]*(?:[ \t]#.*)?\r?$/gm;
  for (const m of yaml.matchAll(pattern)) {
    const start = m.index;
    const [, key, raw] = m;
    const keyRange = lsp(start, start + key.length);
    let valueRange: Range | undefined;
    let value: unknown = null;
    if (raw !== '') {
      const valueStart = start + m[0].indexOf(raw, key.length + 1);
      valueRange = lsp(valueStart, valueStart + raw.length);
      try {
        value = parse(raw);
      } catch {
        value = raw;
      }
    }
    entries.push({ key, keyRange, valueRange, value, range: { start: keyRange.start, end: valueRange?.end ?? keyRange.end } });
  }
  return entries;
}
