#!/usr/bin/env node
// npm run test:vscode — the in-editor suite (test/vscode/suite) in desktop VS Code via
// @vscode/test-electron. It needs a VS Code executable: set VSCODE_EXECUTABLE, or let
// test-electron download one on a machine that can. Where neither is possible (machines with only
// the npm registry), it reports itself SKIPPED (never passed) and fails unless AOP_VSCODE_SKIP=1; the same suite runs in a real VS Code from
// code-server in `npm run test:e2e` (test/e2e/in-editor.test.ts).
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const executable = process.env.VSCODE_EXECUTABLE;
const canDownload = process.env.AOP_VSCODE_DOWNLOAD === '1';
if (!executable && !canDownload) {
  // Not a pass: say SKIPPED with the reason, in TAP too (so a TAP consumer counts a skip), and
  // exit 0 only when skipping was asked for (AOP_VSCODE_SKIP=1 or AOP_E2E_SKIP=1).
  const reason =
    'desktop VS Code is not available here (set VSCODE_EXECUTABLE to a VS Code binary, ' +
    'or AOP_VSCODE_DOWNLOAD=1 where @vscode/test-electron may download one); ' +
    'the same in-editor suite runs in a real VS Code (code-server) in `npm run test:e2e` (test/e2e/in-editor.test.ts)';
  const asked = process.env.AOP_VSCODE_SKIP === '1' || process.env.AOP_E2E_SKIP === '1';
  console.log('TAP version 13\n1..1');
  console.log(`ok 1 - in-editor suite in desktop VS Code (@vscode/test-electron) # SKIP ${reason}`);
  console.log('# pass 0\n# skip 1');
  console.error(`\ntest:vscode SKIPPED, NOT PASSED: ${reason}.`);
  if (!asked) console.error('Failing because the skip was not asked for: set AOP_VSCODE_SKIP=1 to skip it explicitly.');
  process.exit(asked ? 0 : 1);
}
if (executable && !existsSync(executable)) {
  console.error(`VSCODE_EXECUTABLE=${executable} does not exist`);
  process.exit(1);
}
const { runTests } = await import('@vscode/test-electron');
const workspace = mkdtempSync(join(tmpdir(), 'aop-vscode-'));
cpSync(join(root, 'examples/agents'), join(workspace, 'agents'), { recursive: true });
try {
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test/vscode/suite/index.js'),
    launchArgs: [workspace, '--disable-workspace-trust', '--disable-extensions'],
  });
} catch (err) {
  console.error(`in-editor tests failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
