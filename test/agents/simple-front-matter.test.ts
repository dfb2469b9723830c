// The fast front-matter path must build exactly what the yaml package builds — values and the source
// ranges diagnostics point at — or step aside (undefined) for the full parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMap, isNode, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { parseSimpleFrontMatter } from '../../src/core/agents/simple-front-matter';

function shape(node: unknown): unknown {
  if (isScalar(node)) return { v: node.value, r: node.range?.slice(0, 2) };
  if (isSeq(node)) return { items: node.items.map(shape), r: node.range?.slice(0, 2) };
  if (isMap(node)) return node.items.map((p) => ({ k: shape(p.key), v: shape(p.value) }));
  return node === null ? null : String(node);
}

function assertSame(text: string): boolean {
  const fast = parseSimpleFrontMatter(text);
  if (!fast) return false;
  const full = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  assert.deepEqual(full.errors, [], `the fast path took invalid YAML:\n${text}`);
  assert.deepEqual(fast.toJS(), full.toJS(), `values differ for:\n${text}`);
  const fastMap = fast.contents as Node;
  const fullMap = full.contents as Node;
  assert.ok(isNode(fastMap) && isMap(fullMap));
  // Empty values: yaml gives a null scalar at the end of the key line; only the value matters there.
  const norm = (m: unknown) =>
    (shape(m) as Array<{ k: unknown; v: { v: unknown; r?: number[] } | null }>).map((p) => ({ k: p.k, v: p.v && p.v.v === null ? null : p.v }));
  assert.deepEqual(norm(fastMap), norm(fullMap), `ranges differ for:\n${text}`);
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
  ];
  for (const s of full) assert.equal(parseSimpleFrontMatter(s), undefined, `should need the full parser:\n${s}`);
});

test('property: whenever the fast path answers, yaml agrees on values and ranges', () => {
  const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/);
  const plainChar = fc.constantFrom(...'abcXYZ019 .,/:#-_()@%&*!?\'"[]{}|>~+='.split(''));
  const plain = fc.array(plainChar, { minLength: 1, maxLength: 20 }).map((a) => a.join(''));
  const value = fc.oneof(
    plain,
    fc.constantFrom('true', 'False', 'null', '~', '42', '-7', '3.14', '007', '0.5', 'yes', 'NO'),
    plain.map((p) => `"${p}"`),
    plain.map((p) => `'${p}'`),
    fc.array(fc.oneof(plain, plain.map((p) => `"${p}"`)), { maxLength: 4 }).map((a) => `[${a.join(', ')}]`),
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
