/** Offsets `[start, end)` in the front matter text, as the yaml package's `node.range` gives them. */
export type Span = [start: number, end: number];

/** One `key: value` line: the value as the yaml package would give it, and where each part is written. */
export interface SimpleEntry {
  keyRange: Span;
  value: unknown;
  /** The whole value (quotes and brackets included); empty (`[s, s]`) for `key:` with nothing after it. */
  range: Span;
  /** A flow list's items, in order. */
  items?: Span[];
}

/** What a value line gives before its key is known. */
type WrittenValue = Omit<SimpleEntry, 'keyRange'>;

/** The keys of a simple front matter in written order. */
export type SimpleFrontMatter = Map<string, SimpleEntry>;

/**
 * A fast path for the front matter most agent files have: one `key: value` per line, where a value
 * is a plain scalar, a quoted string without escapes, or a flow list of such (`[a, b]`), with
 * blank lines and comments between. It gives the values the `yaml` package would give and the
 * offsets its nodes would carry, without building a document, which matters for folders of
 * thousands of agents. Anything else — nesting, block lists, anchors, escapes, tags, multi-line
 * strings, tabs, duplicate keys — returns undefined and the caller uses the full YAML parser, which
 * also owns every error message. `test/agents/simple-front-matter.test.ts` checks both agree.
 */
export function parseSimpleFrontMatter(text: string): SimpleFrontMatter | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const entries: SimpleFrontMatter = new Map();
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const key = m[1];
    if (entries.has(key)) return undefined;
    const rest = m[2] ?? '';
    const valueStart = start + line.length - rest.length;
    const written = rest.trimStart();
    const found = written === '' ? value(null, valueStart, valueStart) : parseValue(written, valueStart + (rest.length - written.length));
    if (found === undefined) return undefined;
    entries.set(key, { keyRange: [start, start + key.length], ...found });
  }
  return entries.size === 0 ? undefined : entries;
}

/** `key:` then nothing, or at least one space and the rest of the line. */
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:$|( .*)$)/;

/** A value with a possible trailing comment, at `at` (offset of its first character). */
function parseValue(text: string, at: number): WrittenValue | undefined {
  const first = text[0];
  if (first === '#') return undefined; // `key: # comment`: rare, the full parser handles it
  if (first === '"' || first === "'") {
    const q = quoted(text);
    if (!q || !isCommentOrEmpty(text.slice(q.length))) return undefined;
    return value(q.value, at, at + q.length);
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
  return value(resolved, at, at + plain.length);
}

function isCommentOrEmpty(rest: string): boolean {
  const t = rest.trimStart();
  return t === '' || (t.startsWith('#') && rest.length > t.length);
}

/** `"…"` or `'…'` without escapes, on one line: its value and written length (quotes included). */
function quoted(text: string): { value: string; length: number } | undefined {
  const q = text[0];
  const end = text.indexOf(q, 1);
  if (end < 0) return undefined;
  const inner = text.slice(1, end);
  if (q === '"' && inner.includes('\\')) return undefined;
  if (q === "'" && text[end + 1] === "'") return undefined; // '' is an escaped quote
  return { value: inner, length: end + 1 };
}

/** `a, b, "c"` inside `[…]`: plain or quoted items, no nesting. */
function flowList(inner: string, innerAt: number, start: number, end: number): WrittenValue | undefined {
  const list = { ...value([] as unknown[], start, end), items: [] as Span[] };
  if (inner.trim() === '') return list;
  let at = innerAt;
  for (const raw of inner.split(',')) {
    const lead = raw.length - raw.trimStart().length;
    const item = raw.trim();
    const itemAt = at + lead;
    at += raw.length + 1;
    if (item === '') return undefined;
    if (item[0] === '"' || item[0] === "'") {
      const q = quoted(item);
      if (!q || q.length !== item.length) return undefined;
      list.value.push(q.value);
    } else {
      if (/[[\]{}#:"'`]/.test(item) || INDICATOR.test(item)) return undefined;
      const resolved = resolvePlain(item);
      if (resolved === NEEDS_FULL_PARSER) return undefined;
      list.value.push(resolved);
    }
    list.items.push([itemAt, itemAt + item.length]);
  }
  return list;
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

function value<T>(v: T, start: number, end: number): { value: T; range: Span } {
  return { value: v, range: [start, end] };
}
