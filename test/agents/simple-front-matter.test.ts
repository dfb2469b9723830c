// The fast front-matter path must build exactly what the yaml package builds — values and the source
// ranges diagnostics point at — or step aside (undefined) for the full parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMap, isNode, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { parseSimpleFrontMatter, type SimpleEntry } from '../../src/core/agents/simple-front-matter';

/** What matters of a yaml node: its value and where it is written (a list: each item too). */
function shape(node: unknown): unknown {
  if (isScalar(node)) return node.value === null ? null : { v: node.value, r: node.range?.slice(0, 2) };
  if (isSeq(node)) return { v: node.toJSON(), r: node.range?.slice(0, 2), items: node.items.map((i) => (isNode(i) ? i.range?.slice(0, 2) : undefined)) };
  return String(node);
}

/** The same shape from the fast path's entries. */
function fastShape(entry: SimpleEntry): unknown {
  if (entry.value === null) return null;
  return Array.isArray(entry.value) ? { v: entry.value, r: entry.range, items: entry.items } : { v: entry.value, r: entry.range };
}

function assertSame(text: string): boolean {
  const fast = parseSimpleFrontMatter(text);
  if (!fast) return false;
  const full = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  assert.deepEqual(full.errors, [], `the fast path took invalid YAML:\n${text}`);
  assert.deepEqual(Object.fromEntries([...fast].map(([k, e]) => [k, e.value])), full.toJS(), `values differ for:\n${text}`);
  const fullMap = full.contents as Node;
  assert.ok(isMap(fullMap));
  // Empty values: yaml gives a null scalar at the end of the key line; only the value matters there.
  const expected = fullMap.items.map((p) => ({ k: { v: (p.key as Scalar).value, r: (p.key as Scalar).range?.slice(0, 2) }, v: shape(p.value) }));
  const actual = [...fast].map(([k, e]) => ({ k: { v: k, r: e.keyRange }, v: fastShape(e) }));
  assert.deepEqual(actual, expected, `ranges differ for:\n${text}`);
  return true;
}

test('typical agent files take the fast path and agree with yaml', () => {
  const samples = [
    'name: text-stats\ndescription: Counts words and sentences in a text.\nprovider: command\ncommand: [node, scripts/text-stats.js]\ntags: [text, stats]\ncapabilities: [counting]\ntimeout: 30\nmax_retries: 0\n',
    'name: "quoted name"\ndescription: \'single quoted\'\ntemperature: 0.2\nmax_tokens: 2048\n# a comment\n\nrole: worker   # trailing comment\n',
    'name: x\ntags: []\nallow_recursion: true\nempty:\nmodel: gpt-4o\nbase_url: http://127.0.0.1:11434/v1\n',
    'name: c-sharp\ndescription: Knows C# and F#, and colons:like:this.\ncommand: [ "a b", c ]\n',
  ];
  for (const s of samples) assert.ok(assertSame(s), `fast path expected for:\n${s}`);
});

test('anything beyond the simple shape goes to the full parser', () => {
  const full = [
    'name: x\ntags:\n  - a\n  - b\n',
    'name: x\ntags:\n- a\n',
    'name: &a x\nother: *a\n',
    'description: |\n  multi\n  line\n',
    'name: "esc\\"aped"\n',
    "name: 'it''s'\n",
    'name: x\nname: y\n',
    'mcp_servers:\n  fs: {command: npx}\n',
    'n: 0x1f\n',
    'n: 1e3\n',
    'n: .inf\n',
    'n: +1\n',
    'a: b: c\n',
    'name:\tx\n',
    'name: x\r\n',
    'key: # only a comment\n',
    'list: [a, [b]]\n',
    'm: {a: 1}\n',
    'name: a\u00a0b\n',
    'name: "a\u2028b"\n',
    ' name: x\n',
  ];
  for (const s of full) assert.equal(parseSimpleFrontMatter(s), undefined, `should need the full parser:\n${s}`);
});

test('property: whenever the fast path answers, yaml agrees on values and ranges', () => {
  const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/);
  const plainChar = fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...'abcXYZ019 .,/:#-_()@%&*!?\'"[]{}|>~+='.split('')) }, { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\u2028', '\ufeff', 'é') });
  const plain = fc.array(plainChar, { minLength: 1, maxLength: 20 }).map((a) => a.join(''));
  const value = fc.oneof(
    plain,
    fc.constantFrom('true', 'False', 'null', '~', '42', '-7', '3.14', '007', '0.5', 'yes', 'NO'),
    plain.map((p) => `"${p}"`),
    plain.map((p) => `'${p}'`),
    fc.tuple(fc.array(fc.oneof(plain, plain.map((p) => `"${p}"`)), { maxLength: 4 }), fc.constantFrom(', ', ',', ' , ', ',   '), fc.constantFrom('', ' ', '  ')).map(([a, sep, pad]) => `[${pad}${a.join(sep)}${pad}]`),
    fc.constant(''),
  );
  const line = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(word, value, fc.constantFrom('', '  ', ' # note', '   #x')).map(([k, v, c]) => `${k}:${v === '' ? '' : ' ' + v}${v === '' ? '' : c}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ') },
  );
  let fast = 0;
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
      if (assertSame(lines.join('\n') + '\n')) fast++;
    }),
    { numRuns: 3000 },
  );
  assert.ok(fast > 300, `the fast path should take a good share of simple inputs (took ${fast})`);
});
