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
  if (ODD_WHITESPACE.test(text)) return undefined;
  const entries: SimpleFrontMatter = new Map();
  // Lines by index, without split/trim/match arrays: cold code runs once per file for thousands of files.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    let first = lineStart;
    while (first < end && text.charCodeAt(first) === SPACE) first++;
    if (first === end || text.charCodeAt(first) === HASH) continue; // blank or comment
    if (first !== lineStart) return undefined; // indented: nesting or a continuation
    const colon = keyEnd(text, lineStart, end);
    if (colon < 0) return undefined;
    const key = text.slice(lineStart, colon);
    if (entries.has(key)) return undefined;
    let at = colon + 1;
    while (at < end && text.charCodeAt(at) === SPACE) at++;
    const found: WrittenValue | undefined = at === end ? value(null, colon + 1, colon + 1) : parseValue(text.slice(at, end), at);
    if (found === undefined) return undefined;
    entries.set(key, { keyRange: [lineStart, colon], value: found.value, range: found.range, ...(found.items ? { items: found.items } : {}) });
  }
  return entries.size === 0 ? undefined : entries;
}

/**
 * White space other than spaces and line feeds (tabs, carriage returns, no-break spaces, line
 * separators…): yaml has its own rules for each, so such text goes to it.
 */
const ODD_WHITESPACE = /[^\S \n]/;
const SPACE = 32;
const HASH = 35;
const COLON = 58;

/**
 * Where the `:` of a `key:` line is (a key is `[A-Za-z_][A-Za-z0-9_-]*`, then `:` at the end of
 * the line or before a space), or -1.
 */
function keyEnd(text: string, from: number, end: number): number {
  let i = from;
  let c = text.charCodeAt(i);
  if (!(isLetter(c) || c === 95)) return -1;
  for (i++; i < end; i++) {
    c = text.charCodeAt(i);
    if (!(isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
  }
  if (i >= end || text.charCodeAt(i) !== COLON) return -1;
  return i + 1 === end || text.charCodeAt(i + 1) === SPACE ? i : -1;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

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

/** Characters a plain flow-list item never has here (brackets, braces, comments, `:`, quotes). */
const NOT_IN_FLOW_ITEM = /[[\]{}#:"'`]/;

/** `a, b, "c"` inside `[…]`: plain or quoted items, no nesting. */
function flowList(inner: string, innerAt: number, start: number, end: number): WrittenValue | undefined {
  const values: unknown[] = [];
  const items: Span[] = [];
  let from = 0;
  for (;;) {
    let to = inner.indexOf(',', from);
    const last = to < 0;
    if (last) to = inner.length;
    let a = from;
    let b = to;
    while (a < b && inner.charCodeAt(a) === SPACE) a++;
    while (b > a && inner.charCodeAt(b - 1) === SPACE) b--;
    if (a === b) {
      // `[]` or `[  ]` is an empty list; an empty item anywhere else is not ours
      if (last && from === 0) return { value: values, range: [start, end], items };
      return undefined;
    }
    const item = inner.slice(a, b);
    if (item[0] === '"' || item[0] === "'") {
      const q = quoted(item);
      if (!q || q.length !== item.length) return undefined;
      values.push(q.value);
    } else {
      if (NOT_IN_FLOW_ITEM.test(item) || INDICATOR.test(item)) return undefined;
      const resolved = resolvePlain(item);
      if (resolved === NEEDS_FULL_PARSER) return undefined;
      values.push(resolved);
    }
    items.push([innerAt + a, innerAt + b]);
    if (last) return { value: values, range: [start, end], items };
    from = to + 1;
  }
}

/** Characters that start something other than a plain scalar (or are reserved). */
const INDICATOR = /^[&*!|>%@`{}[\],#'"]|^[-?:](?:\s|$)/;
const COMMENT_START = /\s#/;
const MAPPING_COLON = /:(\s|$)/;
const CONTROL = /[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/;

/** The plain scalar at the start of `text` (up to a ` #` comment), or undefined when it is not one. */
function plainText(text: string): string | undefined {
  if (INDICATOR.test(text)) return undefined;
  const hash = text.search(COMMENT_START);
  const value = (hash < 0 ? text : text.slice(0, hash)).trimEnd();
  if (value === '' || MAPPING_COLON.test(value) || CONTROL.test(value)) return undefined;
  return value;
}

const NEEDS_FULL_PARSER = Symbol('needs the full parser');
const INTEGER = /^-?[0-9]{1,15}$/;
const DECIMAL = /^-?[0-9]{1,15}\.[0-9]{1,15}$/;
const NUMBER_LIKE = /^[-+.0-9]/;
const NUMBER_START = /^[-+]?(\.|[0-9])/;
const INF_OR_NAN = /^\.(inf|Inf|INF|nan|NaN|NAN)$/;

/** YAML 1.2 core schema for the plain scalars we take; anything number-like but unusual goes to the full parser. */
function resolvePlain(s: string): string | number | boolean | null | typeof NEEDS_FULL_PARSER {
  if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (INTEGER.test(s)) return Number(s);
  if (DECIMAL.test(s)) return Number(s);
  // 0x1f, 0o17, +1, .5, 1e3, .inf, .nan …: let yaml decide.
  if (NUMBER_LIKE.test(s) && NUMBER_START.test(s)) return NEEDS_FULL_PARSER;
  if (INF_OR_NAN.test(s)) return NEEDS_FULL_PARSER;
  return s;
}

function value<T>(v: T, start: number, end: number): { value: T; range: Span } {
  return { value: v, range: [start, end] };
}
