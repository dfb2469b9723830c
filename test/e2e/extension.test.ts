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
let locked: AopServer | undefined;
let lockedUrl = '';
const lockedAuth: string[] = [];
let clusters: unknown[] = [];
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
  // A member that needs a token (set later with "Set Cluster Token…"); its http server records
  // the Authorization header of every request (what went over the wire).
  locked = new AopServer({ name: 'locked', port: 0, token: 'e2e-cluster-secret', models: () => new InstantChatModel((t) => `locked says: ${t}`) });
  locked.setAgents([makeAgent({ name: 'locked-helper', description: 'Needs a token', provider: 'openai' })]);
  lockedUrl = (await locked.listen()).url;
  (locked as unknown as { http: import('node:http').Server }).http.prependListener('request', (req) => {
    if (req.headers.authorization) lockedAuth.push(req.headers.authorization);
  });
  clusters = [
    { name: 'team', servers: [url, deadUrl], timeout_ms: 3000 },
    { name: 'secure', servers: [lockedUrl], timeout_ms: 3000 },
  ];

  vs = await startVSCode({
    folder: workspace,
    extensions: [{ vsix }],
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.startupEditor': 'none',
      'aop.clusters': clusters,
    },
  });
});

after(async () => {
  await vs?.stop();
  await remote?.close();
  await locked?.close();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('the .vsix installs and activates; the Agent Explorer lists the example agents', { skip, timeout: e2eTimeout(240_000) }, async () => {
  const page = vs!.page;
  await vs!.showAgentExplorer();
  for (const name of ['text-stats', 'code-reviewer', 'planner', 'fan-out', 'coordinator']) await row(page, name);
  const workspaceRow = await row(page, /^Workspace/);
  assert.match((await workspaceRow.textContent()) ?? '', /5 agents/);
  const log = vs!.readExtensionLog('aop-agents.aop-agents');
  assert.match(log, /local AOP server at http:\/\/127\.0\.0\.1:\d+\/mcp with 5 agents/);
  await vs!.screenshot('explorer');
});

test('a cluster with one live and one dead server shows both with the right health', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  await row(page, /^team/);
  // each health belongs to the right server: the live one is up with its one agent, the dead one down
  const port = (u: string) => new URL(u).port;
  const up = await row(page, new RegExp(`:${port(liveUrl)}(?!\\d).*up · .*1 tools`));
  const down = await row(page, new RegExp(`:${port(deadUrl)}(?!\\d).*down · 0 tools`));
  assert.match(((await up.textContent()) ?? '') as string, /up · /);
  assert.match(((await down.textContent()) ?? '') as string, /down · 0 tools/);
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
  // The Traces webview of the previous test still has focus: a quick pick opened over it can lose
  // focus to it and close. Close the editors first, and open the pick again if it closes anyway.
  await vs!.runCommand('View: Close All Editors');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (let attempt = 1; ; attempt++) {
    await vs!.runCommand('AOP: Invoke Agent…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'remote-helper' }).first().waitFor({ timeout: e2eTimeout(30_000) });
    try {
      await input.fill('remote-helper', { timeout: e2eTimeout(5_000) });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
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
  // Every agent file of the workspace (the examples and the new one) is counted in the Workspace row.
  const expected = fs.readdirSync(path.join(workspace, 'agents')).filter((f) => f.endsWith('.agent.md')).length;
  await page.waitForFunction(
    // textContent runs the label into the description ("Workspace6 agents · :port"): no \b before the count.
    ([el, n]: [Element, number]) => new RegExp(`(?:^|\\D)${n} agents`).test(el.textContent ?? ''),
    [await workspaceRow.elementHandle(), expected] as const,
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

test('Set Cluster Token… → SecretStorage → the Authorization header on the wire; the locked server comes up', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  // without a token the locked member refuses discovery
  await row(page, /^secure/);
  await row(page, new RegExp(`:${new URL(lockedUrl).port}(?!\\d).*down · 0 tools`));
  await vs!.runCommand('AOP: Set Cluster Token…');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'secure' }).first().waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'secure' }).first().click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-widget', { hasText: 'Token for cluster secure' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  assert.equal(await input.getAttribute('type'), 'password', 'the token is typed into a password box');
  await input.fill('e2e-cluster-secret');
  await page.keyboard.press('Enter');
  // the member comes up with its agent once the cluster reconnects with the header
  const lockedRow = await row(page, new RegExp(`:${new URL(lockedUrl).port}(?!\\d).*up · .*1 tools`));
  await lockedRow.click();
  await row(page, 'locked-helper');
  assert.ok(lockedAuth.includes('Bearer e2e-cluster-secret'), `headers seen: ${lockedAuth.length}`);
  // kept in SecretStorage, not in settings
  const settings = fs.readFileSync(path.join(vs!.server.userDataDir, 'User', 'settings.json'), 'utf8');
  assert.doesNotMatch(settings, /e2e-cluster-secret/);
  await vs!.screenshot('explorer-cluster-token');
});

test('Add Cluster… and Remove Cluster through the palette: settings change, the tree follows without a reload', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  const settingsFile = path.join(vs!.server.userDataDir, 'User', 'settings.json');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await vs!.runCommand('AOP: Add Cluster…');
  await page.locator('.quick-input-widget', { hasText: 'Cluster name' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill('extra');
  await page.keyboard.press('Enter');
  // Where the servers come from: a fixed list of URLs (the other choice is an etcd registry).
  const fixedList = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Server URLs' }).first();
  await fixedList.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await fixedList.click();
  await page.locator('.quick-input-widget', { hasText: 'separated by commas or spaces' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill(liveUrl);
  await page.keyboard.press('Enter');
  await vs!.waitForNotification('Cluster extra added');
  await row(page, /^extra/, e2eTimeout(30_000));
  assert.match(fs.readFileSync(settingsFile, 'utf8'), /"name": "extra"/);
  await vs!.screenshot('explorer-cluster-added');
  await vs!.runCommand('AOP: Remove Cluster');
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'extra' }).first();
  await pick.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await pick.click();
  await page.locator('.pane-body .monaco-list-row', { hasText: /^extra/ }).first().waitFor({ state: 'detached', timeout: e2eTimeout(30_000) });
  assert.doesNotMatch(fs.readFileSync(settingsFile, 'utf8'), /"name": "extra"/);
  await row(page, /^team/);
});

test('Restart Local Server: a new local server answers and the agents are served again', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  const logBefore = (vs!.readExtensionLog('aop-agents.aop-agents').match(/local AOP server at/g) ?? []).length;
  await vs!.runCommand('AOP: Restart Local Server');
  const msg = await vs!.waitForNotification(/AOP local server restarted at http:\/\/127\.0\.0\.1:\d+\/mcp/, { timeoutMs: 60_000 });
  const url = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(msg)![0];
  const health = await fetch(new URL('/healthz', url));
  assert.equal(health.status, 200);
  const deadline = Date.now() + e2eTimeout(30_000);
  let logAfter = logBefore;
  while (logAfter <= logBefore && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    logAfter = (vs!.readExtensionLog('aop-agents.aop-agents').match(/local AOP server at/g) ?? []).length;
  }
  assert.ok(logAfter > logBefore, 'the log says the local server started again');
  await row(page, 'text-stats');
});
