/**
 * Tests that run INSIDE the extension host (the @vscode/test-electron model: extensionDevelopmentPath
 * + extensionTestsPath exporting run()), in code-server via the workbench URL payload.
 * Runs only with AOP_E2E=1 (after scripts/e2e-setup.sh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eTimeout, e2eSkipReason, runExtensionTests } from '../harness.js';

const HERE = path.join(__dirname, '..');
const skip = e2eSkipReason();

async function run(fail: boolean) {
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aop-e2e-result-')), 'result.json');
  try {
    const r = await runExtensionTests({
      extensionDevelopmentPath: path.join(HERE, 'fixtures', 'hello-ext'),
      extensionTestsPath: path.join(HERE, 'fixtures', 'exthost-tests', 'index.js'),
      env: { EXTHOST_TESTS_RESULT: resultFile, EXTHOST_TESTS_FAIL: fail ? '1' : '0' },
      timeoutMs: 120_000,
    });
    return { exitCode: r.exitCode, results: JSON.parse(fs.readFileSync(resultFile, 'utf8')) as Array<{ name: string; ok: boolean }> };
  } finally {
    fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });
  }
}

test('extension-host tests pass -> exit code 0', { skip, timeout: e2eTimeout(180_000) }, async () => {
  const { exitCode, results } = await run(false);
  assert.equal(exitCode, 0);
  assert.ok(results.length >= 4 && results.every((r) => r.ok), JSON.stringify(results));
});

test('extension-host test failure -> exit code 1', { skip, timeout: e2eTimeout(180_000) }, async () => {
  const { exitCode, results } = await run(true);
  assert.equal(exitCode, 1);
  assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.name), ['deliberate failure']);
});
