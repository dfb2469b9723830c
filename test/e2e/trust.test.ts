/**
 * Workspace trust in a real VS Code: in Restricted Mode the extension runs (it declares limited
 * support) but serves no workspace agent, and the Agent Explorer says why.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { exampleWorkspace, packageVsix } from './project';
import { e2eTimeout, e2eSkipReason, startVSCode, type VSCode } from './harness';

const skip = e2eSkipReason();
let vs: VSCode | undefined;
let workspace = '';

before(async () => {
  if (skip) return;
  workspace = exampleWorkspace('aop-e2e-untrusted-');

  vs = await startVSCode({ folder: workspace, extensions: [{ vsix: packageVsix() }], workspaceTrust: true, settings: { 'workbench.startupEditor': 'none' } });
});

after(async () => {
  await vs?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('in an untrusted workspace no agent is served and the explorer says why', { skip, timeout: e2eTimeout(180_000) }, async () => {
  const page = vs!.page;
  await vs!.showAgentExplorer();
  const row = page.locator('.pane-body .monaco-list-row', { hasText: /not trusted/ }).first();
  await row.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  assert.equal(await page.locator('.pane-body .monaco-list-row', { hasText: 'text-stats' }).count(), 0, 'no workspace agent listed');
  await vs!.screenshot('untrusted');
});

test('granting trust (Manage Workspace Trust → Trust) serves the workspace agents without a reload', { skip, timeout: e2eTimeout(180_000) }, async () => {
  const page = vs!.page;
  await vs!.runCommand('Workspaces: Manage Workspace Trust');
  const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first();
  await trust.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await trust.click();
  // the Restricted Mode indicator goes away, and the explorer lists the agents
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: e2eTimeout(30_000) });
  // the trust editor opens as a modal editor: close it (it blocks clicks on the workbench)
  const modal = page.locator('.monaco-modal-editor-block');
  await page.keyboard.press('Escape');
  if (await modal.count()) await vs!.runCommand('View: Close All Editors');
  await modal.first().waitFor({ state: 'detached', timeout: e2eTimeout(15_000) });
  // the AOP view is still open from the test above; show it if it is not (a click on the shown
  // container's icon would hide the side bar while the server restarts)
  await vs!.showAgentExplorer();
  try {
    for (const name of ['text-stats', 'code-reviewer', 'planner']) {
      await page.locator('.pane-body .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
    }
  } catch (err) {
    await vs!.screenshot('trusted-failed');
    throw err;
  }
  assert.equal(await page.locator('.pane-body .monaco-list-row', { hasText: /not trusted/ }).count(), 0, 'the "not trusted" row is gone');
  await vs!.screenshot('trusted');
});
