/**
 * Agents calling agents in a real VS Code (code-server + Chromium): from the palette, the
 * model-free `fan-out` (provider command → call_agents → text-stats ×N), and the model-driven
 * `coordinator` (provider editor) whose turns run on the scripted LM provider through vscode.lm:
 * turn 1 asks for `text-stats` (a LanguageModelToolCallPart), our loop runs it and sends a
 * LanguageModelToolResultPart back, turn 2 answers. The trace panel shows the tree.
 * Runs with AOP_E2E=1 after scripts/e2e-setup.sh (npm test does both).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleWorkspace, packageVsix } from './project';
import { e2eSkipReason, startVSCode, type VSCode, type Page } from './harness';

const SCRIPTED = path.join(__dirname, 'fixtures', 'scripted-model');
const skip = e2eSkipReason();

let vs: VSCode | undefined;
let workspace = '';
let modelLog = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (skip) return;
  const vsix = packageVsix();
  workspace = exampleWorkspace('aop-e2e-orch-');
  modelLog = path.join(workspace, '..', `${path.basename(workspace)}-model.jsonl`);
  vs = await startVSCode({
    folder: workspace,
    extensions: [{ vsix }, { folder: SCRIPTED }],
    env: { SCRIPTED_MODEL_LOG: modelLog },
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.startupEditor': 'none', 'aop.defaultModel': 'aop-scripted' },
  });
  await vs.waitForActivation('aop-agents.aop-agents', 90_000);
  await vs.waitForActivation('aop-e2e.scripted-model', 90_000);
});

after(async () => {
  await vs?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  if (modelLog) fs.rmSync(modelLog, { force: true });
});

/** Palette → Invoke Agent… → `agent` → `task`. */
async function invoke(page: Page, agent: string, task: string): Promise<void> {
  await vs!.runCommand('AOP: Invoke Agent…');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: agent }).first().waitFor({ timeout: 30_000 });
  await input.fill(agent);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(task);
  await page.keyboard.press('Enter');
}

/** Waits for `text` in an editor, allowing the language-model access prompt on the way. */
async function waitForEditorText(page: Page, text: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const answer = page.locator('.monaco-editor .view-lines', { hasText: text }).first();
  while (Date.now() < deadline) {
    if (await answer.isVisible().catch(() => false)) return ((await answer.textContent()) ?? '').replace(/\u00a0/g, ' ');
    const allow = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Allow$/ }).first();
    if (await allow.isVisible().catch(() => false)) {
      await vs!.screenshot('orchestration-lm-consent');
      await allow.click().catch(() => undefined);
    }
    await sleep(300);
  }
  throw new Error(`no editor shows "${text}"`);
}

test('fan-out from the palette: one call_agents fan-out to text-stats, no model', { skip, timeout: 150_000 }, async () => {
  const page = vs!.page;
  await invoke(page, 'fan-out', 'Agents are tools. Tools are agents.');
  const text = await waitForEditorText(page, 'analysed in parallel by text-stats');
  assert.match(text, /1 paragraph, analysed in parallel by text-stats/);
  await page.locator('.monaco-editor .view-lines', { hasText: 'Words: 6, sentences: 2, characters: 35.' }).first().waitFor({ timeout: 10_000 });
  await vs!.screenshot('orchestration-fan-out');
});

test('coordinator (provider editor) on vscode.lm: the model calls text-stats, gets its answer, answers; the trace shows the tree', { skip, timeout: 200_000 }, async () => {
  const page = vs!.page;
  await invoke(page, 'coordinator', '@@call text-stats Agents are tools. Tools are agents.');
  const text = await waitForEditorText(page, 'Agent said: Words: 6, sentences: 2, characters: 35.');
  assert.match(text, /Agent said: Words: 6, sentences: 2, characters: 35\./);
  await vs!.screenshot('orchestration-coordinator');
  // What the scripted model saw: the coordinator's tools, then one tool call, then the tool result.
  const events = fs.readFileSync(modelLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; kind?: string; tool?: string; toolNames?: string[] });
  const call = events.find((e) => e.event === 'response' && e.kind === 'toolCall');
  assert.equal(call?.tool, 'text-stats');
  assert.deepEqual(call?.toolNames?.slice().sort(), ['call_agents', 'code-reviewer', 'planner', 'search_agents', 'text-stats']);
  assert.ok(events.some((e) => e.event === 'response' && e.kind === 'quote'), 'the second turn got the tool result');

  await vs!.runCommand('AOP: Show Traces');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const traceRow = frame.locator('[data-testid=trace-row]', { hasText: 'coordinator' }).first();
  await traceRow.waitFor({ state: 'visible', timeout: 60_000 });
  await traceRow.click();
  const waterfall = frame.locator('[data-testid=waterfall]');
  await waterfall.waitFor({ state: 'visible', timeout: 30_000 });
  for (const name of ['aop.turn 1', 'aop.tool text-stats', 'aop.invoke text-stats', 'aop.turn 2']) {
    await frame.locator('[data-testid=span-row]', { hasText: name }).first().waitFor({ timeout: 30_000 });
  }
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.tool text-stats' }).first().click();
  await vs!.screenshot('orchestration-trace-tree');
});
