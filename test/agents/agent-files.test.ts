// The scan's shortcuts: relativeTo must answer exactly what path.relative answers; readTextFileSync
// exactly what readFileSync reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readTextFileSync, relativeTo } from '../../src/core/agents/agent-files';

function viaPathRelative(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

test('relativeTo agrees with path.relative on built, odd and outside paths', () => {
  const segment = fc.constantFrom('a', 'b.agent.md', '.github', '.', '..', '', '...', '.x', 'x.', 'agents');
  const abs = fc.array(segment, { minLength: 0, maxLength: 5 }).map((s) => '/' + s.join('/'));
  fc.assert(
    fc.property(abs, fc.array(segment, { maxLength: 5 }), (rootish, rest) => {
      const root = path.resolve(rootish);
      for (const file of [path.join(root, ...rest), root + '/' + rest.join('/'), root + rest.join('/')]) {
        assert.equal(relativeTo(root, file), viaPathRelative(root, file), `root ${root}, file ${file}`);
      }
    }),
    { numRuns: 2000 },
  );
  assert.equal(relativeTo('/w', '/w/.github/agents/a.agent.md'), '.github/agents/a.agent.md');
  assert.equal(relativeTo('/w', '/w/../x.agent.md'), undefined);
  assert.equal(relativeTo('/w', '/wx/a.agent.md'), undefined);
  assert.equal(relativeTo('/w', '/w/..x.agent.md'), '..x.agent.md', 'a name starting with two dots is inside');
});

test('readTextFileSync reads small, boundary-sized and big files whole, and throws what fs throws', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aop-read-'));
  try {
    const cases = { empty: '', small: 'name: é ✓\n', exact: 'x'.repeat(64 * 1024), big: 'ü'.repeat(50_000) + 'end' };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(path.join(dir, name), text);
      assert.equal(readTextFileSync(path.join(dir, name)), text, name);
    }
    // the shared buffer is not left holding an earlier, longer file's tail
    assert.equal(readTextFileSync(path.join(dir, 'small')), cases.small);
    assert.throws(() => readTextFileSync(path.join(dir, 'missing')), { code: 'ENOENT' });
    assert.throws(() => readTextFileSync(dir), { code: 'EISDIR' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
