// The hand check of a front matter may only say yes where the schema says yes, with the same data;
// where it is not sure it steps aside (undefined) and zod decides, with its messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agentFrontMatterSchema } from '../../src/core/agents/definition';
import { checkedFrontMatter } from '../../src/core/agents/front-matter-check';

const KEYS = Object.keys(agentFrontMatterSchema.shape);
const TYPICAL = { name: 'agent-1', description: 'Repeats its task.', provider: 'command', command: ['node', '-e', 'x'], tags: ['bench'], capabilities: ['echo'], timeout: 30, env: ['HOME'], tools: ['srv/*'], max_turns: 3 };

const edgeStrings = ['', 'a', 'agent-1', 'Bad Name!', 'x'.repeat(40), 'x'.repeat(41), 'd'.repeat(1024), 'd'.repeat(1025), 'openai', 'command', 'editor', 'opnai', 'OPENAI_KEY', '9bad', 'srv/*', 'x/y', 'a/b/c', 'http://127.0.0.1:1/v1', 'not a url', 'é'];
const edgeNumbers = [0, -0, 1, 2, 2.0000001, -1, 0.5, 30, 100, 101, 1e6, 1e6 + 1, 86_400, 86_400.5, 1e-300, 20, 21, 1024, 1025, 100_000, 100_001, Number.NaN, Infinity, -Infinity];
const EDGES: unknown[] = [...edgeStrings, ...edgeNumbers, true, null, [], [''], ['a'], Array.from({ length: 256 }, () => 'HOME'), Array.from({ length: 257 }, () => 'HOME'), Array.from({ length: 128 }, () => 'a'), Array.from({ length: 129 }, () => 'a')];
const value = fc.oneof(
  fc.constantFrom(...edgeStrings),
  fc.constantFrom(...edgeNumbers),
  fc.double(),
  fc.integer({ min: -5, max: 2_000_000 }),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.array(fc.constantFrom('a', '', 'srv/*', 'x/y', 'BAD ENTRY', 'HOME', 'node', '-e'), { maxLength: 5 }),
  fc.constantFrom(Array.from({ length: 256 }, () => 'HOME'), Array.from({ length: 257 }, () => 'HOME'), Array.from({ length: 129 }, () => 'a'), [1, 2], [null], { a: 1 }),
  fc.constant({ fs: { command: 'npx' } }),
);

function check(input: Record<string, unknown>): 'hand' | 'zod' {
  const hand = checkedFrontMatter(input);
  const zod = agentFrontMatterSchema.safeParse(input);
  if (hand === undefined) return 'zod';
  assert.ok(zod.success, `the hand check took what the schema refuses: ${JSON.stringify(input)}`);
  assert.deepEqual(hand, zod.data, JSON.stringify(input));
  for (const [key, v] of Object.entries(hand)) if (Array.isArray(v)) assert.notEqual(v, input[key], `${key}: a copy, as zod gives`);
  return 'hand';
}

test('property: whenever the hand check answers, the schema agrees, with the same data', () => {
  let hand = 0;
  let zodOnly = 0;
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }), fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 2 }), (extra, few) => {
      // any keys; the same with valid required keys; a valid typical file with one or two values changed
      for (const input of [extra, { ...extra, name: 'agent-1', description: 'Does things.' }, { ...TYPICAL, ...few }]) {
        if (check(input) === 'hand') hand++;
        else if (agentFrontMatterSchema.safeParse(input).success) zodOnly++;
      }
    }),
    { numRuns: 4000 },
  );
  assert.ok(hand > 500, `the hand check should answer a good share (answered ${hand}, left ${zodOnly} valid ones to zod)`);
});

test('every key of a typical file set to every edge value: the hand check never takes what the schema refuses', () => {
  let hand = 0;
  for (const key of KEYS) for (const edge of EDGES) if (check({ ...TYPICAL, [key]: edge }) === 'hand') hand++;
  assert.ok(hand > 100, `answered ${hand}`);
});

test('typical files pass the hand check; URLs, MCP servers and bad values go to zod', () => {
  const typical = TYPICAL;
  assert.deepEqual(checkedFrontMatter(typical), agentFrontMatterSchema.parse(typical));
  for (const odd of [
    { ...typical, base_url: 'http://127.0.0.1:1/v1' },
    { ...typical, mcp_servers: { fs: { command: 'npx' } } },
    { ...typical, timeout: 0 },
    { ...typical, max_tokens: 2.5 },
    { ...typical, tags: [''] },
    { ...typical, command: [] },
    { name: 'agent-1' },
  ]) {
    assert.equal(checkedFrontMatter(odd), undefined, JSON.stringify(odd));
  }
});
