/**
 * The extension in a real VS Code (code-server + Chromium): the packaged .vsix installs and
 * activates, the Agent Explorer lists the example agents, Invoke Agent from the palette returns
 * the command agent's answer, a new agent file appears without reload, and a cluster with one
 * live and one dead server shows both with the right health.
 * Runs with AOP_E2E=1 after scripts/e2e-setup.sh (npm test does both).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleWorkspace, packageVsix } from './project';
import { e2eTimeout, e2eSkipReason, startVSCode, type VSCode, type Page } from './harness';
import { AopServer } from '../../src/core/server/aop-server';
import { InstantChatModel } from '../../src/core/models/instant';
import { makeAgent } from '../support/agents';
import { closedPort } from '../support/cluster';

const skip = e2eSkipReason();

let vs: VSCode | undefined;
let remote: AopServer | undefined;
let workspace = '';
let deadUrl = '';
let liveUrl = '';


async function row(page: Page, text: string | RegExp, timeout = 60_000) {
  const loc = page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
  await loc.waitFor({ state: 'visible', timeout });
  return loc;
}

before(async () => {
  if (skip) return;
  const vsix = packageVsix();
  remote = new AopServer({ name: 'remote', port: 0, models: () => new InstantChatModel((t) => `remote says: ${t}`) });
  remote.setAgents([makeAgent({ name: 'remote-helper', description: 'Helps from far away', provider: 'openai' })]);
  const { url } = await remote.listen();
  liveUrl = url;
  deadUrl = `http://127.0.0.1:${await closedPort()}/mcp`;
  workspace = exampleWorkspace('aop-e2e-ws-');

  vs = await startVSCode({
    folder: workspace,
    extensions: [{ vsix }],
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.startupEditor': 'none',
      'aop.clusters': [{ name: 'team', servers: [url, deadUrl], timeout_ms: 3000 }],
    },
  });
});

after(async () => {
  await vs?.stop();
  await remote?.close();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('the .vsix installs and activates; the Agent Explorer lists the example agents', { skip, timeout: e2eTimeout(240_000) }, async () => {
  const page = vs!.page;
  const container = page.locator('.activitybar .action-item [aria-label^="AOP"]').first();
  await container.waitFor({ state: 'visible', timeout: e2eTimeout(90_000) });
  await container.click();
  for (const name of ['text-stats', 'code-reviewer', 'planner']) await row(page, name);
  const workspaceRow = await row(page, /^Workspace/);
  assert.match((await workspaceRow.textContent()) ?? '', /3 agents/);
  const log = vs!.readExtensionLog('aop-agents.aop-agents');
  assert.match(log, /local AOP server at http:\/\/127\.0\.0\.1:\d+\/mcp with 3 agents/);
  await vs!.screenshot('explorer');
});

test('a cluster with one live and one dead server shows both with the right health', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  await row(page, /^team/);
  const up = await row(page, /up · .* 1 tools/);
  const down = await row(page, /down · 0 tools/);
  // each health belongs to the right server: the live one is up with its one agent, the dead one down
  const port = (u: string) => new URL(u).port;
  const upText = ((await up.textContent()) ?? '') as string;
  const downText = ((await down.textContent()) ?? '') as string;
  assert.match(upText, new RegExp(`:${port(liveUrl)}\\b.*up · .*1 tools`), upText);
  assert.match(downText, new RegExp(`:${port(deadUrl)}\\b.*down · 0 tools`), downText);
  await up.click();
  await row(page, 'remote-helper');
  await vs!.screenshot('explorer-clusters');
});

test('Invoke Agent from the palette returns the command agent answer in a Markdown editor', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  await vs!.runCommand('AOP: Invoke Agent…');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'remote-helper' }).first().waitFor({ timeout: e2eTimeout(30_000) });
  await input.fill('text-stats');
  await vs!.screenshot('palette-invoke');
  await page.keyboard.press('Enter');
  // The same widget comes back as the task input box: wait for its prompt before typing.
  await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill('Agents are tools. Tools are agents.');
  await page.keyboard.press('Enter');
  const answer = page.locator('.monaco-editor .view-lines', { hasText: 'Words: 6, sentences: 2, characters: 35.' }).first();
  await answer.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  // The editor renders spaces as no-break spaces.
  assert.match(((await answer.textContent()) ?? '').replace(/\u00a0/g, ' '), /Most frequent: agents \(2\), tools \(2\)/);
  // ...in a Markdown editor: the status bar's language mode of the active editor
  const mode = page.locator('#status\\.editor\\.mode');
  await mode.filter({ hasText: 'Markdown' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  assert.equal(((await mode.textContent()) ?? '').trim(), 'Markdown');
  await vs!.screenshot('invoke-result');
});

test('Show Traces opens the trace panel with the invocation and its spans, in the dark theme', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  await vs!.runCommand('AOP: Show Traces');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const traceRow = frame.locator('[data-testid=trace-row]', { hasText: 'text-stats' }).first();
  await traceRow.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await traceRow.click();
  await frame.locator('[data-testid=trace-head]', { hasText: 'text-stats' }).waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  const waterfall = frame.locator('[data-testid=waterfall]');
  await page.waitForFunction(
    (el: Element) => Number(el.getAttribute('data-span-count')) >= 4,
    await waterfall.elementHandle(),
    { timeout: e2eTimeout(30_000) },
  );
  const count = Number(await waterfall.getAttribute('data-span-count'));
  assert.ok(count >= 4, `span count ${count}: invoke, validate, attempt, model`);
  assert.ok((await frame.locator('[data-testid=span-row]').count()) >= 4);
  await vs!.screenshot('traces-panel-dark');
  // The light-theme screenshot of the panel comes from the chat suite, which runs VS Code in Light Modern.
  await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: e2eTimeout(30_000) });
});

test('a remote agent invoked through the cluster leaves one stitched trace across both servers', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  await vs!.runCommand('AOP: Invoke Agent…');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'remote-helper' }).first().waitFor({ timeout: e2eTimeout(30_000) });
  await input.fill('remote-helper');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill('hello from the editor');
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines', { hasText: 'remote says: hello from the editor' }).first().waitFor({ timeout: e2eTimeout(60_000) });
  await vs!.runCommand('AOP: Show Traces');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const traceRow = frame.locator('[data-testid=trace-row]', { hasText: 'remote-helper' }).first();
  await traceRow.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await traceRow.click();
  // Wait for the state: the panel shows THIS trace (its head names the agent), then its spans.
  await frame.locator('[data-testid=trace-head]', { hasText: 'remote-helper' }).waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  const waterfall = frame.locator('[data-testid=waterfall]');
  await page.waitForFunction(
    (el: Element) => Number(el.getAttribute('data-span-count')) >= 5,
    await waterfall.elementHandle(),
    { timeout: e2eTimeout(30_000) },
  );
  const count = Number(await waterfall.getAttribute('data-span-count'));
  assert.ok(count >= 5, `stitched trace has ${count} spans: aop.remote + the remote invoke, validate, attempt, model`);
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.remote' }).first().waitFor({ timeout: e2eTimeout(10_000) });
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.invoke' }).first().waitFor({ timeout: e2eTimeout(10_000) });
  await vs!.screenshot('traces-panel-remote');
});

test('a new agent file appears in the tree without a reload', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  fs.writeFileSync(
    path.join(workspace, 'agents', 'fresh.agent.md'),
    '---\nname: fresh-agent\ndescription: Added while VS Code runs\nprovider: command\ncommand: [node, scripts/text-stats.js]\n---\nYou count words.\n',
  );
  await row(page, 'fresh-agent', 30_000);
  const workspaceRow = await row(page, /^Workspace/);
  await page.waitForFunction(
    (el: Element) => /4 agents/.test(el.textContent ?? ''),
    await workspaceRow.elementHandle(),
    { timeout: e2eTimeout(30_000) },
  );
});

test('a broken agent file is underlined and its diagnostic shows in the Problems view', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  fs.writeFileSync(path.join(workspace, 'agents', 'broken.agent.md'), '---\nname: broken\ndescription: Has a typo\ntemprature: 0.2\n---\nYou are broken.\n');
  // Open it (Quick Open), which also starts the language server.
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill('broken.agent.md');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken.agent.md' }).first().waitFor({ timeout: e2eTimeout(30_000) });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await vs!.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'did you mean' }).first();
  await problem.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  assert.match((await problem.textContent()) ?? '', /temprature.*temperature/);
  await vs!.screenshot('problems');
});
