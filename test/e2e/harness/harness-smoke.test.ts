/**
 * Proves the e2e harness: real VS Code (code-server) + Chromium, with the throwaway
 * fixtures/hello-ext extension. Runs only with AOP_E2E=1 (after scripts/e2e-setup.sh):
 *   AOP_E2E=1 node --import tsx --test test/e2e/harness-smoke.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { e2eTimeout, e2eSkipReason, startVSCode, listLogFiles, type VSCode } from '../harness.js';

const HERE = path.join(__dirname, '..');
const FIXTURE = path.join(HERE, 'fixtures', 'hello-ext');
const skip = e2eSkipReason();

function processesMentioning(s: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(s) && !l.includes('ps -eo'));
}

test('harness: hello-ext activates, tree view shows, command shows a message', { skip, timeout: e2eTimeout(180_000) }, async () => {
  let vs: VSCode | undefined;
  let rootDir = '';
  try {
    vs = await startVSCode({
      extensions: [{ folder: FIXTURE }],
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    rootDir = vs.server.rootDir;
    const resultFile = path.join(vs.workspace, '.e2e-result.json');

    // 1. Activated (onStartupFinished): the extension writes its API probe into the workspace.
    const deadline = Date.now() + e2eTimeout(60_000);
    while (!fs.existsSync(resultFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.ok(fs.existsSync(resultFile), `extension did not activate; console:\n${vs.consoleMessages.join('\n')}`);
    const probe = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    assert.equal(probe.activated, true);
    assert.equal(probe.hasSayHi, true);
    console.log('probe:', JSON.stringify(probe));

    // 2. Tree view in its own activity bar container.
    const activity = vs.page.locator('.activitybar .action-item a[aria-label^="Hello E2E"], .activitybar .action-item [aria-label^="Hello E2E"]').first();
    await activity.waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
    await activity.click();
    await vs.page.locator('.monaco-list-row', { hasText: 'Beta item' }).first().waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });

    // 3. Command via the palette -> info message.
    await vs.runCommand('Hello E2E: Say Hi');
    const msg = await vs.waitForNotification('Hello from E2E!');
    assert.match(msg, /Hello from E2E!/);

    const shot = await vs.screenshot('harness-smoke');
    assert.ok(fs.statSync(shot).size > 10_000);

    // 4. Logs: activation is in remoteexthost.log; the extension's LogOutputChannel has its own file.
    await vs.waitForActivation('aop-e2e.hello-ext', 60_000); // the log file is flushed lazily
    let extLog = '';
    for (let i = 0; i < 120 && !/activated/.test(extLog); i++, await new Promise((r) => setTimeout(r, 250))) extLog = vs.readExtensionLog('aop-e2e.hello-ext');
    assert.match(extLog, /\[hello-e2e\] activated/, `files: ${listLogFiles(vs.server.userDataDir).join(', ')}`);
  } finally {
    await vs?.stop();
  }
  // 5. Nothing left running.
  if (rootDir) {
    assert.deepEqual(processesMentioning(rootDir), []);
  }
});

test('harness: workspaceTrust=true starts in Restricted Mode; the extension activates once trusted', { skip, timeout: e2eTimeout(180_000) }, async () => {
  const vs = await startVSCode({ extensions: [{ folder: FIXTURE }], workspaceTrust: true });
  try {
    const resultFile = path.join(vs.workspace, '.e2e-result.json');
    // code-server shows no modal trust prompt here: a Restricted Mode banner + status bar item instead.
    await vs.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(fs.existsSync(resultFile), false, 'extension must not activate in an untrusted workspace');
    await vs.runCommand('Workspaces: Manage Workspace Trust');
    const trust = vs.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first();
    await trust.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
    await vs.screenshot('harness-trust-editor');
    await trust.click();
    const deadline = Date.now() + e2eTimeout(60_000);
    while (!fs.existsSync(resultFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const probe = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    assert.equal(probe.isTrusted, true);
  } finally {
    await vs.stop();
  }
});
