/**
 * The hand-written record check (src/core/registry/record-check.ts) against the zod schema it
 * shortcuts: on generated records — valid, out of bounds, wrong types, odd URLs — whatever the
 * check accepts, the schema accepts with the same output; and plainly valid records do take the
 * short path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { plainServerRecord } from '../../src/core/registry/record-check';
import { RECORD_LIMITS, parseServerRecord, serverRecordSchema } from '../../src/core/registry/record';

const around = (limit: number) => fc.oneof(fc.nat({ max: 4 }), fc.integer({ min: limit - 1, max: limit + 1 }));
const text = (limit: number) => around(limit).chain((n) => fc.oneof(fc.string({ minLength: n, maxLength: n }), fc.constant('x'.repeat(n))));
const list = fc.oneof(
  fc.array(fc.string({ minLength: 0, maxLength: 3 }), { maxLength: 3 }),
  around(RECORD_LIMITS.list).map((n) => Array.from({ length: n }, (_, i) => `t${i}`)),
  fc.constant(['x'.repeat(RECORD_LIMITS.short + 1)]),
  fc.constant([1]),
  fc.constant('tag'),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const url = fc.oneof(
  fc.constantFrom('http://10.0.0.1:8000/mcp', 'https://aop.example.com/mcp', 'HTTP://A/', 'http://a', 'http:/a', 'http:a', 'ftp://a/', 'javascript:alert(1)'),
  fc.constantFrom(' http://a/', 'http://a/ ', 'http://a/\n', 'http://a\t.b/', 'http://ä.de/', 'http://a/%zz', 'http://[::1', 'http://a b/', 'http://'),
  fc.webUrl(),
  around(2048).map((n) => `http://a/${'p'.repeat(Math.max(0, n - 9))}`),
  fc.string(),
);
const agent = fc.record(
  {
    name: fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-]{1,40}$/), fc.constantFrom('', 'bad name!', 'x'.repeat(41)), fc.string()),
    description: maybe(fc.oneof(text(RECORD_LIMITS.text), fc.constant(5))),
    tags: maybe(list),
    capabilities: maybe(list),
    version: maybe(fc.oneof(text(RECORD_LIMITS.short), fc.constant(null))),
    role: maybe(text(RECORD_LIMITS.short)),
    model: maybe(fc.oneof(text(RECORD_LIMITS.short), fc.constant(null), fc.constant(3))),
    extra: maybe(fc.anything()),
  },
  { requiredKeys: [] },
);
const int = fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5, 2 ** 53, 1e9, 1e9 + 1, '5', null));
const record = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[a-zA-Z0-9._@:-]{1,128}$/), fc.constantFrom('', 'a/b', 'x'.repeat(129)), fc.string()),
    url,
    name: text(RECORD_LIMITS.short),
    agents: fc.oneof(fc.array(agent, { maxLength: 3 }), fc.constant('none')),
    startedAt: int,
    load: maybe(int),
    version: maybe(text(RECORD_LIMITS.short)),
    extra: maybe(fc.anything()),
  },
  { requiredKeys: [] },
);

/** Records within every bound (limits included), so the short path is exercised, not just refused. */
const within = (limit: number) => fc.oneof(fc.string({ maxLength: 4 }), fc.constant('y'.repeat(limit)));
const validList = fc.oneof(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }), fc.constant(Array.from({ length: RECORD_LIMITS.list }, () => 'z'.repeat(RECORD_LIMITS.short))));
const validRecord = fc.record(
  {
    id: fc.stringMatching(/^[a-zA-Z0-9._@:-]{1,128}$/),
    // plain URLs, and odd ones the schema trims, strips or refuses (the short path must leave those to it)
    url: fc.constantFrom('http://10.0.0.1:8000/mcp', 'https://aop.example.com/mcp', 'HTTP://A/', 'http://a', `http://a/${'p'.repeat(2048 - 9)}`, `http://a/${'p'.repeat(2048 - 8)}`, ' http://a/', 'http://a/ ', 'http://a b/', 'http://a/\n', 'http://ä.de/', 'http:/a', 'http://[::1'),
    name: within(RECORD_LIMITS.short),
    agents: fc.array(
      fc.record(
        {
          name: fc.stringMatching(/^[a-zA-Z0-9_-]{1,40}$/),
          description: within(RECORD_LIMITS.text),
          tags: validList,
          capabilities: validList,
          version: within(RECORD_LIMITS.short),
          role: within(RECORD_LIMITS.short),
          model: fc.oneof(within(RECORD_LIMITS.short), fc.constant(null)),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 3 },
    ),
    startedAt: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
    load: fc.oneof(fc.nat({ max: 1e9 }), fc.constant(1e9)),
    version: within(RECORD_LIMITS.short),
  },
  { requiredKeys: ['id', 'url', 'name', 'agents', 'startedAt'] },
);

test('record check: whatever it accepts, the zod schema accepts with the same output', () => {
  let shortcut = 0;
  fc.assert(
    fc.property(fc.oneof(validRecord, record, fc.anything()), (value) => {
      const json: unknown = JSON.parse(JSON.stringify(value ?? null));
      const plain = plainServerRecord(json);
      if (!plain) return;
      shortcut++;
      const parsed = serverRecordSchema.safeParse(json);
      assert.ok(parsed.success, `the check accepted what the schema refuses: ${JSON.stringify(json).slice(0, 300)} — ${parsed.success ? '' : parsed.error.issues[0].message}`);
      assert.deepStrictEqual(plain, parsed.data);
    }),
    { numRuns: 2000 },
  );
  assert.ok(shortcut > 100, `only ${shortcut} generated records took the short path`);
});

test('record check: plainly valid records take the short path; bad ones still get the schema\'s reason', () => {
  const valid = {
    id: 'aop-1',
    url: 'http://10.0.0.5:8000/mcp',
    name: 'aop',
    agents: [
      { name: 'a1', description: 'd', tags: ['t'], capabilities: ['c'], version: 'v', role: 'r', model: null },
      { name: 'a2', tags: Array.from({ length: RECORD_LIMITS.list }, (_, i) => `t${i}`) },
    ],
    startedAt: 5,
    load: 2,
    version: '0.1.0',
  };
  const plain = plainServerRecord(valid);
  assert.ok(plain);
  assert.deepStrictEqual(plain, serverRecordSchema.parse(valid));
  assert.equal(plain.agents[1].description, '');
  assert.deepEqual(plain.agents[1].capabilities, []);
  assert.equal(plainServerRecord({ ...valid, load: undefined })?.load, 0);
  const r = parseServerRecord(JSON.stringify({ ...valid, agents: [{ name: 'a', tags: Array(RECORD_LIMITS.list + 1).fill('t') }] }));
  assert.ok('error' in r && /agents\.0\.tags/.test(r.error), JSON.stringify(r));
});
