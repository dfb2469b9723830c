/**
 * The in-editor suite (test/vscode/suite/index.js, also run by @vscode/test-electron) inside the
 * extension host of a real VS Code from code-server, with this repository as the extension under
 * development. Runs with AOP_E2E=1 after scripts/e2e-setup.sh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eTimeout, e2eSkipReason, runExtensionTests } from './harness';
import { exampleWorkspace } from './project';

const ROOT = path.resolve(__dirname, '../..');
const skip = e2eSkipReason();

test('in-editor suite passes inside a real VS Code extension host', { skip, timeout: e2eTimeout(300_000) }, async () => {
  const workspace = exampleWorkspace('aop-in-editor-');
  const resultFile = path.join(os.tmpdir(), `aop-in-editor-${process.pid}.json`);

  try {
    const r = await runExtensionTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'test/vscode/suite/index.js'),
      folder: workspace,
      env: { AOP_VSCODE_TESTS_RESULT: resultFile },
      timeoutMs: 240_000,
      screenshotName: 'in-editor',
    });
    const results = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : [];
    assert.ok(results.length >= 6, `expected the suite's results, got ${JSON.stringify(results)}; console:\n${r.console.slice(-30).join('\n')}`);
    for (const res of results) assert.equal(res.ok, true, `${res.name}: ${res.error}`);
    assert.equal(r.exitCode, 0);
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(resultFile, { force: true });
  }
});
