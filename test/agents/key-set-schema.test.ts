// The narrowed schema must answer exactly what the whole front-matter schema answers: the same
// success, the same data, the same issues (paths, codes, messages) for any input of schema keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agentFrontMatterSchema } from '../../src/core/agents/definition';
import { frontMatterSchemaFor } from '../../src/core/agents/key-set-schema';

const KEYS = Object.keys(agentFrontMatterSchema.shape);

test('the narrowed schema agrees with the whole schema on valid, invalid and incomplete inputs', () => {
  const value = fc.oneof(
    fc.constantFrom('agent-1', 'Bad Name!', '', 'openai', 'command', 'editor', 'opnai', 'http://127.0.0.1:1/v1', 'not a url', 'OPENAI_KEY', '9bad'),
    fc.constantFrom(0, 1, 2.5, -1, 30, 1e9, 0.2, 100),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.constantFrom('a', '', 'srv/*', 'x/y', 'BAD ENTRY', 'HOME'), { maxLength: 4 }),
    fc.constant({ fs: { command: 'npx' } }),
    fc.constant({ 'bad alias!': { url: 'x' } }),
  );
  let passed = 0;
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }), (input) => {
      const narrowed = frontMatterSchemaFor(input).safeParse(input);
      const whole = agentFrontMatterSchema.safeParse(input);
      assert.equal(narrowed.success, whole.success, JSON.stringify(input));
      if (whole.success) {
        passed++;
        assert.deepEqual(narrowed.data, whole.data);
      } else {
        assert.deepEqual(narrowed.error!.issues, whole.error.issues, JSON.stringify(input));
      }
    }),
    { numRuns: 3000 },
  );
  // and with the required keys present and valid, so that valid inputs are well represented
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }), (extra) => {
      const input = { ...extra, name: 'agent-1', description: 'Does things.' };
      const narrowed = frontMatterSchemaFor(input).safeParse(input);
      const whole = agentFrontMatterSchema.safeParse(input);
      assert.deepEqual(narrowed.success ? narrowed.data : narrowed.error!.issues, whole.success ? whole.data : whole.error.issues, JSON.stringify(input));
      if (whole.success) passed++;
    }),
    { numRuns: 3000 },
  );
  assert.ok(passed > 200, `valid inputs should be well represented (got ${passed})`);
});
