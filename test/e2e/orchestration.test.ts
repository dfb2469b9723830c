/**
 * Agents calling agents, long-running calls and the trace panel in a real VS Code (code-server +
 * Chromium), in ONE VS Code session:
 *  - from the palette, the model-free `fan-out` (provider command → call_agents → text-stats ×N),
 *    and the model-driven `coordinator` (provider editor) whose turns run on the scripted LM provider
 *    through vscode.lm: turn 1 asks for `text-stats` (a LanguageModelToolCallPart), our loop runs it
 *    and sends a LanguageModelToolResultPart back, turn 2 answers. The trace panel shows the tree;
 *  - Invoke Agent as an MCP task (#17): `slow-writer` (provider openai) talks to the scripted
 *    OpenAI-compatible server of this process (test/support/fake-openai.ts), which holds its answer
 *    until the test releases it: meanwhile the explorer shows the running task under its agent and
 *    the progress notification shows the partial answer; the result opens and is kept (Open Task
 *    Result…); the task's inline Cancel in the explorer cancels the model request;
 *  - the trace panel's actions (Copy JSON, Export, Definition, Re-run, collapse), Export Traces…
 *    (the OTLP file's content), and the panel's state restored by its serializer after a window
 *    reload, with the kept task result still there (#22).
 * Runs with AOP_E2E=1 after scripts/e2e-setup.sh (npm test does both).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleWorkspace, packageVsix } from './project';
import { answerSaveDialog, e2eSkipReason, e2eTimeout, startVSCode, type VSCode, type Page } from './harness';
import { startFakeOpenAi, userTask, type FakeOpenAi, type FakeReply } from '../support/fake-openai';
import { otlpProblems } from '../support/otlp-proto';

const SCRIPTED = path.join(__dirname, 'fixtures', 'scripted-model');
const skip = e2eSkipReason();

let vs: VSCode | undefined;
let workspace = '';
let modelLog = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The OpenAI-compatible model of `slow-writer`: what it answers is set per test. */
let fake: FakeOpenAi | undefined;
let reply: () => FakeReply = () => ({ text: 'A quick answer.' });
/** An answer the test holds until it calls release(). */
function held(chunks: string[]): { reply: FakeReply; release: () => void } {
  let release!: () => void;
  const holdUntil = new Promise<void>((r) => { release = r; });
  return { reply: { chunks, holdUntil }, release };
}

before(async () => {
  if (skip) return;
  const vsix = packageVsix();
  workspace = exampleWorkspace('aop-e2e-orch-');
  modelLog = path.join(workspace, '..', `${path.basename(workspace)}-model.jsonl`);
  fake = await startFakeOpenAi(() => reply());
  fs.writeFileSync(
    path.join(workspace, 'agents', 'slow-writer.agent.md'),
    `---\nname: slow-writer\ndescription: Writes stories on a scripted model server the test holds\nprovider: openai\nbase_url: ${fake.url}\nmodel: fake-model\nmax_retries: 0\ntimeout: 600\n---\nYou write stories.\n`,
  );
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
  await fake?.close();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  if (modelLog) fs.rmSync(modelLog, { force: true });
});

/** Palette → Invoke Agent… → `agent` → `task`. */
async function invoke(page: Page, agent: string, task: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The pick closes when something else takes the focus as it opens (seen once on a loaded
  // machine): open it again rather than wait for a row of a hidden list.
  for (let attempt = 0; ; attempt++) {
    await vs!.runCommand('AOP: Invoke Agent…');
    try {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: agent }).first().waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
      break;
    } catch (err) {
      await vs!.screenshot(`orchestration-invoke-retry-${attempt}`).catch(() => undefined);
      if (attempt === 2) throw err;
    }
  }
  await input.fill(agent);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill(task);
  await page.keyboard.press('Enter');
}

/** Waits for `text` in an editor, allowing the language-model access prompt on the way. */
async function waitForEditorText(page: Page, text: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
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

test('fan-out from the palette: one call_agents fan-out to text-stats, no model', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  await invoke(page, 'fan-out', 'Agents are tools. Tools are agents.');
  const text = await waitForEditorText(page, 'analysed in parallel by text-stats');
  assert.match(text, /1 paragraph, analysed in parallel by text-stats/);
  await page.locator('.monaco-editor .view-lines', { hasText: 'Words: 6, sentences: 2, characters: 35.' }).first().waitFor({ timeout: e2eTimeout(10_000) });
  await vs!.screenshot('orchestration-fan-out');
});

test('coordinator (provider editor) on vscode.lm: the model calls text-stats, gets its answer, answers; the trace shows the tree', { skip, timeout: e2eTimeout(200_000) }, async () => {
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
  await traceRow.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await traceRow.click();
  const waterfall = frame.locator('[data-testid=waterfall]');
  await waterfall.waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  for (const name of ['aop.turn 1', 'aop.tool text-stats', 'aop.invoke text-stats', 'aop.turn 2']) {
    await frame.locator('[data-testid=span-row]', { hasText: name }).first().waitFor({ timeout: e2eTimeout(30_000) });
  }
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.tool text-stats' }).first().click();
  await vs!.screenshot('orchestration-trace-tree');
});

// ---------------------------------------------------------------------------------------------
// Long-running calls (#17) and the trace panel (#22)

/** Runs a test body; on failure leaves test/e2e/screenshots/orchestration-failed-NAME.png behind. */
function shot(name: string, body: () => Promise<void>) {
  return async () => {
    try {
      await body();
    } catch (e) {
      await vs?.screenshot(`orchestration-failed-${name}`).catch(() => undefined);
      throw e;
    }
  };
}

const traceFrame = (page: Page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

async function treeRow(page: Page, text: string | RegExp, timeoutMs = 30_000) {
  const loc = page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
  await loc.waitFor({ state: 'visible', timeout: e2eTimeout(timeoutMs) });
  return loc;
}

/** A task row of the Agent Explorer: `running  1.2 s · 1a2b3c4d` under its agent. */
const TASK_ROW = /running\s*[\d.]+ m?s · [0-9a-f]{8}/;

test('Invoke Agent runs as a task: the explorer shows it under its agent, the notification shows the partial answer, the result opens and is kept', { skip, timeout: e2eTimeout(180_000) }, shot('task', async () => {
  const page = vs!.page;
  await vs!.runCommand('View: Close All Editors');
  await vs!.showAgentExplorer();
  await treeRow(page, /slow-writer\s*idle/, 60_000);

  const story = held(['Once upon a time ', 'the agents wrote ', 'a story together.']);
  reply = () => story.reply;
  const before = fake!.chatRequests.length;
  const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Invoking slow-writer' }).first();
  let taskPrefix = '';
  try {
    await invoke(page, 'slow-writer', 'Tell a story');
    // The progress notification shows what the model wrote so far (not a count of characters).
    await toast.filter({ hasText: 'Once upon a time the agents wrote a story together.' }).waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
    assert.doesNotMatch((await toast.innerText()) as string, /characters received/);
    // The explorer: the agent is busy, its running task shows under it.
    const agentRow = await treeRow(page, /slow-writer\s*busy \(1\)/);
    const taskRow = await treeRow(page, TASK_ROW);
    assert.equal(Number(await taskRow.getAttribute('aria-level')), Number(await agentRow.getAttribute('aria-level')) + 1, 'the task is a child of its agent');
    taskPrefix = /· ([0-9a-f]{8})/.exec((await taskRow.innerText()) as string)![1];
    assert.equal(userTask(fake!.chatRequests[before]), 'Tell a story');
    await vs!.screenshot('task-running');
  } finally {
    story.release();
  }
  await waitForEditorText(page, 'Once upon a time the agents wrote a story together.');
  await toast.waitFor({ state: 'hidden', timeout: e2eTimeout(30_000) });
  await page.locator('.pane-body .monaco-list-row', { hasText: TASK_ROW }).first().waitFor({ state: 'detached', timeout: e2eTimeout(30_000) });
  await treeRow(page, /slow-writer\s*idle/);

  // The result is kept: Open Task Result… lists it and opens it with its task id.
  await vs!.runCommand('AOP: Open Task Result…');
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'slow-writer' }).first();
  await pick.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  assert.match((await pick.innerText()) as string, /completed/);
  await pick.click();
  await waitForEditorText(page, `task ${taskPrefix}`);
  await waitForEditorText(page, 'Once upon a time the agents wrote a story together.');
}));

test("a running task's Cancel in the explorer cancels it and its model request", { skip, timeout: e2eTimeout(120_000) }, shot('cancel', async () => {
  const page = vs!.page;
  const never = held(['Nobody will read ']);
  reply = () => never.reply;
  const before = fake!.chatRequests.length;
  try {
    await invoke(page, 'slow-writer', 'A story nobody reads');
    await treeRow(page, TASK_ROW);
    await fake!.waitFor(() => fake!.chatRequests.length > before, e2eTimeout(30_000));
    // The row is redrawn while the task runs (its elapsed time): a click can land on a row being
    // replaced, so click until the task is gone (the first click does it on an idle machine).
    const task = page.locator('.pane-body .monaco-list-row', { hasText: TASK_ROW }).first();
    for (let attempt = 0; ; attempt++) {
      await task.hover();
      await task.locator('.action-label[aria-label*="Cancel Task"]').click();
      try {
        await task.waitFor({ state: 'detached', timeout: e2eTimeout(5_000) });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    await waitForEditorText(page, 'cancelled in the editor');
    await fake!.waitFor(() => fake!.chatRequests[before].aborted, e2eTimeout(30_000));
    await page.locator('.pane-body .monaco-list-row', { hasText: TASK_ROW }).first().waitFor({ state: 'detached', timeout: e2eTimeout(30_000) });
  } finally {
    never.release();
  }
}));

test('the trace panel actions: Copy JSON, Export (the file), Definition, collapse, Re-run', { skip, timeout: e2eTimeout(180_000) }, shot('actions', async () => {
  const page = vs!.page;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: vs!.server.baseUrl });
  await vs!.runCommand('AOP: Show Traces');
  const frame = traceFrame(page);
  const row = frame.locator('[data-testid=trace-row]:not([hidden])', { hasText: 'Tell a story' }).first();
  await row.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  const traceId = (await row.getAttribute('data-trace-id')) as string;
  await row.click();
  await frame.locator('[data-testid=trace-row][aria-selected=true]', { hasText: 'Tell a story' }).waitFor({ timeout: e2eTimeout(15_000) });
  await frame.locator('[data-testid=trace-head]', { hasText: 'slow-writer' }).waitFor({ timeout: e2eTimeout(15_000) });
  const toast = frame.locator('[role=status]');

  // Copy JSON: the trace's spans on the clipboard.
  await frame.locator('[data-testid=action-copy]').click();
  await toast.filter({ hasText: /Copied \d+ spans as JSON/ }).waitFor({ timeout: e2eTimeout(15_000) });
  const copied = JSON.parse((await page.evaluate(() => navigator.clipboard.readText())) as string) as { traceId: string; spans: Array<{ name: string; traceId: string }> };
  assert.equal(copied.traceId, traceId);
  assert.ok(copied.spans.some((s) => s.name === 'aop.invoke slow-writer'), copied.spans.map((s) => s.name).join(', '));
  assert.ok(copied.spans.every((s) => s.traceId === traceId));

  // Export: a save dialog, then the OTLP/JSON file of this one trace.
  const exported = path.join(workspace, 'one-trace.otlp.json');
  await frame.locator('[data-testid=action-export]').click();
  await answerSaveDialog(page, exported, `trace-${traceId.slice(0, 8)}.otlp.json`);
  await toast.filter({ hasText: `Exported to ${exported}` }).waitFor({ timeout: e2eTimeout(15_000) });
  const spans = otlpSpans(JSON.parse(fs.readFileSync(exported, 'utf8')));
  assert.deepEqual([...new Set(spans.map((s) => s.traceId))], [traceId]);
  assert.ok(spans.some((s) => s.name === 'aop.invoke slow-writer'));
  assert.ok(spans.some((s) => s.name === 'aop.model'));

  // Definition: the agent's file opens beside the panel.
  await frame.locator('[data-testid=action-open]').click();
  await page.locator('.tabs-container .tab', { hasText: 'slow-writer.agent.md' }).first().waitFor({ timeout: e2eTimeout(15_000) });

  // Collapse: the attempt's twisty hides its model call.
  const attempt = frame.locator('[data-testid=span-row]:not([hidden])', { hasText: 'aop.attempt 1' }).first();
  await attempt.waitFor({ timeout: e2eTimeout(15_000) });
  assert.equal(await attempt.getAttribute('aria-expanded'), 'true');
  // (the span list is virtual: rows it does not show stay in the DOM, hidden)
  const model = frame.locator('[data-testid=span-row]:not([hidden])', { hasText: 'aop.model' });
  assert.equal(await model.count(), 1);
  await attempt.locator('.twisty').click();
  await frame.locator('[data-testid=span-row][aria-expanded=false]', { hasText: 'aop.attempt 1' }).waitFor({ timeout: e2eTimeout(15_000) });
  await model.first().waitFor({ state: 'detached', timeout: e2eTimeout(15_000) });
  await attempt.locator('.twisty').click();
  await model.first().waitFor({ timeout: e2eTimeout(15_000) });
  await vs!.screenshot('traces-panel-actions');

  // Re-run: the same task again, a new trace of it.
  reply = () => ({ text: 'The second telling.' });
  const before = fake!.chatRequests.length;
  await frame.locator('[data-testid=action-rerun]').click();
  await waitForEditorText(page, 'The second telling.');
  assert.equal(userTask(fake!.chatRequests[before]), 'Tell a story');
  await vs!.runCommand('AOP: Show Traces');
  await frame.locator('[data-testid=trace-row]:not([hidden])', { hasText: 'Tell a story' }).nth(1).waitFor({ timeout: e2eTimeout(30_000) });
}));

/** Every span of an OTLP/JSON document (hex ids). */
function otlpSpans(doc: { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string }> }> }> }) {
  return doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

test('Export Traces… writes every stored trace to one OTLP/JSON file', { skip, timeout: e2eTimeout(120_000) }, shot('export', async () => {
  const page = vs!.page;
  const file = path.join(workspace, 'all-traces.otlp.json');
  await vs!.runCommand('AOP: Export Traces…');
  await answerSaveDialog(page, file, 'aop-traces.otlp.json');
  const msg = await vs!.waitForNotification(/Exported \d+ traces? to/);
  assert.match(msg, new RegExp(`to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(otlpProblems(doc), [], 'valid against the OTLP protobuf definitions');
  const spans = otlpSpans(doc);
  const traces = new Set(spans.map((s) => s.traceId));
  assert.equal(traces.size, Number(/Exported (\d+)/.exec(msg)![1]));
  // every invocation of this session: fan-out, coordinator (with its child nested), slow-writer ×3
  for (const name of ['aop.invoke fan-out', 'aop.invoke coordinator', 'aop.invoke slow-writer']) assert.ok(spans.some((s) => s.name === name), `${name} exported`);
  // (a child's invocation is part of its caller's trace: fan-out 1, coordinator 1, slow-writer 3)
  assert.ok(traces.size >= 5, `${traces.size} traces`);
  const tool = spans.find((s) => s.name === 'aop.tool text-stats')!;
  const child = spans.find((s) => s.name === 'aop.invoke text-stats' && s.parentSpanId === tool.spanId);
  assert.ok(child, "text-stats' invocation nests under the coordinator's tool call");
}));

test("after a window reload the trace panel comes back as it was (its serializer), and the task's result can still be opened", { skip, timeout: e2eTimeout(240_000) }, shot('reload', async () => {
  const page = vs!.page;
  await vs!.runCommand('AOP: Show Traces');
  let frame = traceFrame(page);
  // A state worth restoring: a filter, a trace that is not the newest, a selected span.
  const filter = frame.locator('[data-testid=filter-text] input');
  await filter.fill('slow-writer');
  await frame.locator('[data-testid=trace-row]:not([hidden])', { hasText: 'fan-out' }).first().waitFor({ state: 'detached', timeout: e2eTimeout(15_000) });
  // the cancelled call (its row shows the error where others show the task)
  const row = frame.locator('[data-testid=trace-row][data-status=error]:not([hidden])', { hasText: 'slow-writer' }).first();
  await row.waitFor({ timeout: e2eTimeout(30_000) });
  const traceId = (await row.getAttribute('data-trace-id')) as string;
  await row.click();
  await frame.locator('[data-testid=trace-head]', { hasText: 'slow-writer' }).waitFor({ timeout: e2eTimeout(15_000) });
  const span = frame.locator('[data-testid=span-row]:not([hidden])', { hasText: 'aop.attempt 1' }).first();
  await span.click();
  await frame.locator('[data-testid=span-row][aria-selected=true]', { hasText: 'aop.attempt 1' }).waitFor({ timeout: e2eTimeout(15_000) });
  const spanId = (await span.getAttribute('data-span-id')) as string;
  await vs!.screenshot('traces-before-reload');

  const reloaded = page.waitForEvent('load', { timeout: e2eTimeout(60_000) });
  await vs!.runCommand('Developer: Reload Window');
  await reloaded;
  await page.waitForSelector('.monaco-workbench', { timeout: e2eTimeout(60_000) });
  frame = traceFrame(page);
  const selected = frame.locator(`[data-testid=trace-row][aria-selected=true][data-trace-id="${traceId}"]`);
  await selected.waitFor({ timeout: e2eTimeout(90_000) });
  assert.equal(await frame.locator('[data-testid=filter-text]').evaluate((el: Element & { value?: string }) => el.value), 'slow-writer');
  assert.equal(await frame.locator('[data-testid=trace-row]:not([hidden])', { hasText: 'fan-out' }).count(), 0, 'the filter still applies');
  await frame.locator(`[data-testid=span-row][aria-selected=true][data-span-id="${spanId}"]`).waitFor({ timeout: e2eTimeout(15_000) });
  await frame.locator('[data-testid=span-details]', { hasText: 'aop.attempt 1' }).waitFor({ timeout: e2eTimeout(15_000) });
  await vs!.screenshot('traces-after-reload');

  // The palette's results are kept in the trace directory: still there after the reload.
  await vs!.runCommand('AOP: Open Task Result…');
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'slow-writer' }).filter({ hasText: 'completed' }).first();
  await pick.waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  await pick.click();
  await waitForEditorText(page, 'The second telling.');
}));
