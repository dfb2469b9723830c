/**
 * Workspace trust in a real VS Code: in Restricted Mode the extension runs (it declares limited
 * support) but serves no workspace agent, and the Agent Explorer says why.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { exampleWorkspace, packageVsix } from './project';
import { e2eSkipReason, startVSCode, type VSCode } from './harness';

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

test('in an untrusted workspace no agent is served and the explorer says why', { skip, timeout: 180_000 }, async () => {
  const page = vs!.page;
  const container = page.locator('.activitybar .action-item [aria-label^="AOP"]').first();
  await container.waitFor({ state: 'visible', timeout: 90_000 });
  await container.click();
  const row = page.locator('.pane-body .monaco-list-row', { hasText: /not trusted/ }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  assert.equal(await page.locator('.pane-body .monaco-list-row', { hasText: 'text-stats' }).count(), 0, 'no workspace agent listed');
  await vs!.screenshot('untrusted');
});
