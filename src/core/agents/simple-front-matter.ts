import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * A fast path for the front matter most agent files have: one `key: value` per line, where a value
 * is a plain scalar, a quoted string without escapes, or a flow list of such (`[a, b]`), with
 * blank lines and comments between. It builds the same document the `yaml` package would (nodes,
 * values and source ranges), about ten times faster, which matters for folders of thousands of
 * agents. Anything else — nesting, block lists, anchors, escapes, tags, multi-line strings, tabs,
 * duplicate keys — returns undefined and the caller uses the full YAML parser, which also owns
 * every error message. `test/agents/simple-front-matter.test.ts` checks both agree.
 */
export function parseSimpleFrontMatter(text: string): Document.Parsed | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const map = new YAMLMap<Scalar, Scalar | YAMLSeq>();
  const keys = new Set<string>();
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const key = m[1];
    if (keys.has(key)) return undefined;
    keys.add(key);
    const keyNode = scalar(key, start, start + key.length);
    const rest = m[2] ?? '';
    const valueStart = start + line.length - rest.length;
    const value = rest.trimStart() === '' ? scalar(null, valueStart, valueStart, true) : parseValue(rest.trimStart(), valueStart + (rest.length - rest.trimStart().length));
    if (value === undefined) return undefined;
    map.items.push(new Pair(keyNode, value));
  }
  if (map.items.length === 0) return undefined;
  map.range = [map.items[0].key.range![0], offset - 1, offset - 1];
  const doc = new Document() as Document.Parsed;
  doc.contents = map as unknown as Document.Parsed['contents'];
  return doc;
}

/** `key:` then nothing, or at least one space and the rest of the line. */
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:$|( .*)$)/;

/** A value with a possible trailing comment, at `at` (offset of its first character). */
function parseValue(text: string, at: number): Scalar | YAMLSeq | undefined {
  const first = text[0];
  if (first === '#') return undefined; // `key: # comment`: rare, the full parser handles it
  if (first === '"' || first === "'") {
    const q = quoted(text, at);
    if (!q || !isCommentOrEmpty(text.slice(q.length))) return undefined;
    return q.node;
  }
  if (first === '[') {
    const close = text.indexOf(']');
    if (close < 0 || !isCommentOrEmpty(text.slice(close + 1))) return undefined;
    return flowList(text.slice(1, close), at + 1, at, at + close + 1);
  }
  const plain = plainText(text);
  if (plain === undefined) return undefined;
  const resolved = resolvePlain(plain);
  if (resolved === NEEDS_FULL_PARSER) return undefined;
  return scalar(resolved, at, at + plain.length);
}

function isCommentOrEmpty(rest: string): boolean {
  const t = rest.trimStart();
  return t === '' || (t.startsWith('#') && rest.length > t.length);
}

/** `"…"` or `'…'` without escapes, on one line. */
function quoted(text: string, at: number): { node: Scalar; length: number } | undefined {
  const q = text[0];
  const end = text.indexOf(q, 1);
  if (end < 0) return undefined;
  const inner = text.slice(1, end);
  if (q === '"' && inner.includes('\\')) return undefined;
  if (q === "'" && text[end + 1] === "'") return undefined; // '' is an escaped quote
  const node = scalar(inner, at, at + end + 1);
  node.type = q === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
  return { node, length: end + 1 };
}

/** `a, b, "c"` inside `[…]`: plain or quoted items, no nesting. */
function flowList(inner: string, innerAt: number, start: number, end: number): YAMLSeq | undefined {
  const seq = new YAMLSeq<Scalar>();
  seq.flow = true;
  seq.range = [start, end, end];
  if (inner.trim() === '') return seq;
  let at = innerAt;
  for (const raw of inner.split(',')) {
    const lead = raw.length - raw.trimStart().length;
    const item = raw.trim();
    const itemAt = at + lead;
    at += raw.length + 1;
    if (item === '') return undefined;
    if (item[0] === '"' || item[0] === "'") {
      const q = quoted(item, itemAt);
      if (!q || q.length !== item.length) return undefined;
      seq.items.push(q.node);
      continue;
    }
    if (/[[\]{}#:"'`]/.test(item) || INDICATOR.test(item)) return undefined;
    const resolved = resolvePlain(item);
    if (resolved === NEEDS_FULL_PARSER) return undefined;
    seq.items.push(scalar(resolved, itemAt, itemAt + item.length));
  }
  return seq;
}

/** Characters that start something other than a plain scalar (or are reserved). */
const INDICATOR = /^[&*!|>%@`{}[\],#'"]|^[-?:](?:\s|$)/;

/** The plain scalar at the start of `text` (up to a ` #` comment), or undefined when it is not one. */
function plainText(text: string): string | undefined {
  if (INDICATOR.test(text)) return undefined;
  const hash = text.search(/\s#/);
  const value = (hash < 0 ? text : text.slice(0, hash)).trimEnd();
  if (value === '' || /:(\s|$)/.test(value) || /[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value)) return undefined;
  return value;
}

const NEEDS_FULL_PARSER = Symbol('needs the full parser');

/** YAML 1.2 core schema for the plain scalars we take; anything number-like but unusual goes to the full parser. */
function resolvePlain(s: string): string | number | boolean | null | typeof NEEDS_FULL_PARSER {
  if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (/^-?[0-9]{1,15}$/.test(s)) return Number(s);
  if (/^-?[0-9]{1,15}\.[0-9]{1,15}$/.test(s)) return Number(s);
  // 0x1f, 0o17, +1, .5, 1e3, .inf, .nan …: let yaml decide.
  if (/^[-+.0-9]/.test(s) && /^[-+]?(\.|[0-9])/.test(s)) return NEEDS_FULL_PARSER;
  if (/^\.(inf|Inf|INF|nan|NaN|NAN)$/.test(s)) return NEEDS_FULL_PARSER;
  return s;
}

function scalar(value: unknown, start: number, end: number, empty = false): Scalar {
  const node = new Scalar(value);
  node.range = [start, end, end];
  if (!empty) node.type = Scalar.PLAIN;
  return node;
}
