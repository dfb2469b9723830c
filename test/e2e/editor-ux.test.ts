/**
 * The editor surface in a real VS Code (code-server 4.139 = VS Code 1.139 + Chromium), with the
 * packaged .vsix: agent files get our language (`aop-agent`), so VS Code's custom-agent validator
 * stays off them while it still checks `.github/agents`; did-you-mean findings have quick fixes;
 * a broken file shows an error icon in the explorer; the view title and the Workspace row fit;
 * the Invoke quick pick puts what can run first; results open in one read-only document per agent.
 * The README's screenshots of these are taken here (`editor-*`, copied to docs/screenshots by the harness).
 * Runs with AOP_E2E=1 after scripts/e2e-setup.sh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleWorkspace, packageVsix } from './project';
import { e2eSkipReason, startVSCode, type Page, type VSCode } from './harness';
import { AopServer } from '../../src/core/server/aop-server';
import { InstantChatModel } from '../../src/core/models/instant';
import { makeAgent } from '../support/agents';
import { closedPort } from '../support/cluster';

const skip = e2eSkipReason();

let vs: VSCode | undefined;
let remote: AopServer | undefined;
let workspace = '';

const lines = (...l: string[]) => l.join('\n') + '\n';

async function treeRow(page: Page, text: string | RegExp, timeout = 60_000) {
  const loc = page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
  await loc.waitFor({ state: 'visible', timeout });
  return loc;
}

/** Quick Open (Ctrl+P) a file by its workspace-relative path (found by path, not by the search index). */
async function openFile(page: Page, relative: string) {
  const name = path.basename(relative);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(relative);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
}

/**
 * The language of the active editor, as the status bar names it. Waits for exactly `expected`:
 * a substring match would take "AOP Agent", still shown for the previous editor, for "Agent".
 */
async function languageOfActiveEditor(page: Page, expected: string) {
  const item = page.locator('[id="status.editor.mode"]');
  const exact = new RegExp(`^\\s*${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await item.filter({ hasText: exact }).waitFor({ state: 'visible', timeout: 30_000 });
  return ((await item.textContent()) ?? '').trim();
}

type Hoverable = ReturnType<Page['locator']>;

/**
 * Hovers `target` until a hover with `text` shows. A hover asked for before the language server
 * (or VS Code's validator) is ready shows nothing and is not asked again: move away and hover
 * again, as a user would, until it shows or `timeoutMs` pass.
 */
async function hoverUntil(page: Page, target: Hoverable, position: { x: number; y: number }, text: string, timeoutMs = 30_000) {
  const hover = page.locator('.monaco-hover', { hasText: text }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await target.hover({ position });
    try {
      await hover.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(5_000, deadline - Date.now())) });
      return hover;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await page.mouse.move(5, 5);
    }
  }
}

/** True when the element shows all of its text (no ellipsis). */
async function fits(page: Page, selector: string, hasText: string | RegExp) {
  const el = page.locator(selector, { hasText }).first();
  await el.waitFor({ state: 'visible', timeout: 30_000 });
  return el.evaluate((e: HTMLElement) => e.scrollWidth <= e.clientWidth + 1);
}

/** Runs a test body; on failure leaves test/e2e/screenshots/ux-failed-NAME.png behind. */
function shot(name: string, body: () => Promise<void>) {
  return async () => {
    try {
      await body();
    } catch (e) {
      await vs?.screenshot(`ux-failed-${name}`).catch(() => undefined);
      throw e;
    }
  };
}

before(async () => {
  if (skip) return;
  const vsix = packageVsix();
  remote = new AopServer({ name: 'remote', port: 0, models: () => new InstantChatModel((t) => `remote says: ${t}`) });
  remote.setAgents([makeAgent({ name: 'remote-helper', description: 'Helps from far away', provider: 'openai' })]);
  const { url } = await remote.listen();
  const deadUrl = `http://127.0.0.1:${await closedPort()}/mcp`;
  workspace = exampleWorkspace('aop-e2e-ux-');
  // A VS Code custom agent with a key VS Code does not support: its own validator must still flag it.
  fs.mkdirSync(path.join(workspace, '.github', 'agents'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.github', 'agents', 'Plan.agent.md'), lines('---', 'description: Plans the work.', 'temperature: 0.2', '---', 'You plan.'));
  // A file with an error that stays (the explorer's error row) and one to repair with a quick fix.
  fs.writeFileSync(path.join(workspace, 'agents', 'broken.agent.md'), lines('---', 'name: broken', 'description: Names a provider that does not exist.', 'provider: opnai', '---', 'You are broken.'));
  fs.writeFileSync(
    path.join(workspace, 'agents', 'typo.agent.md'),
    lines('---', 'name: typo', 'description: Counts words.', 'provider: command', 'command: [node, scripts/text-stats.js]', 'temprature: 0.2', 'tags: [demo]', '---', 'You count.'),
  );
  vs = await startVSCode({
    folder: workspace,
    extensions: [{ vsix }],
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.editor.enablePreview': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'aop.clusters': [{ name: 'team', servers: [url, deadUrl], timeout_ms: 3000 }],
    },
  });
});

after(async () => {
  await vs?.stop();
  await remote?.close();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('explorer: the view title and the Workspace row fit; a file with an error has the error icon', { skip, timeout: 240_000 }, shot('explorer', async () => {
  const page = vs!.page;
  await vs!.showAgentExplorer();
  await treeRow(page, 'text-stats');
  const broken = await treeRow(page, 'broken.agent.md');
  assert.equal(await broken.locator('.codicon-error').count(), 1, 'error icon on the broken file');
  assert.equal(await broken.locator('.codicon-warning').count(), 0, 'no warning triangle');
  assert.match((await broken.textContent()) ?? '', /line 4: .*did you mean `openai`/);

  const title = page.locator('.part.sidebar .composite.title .title-label h2').first();
  assert.match(((await title.textContent()) ?? '').trim(), /^AOP: Agents$/i);
  assert.ok(await fits(page, '.part.sidebar .composite.title .title-label h2', /Agents/i), 'view title is cut off');

  // Rows are re-rendered on each refresh: wait through a locator, not an element handle.
  await treeRow(page, /^Workspace\s*\d+ agents · :\d+/, 30_000);
  assert.ok(await fits(page, '.part.sidebar .monaco-list-row .monaco-icon-label-container', /agents · :\d+/), 'Workspace row is cut off');

  await treeRow(page, /^team/);
  const up = await treeRow(page, /up · .* 1 tools/);
  await treeRow(page, /down · 0 tools/);
  await up.click();
  await treeRow(page, 'remote-helper');
  await vs!.screenshot('editor-explorer');
}));

test("agent files get our language: VS Code's agent validator checks .github/agents only, the hover is ours", { skip, timeout: 180_000 }, shot('language', async () => {
  const page = vs!.page;
  await openFile(page, 'agents/code-reviewer.agent.md');
  assert.equal(await languageOfActiveEditor(page, 'AOP Agent'), 'AOP Agent');
  // The control: VS Code's own custom agent keeps VS Code's language and its validator, which
  // reports an unsupported key as a hint with the "unnecessary" tag: the key is greyed out.
  await openFile(page, '.github/agents/Plan.agent.md');
  assert.equal(await languageOfActiveEditor(page, 'Agent'), 'Agent');
  const active = page.locator('.editor-instance .monaco-editor').first();
  const greyed = active.locator('.squiggly-inline-unnecessary');
  await greyed.first().waitFor({ state: 'visible', timeout: 60_000 });
  await hoverUntil(page, active.locator('.view-line', { hasText: 'temperature: 0.2' }).first(), { x: 30, y: 8 }, "Attribute 'temperature' is not supported in VS Code agent files");
  await vs!.screenshot('editor-vscode-agent-validator');
  await page.mouse.move(5, 5);

  // code-reviewer.agent.md (provider, temperature, tags, capabilities, role) was opened first and is
  // still open: had VS Code's validator looked at it, its keys would be greyed out by now.
  await page.locator('.tabs-container .tab', { hasText: 'code-reviewer.agent.md' }).click();
  await languageOfActiveEditor(page, 'AOP Agent');
  await active.locator('.view-line', { hasText: 'role: reviewer' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await active.locator('.squiggly-inline-unnecessary').count(), 0, 'VS Code greyed out keys of our agent file');

  // Our hover over `provider`, and nothing of VS Code's.
  const key = page.locator('.monaco-editor .view-line', { hasText: 'provider: openai' }).first();
  await key.waitFor({ state: 'visible', timeout: 30_000 });
  const hover = await hoverUntil(page, key, { x: 20, y: 8 }, 'Who runs the agent');
  assert.doesNotMatch((await hover.textContent()) ?? '', /not supported|VS Code agent files/);
  await vs!.screenshot('editor-agent-file-hover');
}));

test('a did-you-mean finding has a quick fix that renames the key', { skip, timeout: 180_000 }, shot('quick-fix', async () => {
  const page = vs!.page;
  await openFile(page, 'agents/typo.agent.md');
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: 60_000 });
  await editor.locator('.view-line', { hasText: 'temprature: 0.2' }).first().click({ position: { x: 30, y: 8 } });
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Rename `temprature` to `temperature`' }).first();
  await fix.waitFor({ state: 'visible', timeout: 30_000 });
  await vs!.screenshot('editor-quick-fix');
  await fix.click();
  await editor.locator('.view-line', { hasText: 'temperature: 0.2' }).first().waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('.editor-instance .monaco-editor .squiggly-error').length === 0, undefined, { timeout: 60_000 });
  await page.keyboard.press('Control+S');
  await treeRow(page, /^typo/, 60_000);
}));

test('Invoke: the quick pick offers what can run first; the answer opens read-only, one document per agent', { skip, timeout: 240_000 }, shot('invoke', async () => {
  const page = vs!.page;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const invoke = async (task: string, first: boolean) => {
    await vs!.runCommand('AOP: Invoke Agent…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'remote-helper' }).first().waitFor({ timeout: 30_000 });
    // The pre-selected agent is one that can run here (a command agent), never one that needs a model server.
    const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
    assert.match(((await focused.textContent()) ?? '').trim(), /^(fan-out|text-stats)$/, 'the pre-selected agent can run here');
    const reviewer = page.locator('.quick-input-list .monaco-list-row', { hasText: 'code-reviewer' }).first();
    assert.match((await reviewer.textContent()) ?? '', /needs a model server at http:\/\/127\.0\.0\.1:11434/);
    const labels = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
    const at = (name: string) => labels.findIndex((l: string) => l.includes(name));
    assert.ok(at('text-stats') < at('code-reviewer') && at('remote-helper') < at('code-reviewer'), labels.join(' | '));
    if (first) await vs!.screenshot('editor-invoke-pick');
    // Pick text-stats by name (the filter keeps its row first), then give the task.
    await input.fill('text-stats');
    await page.locator('.quick-input-list .monaco-list-row.focused .label-name', { hasText: /^\s*text-stats\s*$/ }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(task);
    await page.keyboard.press('Enter');
  };

  await invoke('Agents are tools. Tools are agents.', true);
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: 'Words: 6, sentences: 2, characters: 35.' }).first().waitFor({ timeout: 60_000 });
  await page.locator('.tabs-container .tab.active', { hasText: 'text-stats.result.md' }).waitFor({ timeout: 30_000 });

  // Read-only: typing is refused (the result editor has the focus), nothing becomes dirty, no Untitled buffer.
  await page.keyboard.type('x');
  await page.locator('.monaco-editor-overlaymessage', { hasText: /read-only/i }).first().waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0);

  // The second answer replaces the first in the same document.
  await invoke('One. Two. Three.', false);
  await editor.locator('.view-lines', { hasText: 'Words: 3, sentences: 3' }).first().waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.tabs-container .tab', { hasText: 'text-stats.result.md' }).count(), 1);
  assert.equal(await page.locator('.tabs-container .tab', { hasText: /Untitled/ }).count(), 0);
  assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0);
  await page.mouse.move(700, 600); // no tab tooltip in the picture
  await vs!.screenshot('editor-invoke-result');
}));
