/**
 * Editor chat calls our agents, end to end, in a real VS Code (code-server 4.139.1 = VS Code
 * 1.139.1 + headless Chromium), in ONE VS Code session:
 *
 *  - the packaged .vsix + the test-only scripted model (test/e2e/fixtures/scripted-model, stable
 *    `vscode.lm.registerLanguageModelChatProvider`) + a remote AopServer with 100 agents in this
 *    process, federated as cluster `team` (`aop.clusters`);
 *  - Agent mode: this build routes Agent-mode requests to the GitHub Copilot Chat extension, which
 *    needs a GitHub sign-in (no network here) — the first test records exactly that block;
 *  - the same chat view, model picker and tool confirmations through a chat participant of the
 *    test extension (`@scripted`: the selected model's tool calls run with vscode.lm.invokeTool
 *    and the request's toolInvocationToken — the loop Copilot runs in Agent mode): local agent,
 *    remote agent across two servers (stitched trace), tool budget with 100 remote agents.
 *
 * Runs with AOP_E2E=1 after scripts/e2e-setup.sh (npm test does both).
 */
import { packageVsix } from './project';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eTimeout, e2eSkipReason, startVSCode, type VSCode, type Page } from './harness';
import { AopServer } from '../../src/core/server/aop-server';
import { InstantChatModel } from '../../src/core/models/instant';
import { TraceStore } from '../../src/core/tracing/store';
import { makeAgent } from '../support/agents';
import { startFakeOpenAi, userTask, type FakeOpenAi, type FakeReply } from '../support/fake-openai';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPTED = path.join(__dirname, 'fixtures', 'scripted-model');
const skip = e2eSkipReason();

const REMOTE_AGENTS = 100;
const remoteName = (i: number) => `remote-${String(i).padStart(3, '0')}`;

let vs: VSCode | undefined;
let remote: AopServer | undefined;
const remoteTraces = new TraceStore();
let tmp = '';
let workspace = '';
let modelLog = '';
const started = Date.now();
/** The OpenAI-compatible model of `story-writer` (a child of `chat-lead`): what it answers is set per test. */
let fake: FakeOpenAi | undefined;
let reply: () => FakeReply = () => ({ text: 'A quick answer.' });


// ---------------------------------------------------------------------------------------------
// What the scripted model saw (JSON lines written by the test extension)

interface ModelEvent {
  event: string;
  kind?: string;
  tool?: string;
  toolCount?: number;
  toolNames?: string[];
  tools?: Array<{ name: string }>;
  count?: number;
  [k: string]: unknown;
}
function modelEvents(): ModelEvent[] {
  if (!fs.existsSync(modelLog)) return [];
  return fs.readFileSync(modelLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ModelEvent);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mark = (what: string) => console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);

/** Local traces: <user-data>/User/workspaceStorage/<id>/aop-agents.aop-agents/traces/traces.jsonl. */
function localTraceLines(): Array<{ traceId: string; spans: Array<{ name: string; traceId: string; attributes?: Record<string, unknown> }> }> {
  const ws = path.join(vs!.server.userDataDir, 'User', 'workspaceStorage');
  if (!fs.existsSync(ws)) return [];
  const out = [];
  for (const dir of fs.readdirSync(ws)) {
    const file = path.join(ws, dir, 'aop-agents.aop-agents', 'traces', 'traces.jsonl');
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) out.push(JSON.parse(line));
  }
  return out;
}
async function waitForLocalSpan(name: string, timeoutMs = 10_000) {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
  while (Date.now() < deadline) {
    const hit = localTraceLines().flatMap((l) => l.spans).find((s) => s.name === name);
    if (hit) return hit;
    await sleep(250);
  }
  throw new Error(`no span "${name}" in the local trace store; spans: ${localTraceLines().flatMap((l) => l.spans.map((s) => s.name)).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// Chat view driving

const chatInput = (page: Page) => page.locator('.interactive-input-part .monaco-editor').first();
const responses = (page: Page) => page.locator('.interactive-list .interactive-response');

async function sendChat(page: Page, text: string): Promise<void> {
  await chatInput(page).click({ force: true });
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/**
 * Waits for a COMPLETED response matching `expected` (a pattern only this request's answer can
 * match: the previous answer is still on screen when a new request starts), approving every tool
 * confirmation on the way ("Allow in this Session" before the call, "Allow Without Review in this
 * Session" for the result — this VS Code asks twice for MCP tools). A response is complete when
 * its row has lost VS Code's `chat-response-loading` class. Screenshots the first confirmation of
 * each kind.
 */
async function approveUntil(page: Page, expected: string | RegExp, shotPrefix: string, timeoutMs = 60_000): Promise<string> {
  let answer = '';
  const done = await approveWhile(page, async () => {
    const hit = responses(page).filter({ hasText: expected }).last();
    if ((await hit.count()) === 0) return false;
    const complete = await hit.evaluate((el: Element) => !el.classList.contains('chat-response-loading')).catch(() => false);
    if (complete) answer = (await hit.innerText()) as string;
    return complete;
  }, shotPrefix, timeoutMs);
  if (!done) throw new Error(`chat never answered ${expected}; last response:\n${await responses(page).last().innerText().catch(() => '')}`);
  return answer;
}

/**
 * Approves every tool confirmation (and the language-model consent dialog) until `done()` holds;
 * false when it never did within the time limit.
 */
async function approveWhile(page: Page, done: () => Promise<boolean> | boolean, shotPrefix: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
  const shots = new Set<string>();
  const buttons = ['Allow in this Session', 'Allow Without Review in this Session', 'Allow', 'Continue'];
  while (Date.now() < deadline) {
    if (await done()) return true;
    for (const label of buttons) {
      const btn = page.locator('.interactive-list .monaco-button', { hasText: new RegExp(`^${label}$`) }).last();
      if (await btn.isVisible().catch(() => false)) {
        const kind = label === 'Allow Without Review in this Session' ? 'result' : 'call';
        if (!shots.has(kind)) {
          shots.add(kind);
          await vs!.screenshot(`${shotPrefix}-approve-${kind}`);
        }
        await btn.click().catch(() => undefined);
        break;
      }
    }
    // the language-model consent dialog (first use of another extension's model by our editor provider)
    const consent = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Allow/ }).first();
    if (await consent.isVisible().catch(() => false)) await consent.click().catch(() => undefined);
    await sleep(250);
  }
  return false;
}

/** Waits until the waterfall's data-span-count reaches `min` (the panel renders asynchronously). */
async function waitForSpanCount(waterfall: ReturnType<Page['locator']>, min: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
  let count = 0;
  while (Date.now() < deadline) {
    count = Number(await waterfall.getAttribute('data-span-count').catch(() => '0'));
    if (count >= min) return count;
    await sleep(200);
  }
  throw new Error(`waterfall shows ${count} spans, expected at least ${min}`);
}

/** Chooses a model in the chat input's model picker (retries: the menu may open before models load). */
async function pickModel(page: Page, label: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.locator('.interactive-input-part .action-label.model-picker-split, .interactive-input-part [aria-label^="Models"]').first().click();
    const item = page.locator('.action-widget .monaco-list-row', { hasText: label }).first();
    try {
      await item.waitFor({ state: 'visible', timeout: e2eTimeout(5000) });
      await item.click();
      return;
    } catch (e) {
      if (attempt === 3) {
        await vs!.screenshot('chat-model-picker-failed');
        throw e;
      }
    }
  }
}

/** Waits until vscode.lm.tools (logged by the test extension on every change) has a tool matching re. */
async function waitForLmTool(re: RegExp, timeoutMs = 45_000): Promise<string[]> {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
  let names: string[] = [];
  while (Date.now() < deadline) {
    const ev = modelEvents().filter((e) => e.event === 'lmTools').pop();
    names = (ev?.tools ?? []).map((t) => t.name);
    if (names.some((n) => re.test(n))) return names;
    await sleep(300);
  }
  throw new Error(`vscode.lm.tools never listed ${re}: ${names.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aop-e2e-chat-'));
  const vsix = packageVsix(path.join(tmp, 'aop-agents.vsix'));
  modelLog = path.join(tmp, 'scripted-model.jsonl');
  remote = new AopServer({
    name: 'remote',
    port: 0,
    models: () => new InstantChatModel((task) => `remote says: ${task}`),
    traceStore: remoteTraces,
  });
  remote.setAgents(
    Array.from({ length: REMOTE_AGENTS }, (_, i) =>
      makeAgent({ name: remoteName(i), description: `Remote agent number ${i}`, provider: 'openai', tags: ['remote'] }),
    ),
  );
  const { url } = await remote.listen();
  workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(ROOT, 'examples/agents'), path.join(workspace, 'agents'), { recursive: true });
  // A coordinator on the editor's model (the scripted LM provider) with a local child on a model
  // server this process holds (story-writer) and a remote child of the cluster `team`.
  fake = await startFakeOpenAi(() => reply());
  fs.writeFileSync(
    path.join(workspace, 'agents', 'chat-lead.agent.md'),
    '---\nname: chat-lead\ndescription: Delegates writing to story-writer and to a remote agent of the team cluster\nprovider: editor\nmodel: aop-scripted\ntools: [story-writer, team/remote-001]\nmax_turns: 4\nmax_retries: 0\n---\nYou lead two writers and merge their answers.\n',
  );
  fs.writeFileSync(
    path.join(workspace, 'agents', 'story-writer.agent.md'),
    `---\nname: story-writer\ndescription: Writes stories on a scripted model server the test holds\nprovider: openai\nbase_url: ${fake.url}\nmodel: fake-model\nmax_retries: 0\ntimeout: 600\n---\nYou write stories.\n`,
  );
  vs = await startVSCode({
    folder: workspace,
    extensions: [{ vsix }, { folder: SCRIPTED }],
    env: { SCRIPTED_MODEL_LOG: modelLog },
    settings: {
      'workbench.colorTheme': 'Default Light Modern', // the trace panel's light-theme screenshot (extension.test.ts takes the dark one)
      // Markdown wraps by default: a wrapped result line would be split over several view-lines
      '[markdown]': { 'editor.wordWrap': 'off' },
      'aop.clusters': [{ name: 'team', servers: [url], timeout_ms: 5000 }],
    },
  });
  await vs.waitForActivation('aop-agents.aop-agents', 90_000);
  await vs.waitForActivation('aop-e2e.scripted-model', 90_000);
  mark('VS Code up, both extensions active');
});

after(async () => {
  await vs?.stop();
  await remote?.close();
  await fake?.close();
  if (tmp && process.env.AOP_E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`# chat suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('our MCP server in chat: MCP: List Servers → Start Server, vscode.lm.tools, the tool picker', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  // Chat starts MCP servers on the first request (chat.mcp.autostart); start ours by hand the way
  // a user does: MCP: List Servers → AOP Agents → Start Server.
  await vs!.runCommand('MCP: List Servers');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'AOP Agents' }).first();
  await row.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await vs!.screenshot('chat-0-mcp-list-servers');
  await row.click();
  // The server's actions: Start Server when it is stopped; Stop/Restart Server when chat already started it.
  const action = page.locator('.quick-input-list .monaco-list-row', { hasText: /^(Start|Stop|Restart) Server/ }).first();
  await action.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  const start = page.locator('.quick-input-list .monaco-list-row', { hasText: /^Start Server/ }).first();
  if ((await start.count()) > 0) {
    await start.click();
    mark('Start Server clicked');
  } else {
    mark('already running (Stop Server offered)');
    await page.keyboard.press('Escape');
  }
  await vs!.screenshot('chat-0-mcp-start');

  // Federated remote tools reach chat through tools/list_changed once the cluster is discovered.
  mark('MCP server start requested');
  const names = await waitForLmTool(/_team__remote-000$/);
  mark('federated tools listed in vscode.lm.tools');
  const ours = names.filter((n) => n.startsWith('mcp_'));
  for (const tool of ['text-stats', 'planner', 'code-reviewer', 'call_agent', 'search_agents']) {
    assert.ok(ours.some((n) => n.endsWith(`_${tool}`)), `${tool} missing from vscode.lm.tools: ${ours.join(', ')}`);
  }
  assert.equal(ours.filter((n) => /_team__remote-\d{3}$/.test(n)).length, 32, 'aop.chat.maxRemoteTools (32) remote tools');

  await vs!.runCommand('MCP: List Servers');
  await row.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  assert.match((await page.locator('.quick-input-list').innerText()) as string, /AOP Agents\s*Running/);
  await vs!.screenshot('chat-0-mcp-server-running');
  await page.keyboard.press('Escape');

  // The chat's own tool picker lists the server; expand it to show our tools.
  await page.locator('.interactive-input-part [aria-label^="Configure Tools"]').first().click();
  const server = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'AOP Agents' }).first();
  await server.waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  if ((await server.getAttribute('aria-expanded')) !== 'true') await server.locator('.monaco-tl-twistie').click();
  for (const tool of ['call_agent', 'search_agents']) {
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: tool }).first().waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  }
  await vs!.screenshot('chat-0-tool-picker');
  await page.keyboard.press('Escape');
});

test('Agent mode with a third-party model is blocked by the Copilot sign-in in this build', { skip, timeout: e2eTimeout(90_000) }, async () => {
  const page = vs!.page;
  // Choose the scripted model explicitly: without a user choice the participant API falls back to
  // the Copilot vendor's default model ("Language model unavailable").
  await pickModel(page, 'AOP Scripted');
  await page.locator('.interactive-input-part', { hasText: 'AOP Scripted' }).first().waitFor({ timeout: e2eTimeout(10_000) });
  await page.locator('.interactive-input-part', { hasText: 'Agent' }).first().waitFor({ timeout: e2eTimeout(10_000) });
  await vs!.screenshot('chat-1-model-picked');

  await sendChat(page, '@@call text-stats Agents are tools. Tools are agents.');
  const dialog = page.locator('.monaco-dialog-box', { hasText: 'Sign in to use GitHub Copilot' });
  await dialog.waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  await vs!.screenshot('chat-agent-mode-signin');
  await dialog.locator('.codicon-dialog-close, [aria-label="Close"]').first().click();
  const blocked = await approveUntil(page, 'You need to set up GitHub Copilot and be signed in to use Chat', 'chat-agent-mode', 20_000);
  assert.match(blocked, /signed in/);
  // The scripted model was never asked: the Copilot setup agent answered instead.
  assert.equal(modelEvents().filter((e) => e.event === 'response').length, 0);
  await vs!.screenshot('chat-agent-mode-blocked');
});

test('chat → scripted model → tool call → local server → agent answer in chat', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  await sendChat(page, '@scripted @@call text-stats Agents are tools. Tools are agents.');
  const answer = await approveUntil(page, /Agent said: Words: 6/, 'chat-2-local');
  assert.match(answer, /Agent said: Words: 6, sentences: 2, characters: 35\./);
  assert.match(answer, /Most frequent: agents \(2\), tools \(2\)/);
  await vs!.screenshot('chat-2-local-answer');

  // (a) the local server ran the call: its trace and its log.
  const span = await waitForLocalSpan('aop.invoke text-stats');
  assert.equal(span.attributes?.['aop.input.task'], 'Agents are tools. Tools are agents.');
  // What the model was offered: our tools as mcp_<prefix>_<tool>, each name ≤ 64 characters.
  const call = modelEvents().find((e) => e.event === 'response' && e.kind === 'toolCall');
  assert.ok(call?.tool?.startsWith('mcp_') && call.tool.endsWith('_text-stats'), JSON.stringify(call));
  assert.ok(call!.toolNames!.every((n) => n.length <= 64));
});

test('a remote agent through the cluster: two servers, one stitched trace', { skip, timeout: e2eTimeout(120_000) }, async () => {
  const page = vs!.page;
  await sendChat(page, '@scripted @@call team__remote-000 Say hello across two servers');
  const answer = await approveUntil(page, /Agent said: remote says: Say hello across two servers/, 'chat-3-remote');
  assert.match(answer, /Agent said: remote says: Say hello across two servers/);
  await vs!.screenshot('chat-3-remote-answer');

  const call = modelEvents().filter((e) => e.event === 'response' && e.kind === 'toolCall').pop();
  assert.match(call?.tool ?? '', /^mcp_.*_team__remote-000$/);
  // Local side: the federated call's client span; remote side: the agent's span, same trace id.
  const local = await waitForLocalSpan('aop.remote remote-000');
  const remoteRecord = remoteTraces.get(local.traceId);
  assert.ok(remoteRecord, `remote server has no trace ${local.traceId}: ${remoteTraces.query({}).map((t) => t.traceId).join(', ')}`);
  assert.ok(remoteRecord!.spans.some((s) => s.name === 'aop.invoke remote-000'), JSON.stringify(remoteRecord!.spans.map((s) => s.name)));

  // The trace webview shows it.
  await vs!.runCommand('AOP: Show Traces');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const traceRow = frame.locator('[data-testid=trace-row]', { hasText: 'remote-000' }).first();
  await traceRow.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await vs!.screenshot('chat-3-trace-panel');
  // Open the invocation: its waterfall holds the spans of both servers.
  await traceRow.click();
  await frame.locator('[data-testid=trace-head]', { hasText: 'remote-000' }).waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  const waterfall = frame.locator('[data-testid=waterfall]');
  await waitForSpanCount(waterfall, 5);
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.remote' }).first().waitFor({ timeout: e2eTimeout(15_000) });
  await frame.locator('[data-testid=span-row]', { hasText: 'aop.invoke' }).first().waitFor({ timeout: e2eTimeout(15_000) });
  await vs!.screenshot('chat-3-trace-waterfall');
});

test('tool budget with 100 remote agents: 32 exported, call_agent and search_agents reach the rest', { skip, timeout: e2eTimeout(150_000) }, async () => {
  const page = vs!.page;
  // Focus the chat input again (the trace panel took the focus).
  await sendChat(page, '@scripted @@call search_agents remote-077');
  const found = await approveUntil(page, /Agent said:[\s\S]*remote-077/, 'chat-4-search');
  assert.match(found, /remote-077/);
  await vs!.screenshot('chat-4-search-answer');

  const offered = modelEvents().filter((e) => e.event === 'response' && e.kind === 'toolCall').pop()!;
  const names = offered.toolNames!;
  const remoteTools = names.filter((n) => /_team__remote-\d{3}$/.test(n));
  assert.equal(remoteTools.length, 32, `remote tools offered: ${remoteTools.length}`);
  assert.ok(names.length <= 128, `${names.length} tools in one request`);
  assert.ok(!names.some((n) => n.endsWith('_team__remote-077')), 'remote-077 is past the budget');

  await sendChat(page, '@scripted @@call call_agent team__remote-077 Reach me past the budget');
  const answer = await approveUntil(page, /Agent said: remote says: Reach me past the budget/, 'chat-4-call-agent');
  assert.match(answer, /Agent said: remote says: Reach me past the budget/);
  await vs!.screenshot('chat-4-call-agent-answer');
  const span = await waitForLocalSpan('aop.remote remote-077');
  assert.ok(remoteTraces.get(span.traceId), 'call_agent trace reached the remote server');
});

/** Invoke Agent… from the palette: pick the agent, type the task (the same widget asks for it). */
async function invokeFromPalette(page: Page, agent: string, task: string): Promise<void> {
  await vs!.runCommand('AOP: Invoke Agent…');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: agent }).first().waitFor({ timeout: e2eTimeout(30_000) });
  await input.fill(agent);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'The task for the agent' }).waitFor({ state: 'visible', timeout: e2eTimeout(15_000) });
  await input.fill(task);
  await page.keyboard.press('Enter');
}

/** The result editor's text once it shows `re` (the editor renders spaces as no-break spaces). */
async function resultEditor(page: Page, re: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + e2eTimeout(timeoutMs);
  while (Date.now() < deadline) {
    // the language-model consent dialog (first use of another extension's model): allow it
    const allow = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Allow/ }).first();
    if (await allow.isVisible().catch(() => false)) {
      await vs!.screenshot('editor-provider-consent');
      await allow.click();
    }
    const texts = (await page.locator('.monaco-editor .view-lines').allInnerTexts().catch(() => [])) as string[];
    const hit = texts.map((t) => t.replace(/\u00a0/g, ' ')).find((t) => re.test(t));
    if (hit) return hit;
    await sleep(250);
  }
  throw new Error(`no result editor showed ${re}`);
}

test('the editor provider: an agent on the editor model (scripted LM provider) answers; NoPermissions/Blocked/NotFound read as such; Cancel in the progress notification cancels the model request', { skip, timeout: e2eTimeout(240_000) }, async () => {
  const page = vs!.page;
  fs.writeFileSync(
    path.join(workspace, 'agents', 'editor-writer.agent.md'),
    '---\nname: editor-writer\ndescription: Runs on the editor language model\nprovider: editor\nmodel: aop-scripted\nmax_retries: 0\n---\nYou write.\n',
  );
  await page.keyboard.press('Escape');
  // 1. a plain answer from the editor's model (vscode.lm → the scripted provider)
  await invokeFromPalette(page, 'editor-writer', '@@echo through the editor model');
  assert.match(await resultEditor(page, /Echo: through the editor model/), /Echo: through the editor model/);
  const echoed = modelEvents().filter((e) => e.event === 'response' && e.kind === 'echo').pop();
  assert.equal(echoed?.model, 'scripted-1');
  await vs!.screenshot('editor-provider-answer');
  // 2. the provider's errors, mapped to what the user reads (mapLanguageModelError)
  const expected: Record<string, RegExp> = {
    NoPermissions: /Failed:.*not allowed to use scripted-1: allow AOP Agents to use language models/,
    Blocked: /Failed:.*scripted-1 blocked the request \(quota or policy\)/,
    NotFound: /Failed:.*language model scripted-1 was not found/,
  };
  for (const [kind, re] of Object.entries(expected)) {
    await invokeFromPalette(page, 'editor-writer', `@@error ${kind}`);
    await resultEditor(page, re);
  }
  await vs!.screenshot('editor-provider-error');
  // 3. Cancel in the "Invoking editor-writer" progress notification (the UI, not the command's arguments)
  const cancelledBefore = modelEvents().filter((e) => e.event === 'cancelled').length;
  await invokeFromPalette(page, 'editor-writer', '@@hang until cancelled');
  const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Invoking editor-writer' }).first();
  await toast.waitFor({ state: 'visible', timeout: e2eTimeout(30_000) });
  const deadline = Date.now() + e2eTimeout(30_000);
  while (!modelEvents().some((e) => e.event === 'response' && e.kind === 'hang') && Date.now() < deadline) await sleep(200);
  await vs!.screenshot('editor-provider-progress');
  await toast.hover();
  await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
  const until = Date.now() + e2eTimeout(30_000);
  while (modelEvents().filter((e) => e.event === 'cancelled').length <= cancelledBefore && Date.now() < until) await sleep(200);
  assert.equal(modelEvents().filter((e) => e.event === 'cancelled').length, cancelledBefore + 1, 'the model request saw the cancellation');
  await toast.waitFor({ state: 'hidden', timeout: e2eTimeout(30_000) });
});

/** An answer the test holds until it calls release(). */
function held(chunks: string[]): { reply: FakeReply; release: () => void } {
  let release!: () => void;
  const holdUntil = new Promise<void>((r) => { release = r; });
  return { reply: { chunks, holdUntil }, release };
}

async function treeRow(page: Page, text: string | RegExp, timeoutMs = 30_000) {
  const loc = page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
  await loc.waitFor({ state: 'visible', timeout: e2eTimeout(timeoutMs) });
  return loc;
}

test('chat → a coordinator agent → a local and a remote child at once: the explorer shows them busy, the answer arrives, one trace tree', { skip, timeout: e2eTimeout(240_000) }, async () => {
  const page = vs!.page;
  await page.keyboard.press('Escape');
  await vs!.showAgentExplorer();
  await treeRow(page, /story-writer\s*idle/, 60_000);
  const story = held(['Two agents ', 'wrote this.']);
  reply = () => story.reply;
  const before = fake!.chatRequests.length;
  try {
    // chat calls chat-lead (an MCP tool of our server); its model (turn 1) asks for both children at once
    await sendChat(page, '@scripted @@call chat-lead @@call story-writer+team__remote-001 Write about agents');
    const asked = await approveWhile(page, () => fake!.chatRequests.length > before, 'chat-5-lead', 90_000);
    assert.ok(asked, 'story-writer never called its model');
    assert.equal(userTask(fake!.chatRequests[before]), 'Write about agents');
    // While story-writer's model holds its answer: the coordinator and the child are busy, each with its running task.
    await treeRow(page, /chat-lead\s*busy \(1\)/);
    await treeRow(page, /story-writer\s*busy \(1\)/);
    const tasks = page.locator('.pane-body .monaco-list-row', { hasText: /running\s*[\d.]+ m?s · [0-9a-f]{8}/ });
    await tasks.nth(1).waitFor({ timeout: e2eTimeout(30_000) });
    assert.equal(await tasks.count(), 2, 'one running task per busy agent');
    await vs!.screenshot('chat-5-children-busy');
  } finally {
    story.release();
  }
  // both children's answers, in whichever order the coordinator's loop returned them
  const answer = await approveUntil(page, /Agent said: Agent said: (?=[\s\S]*Two agents wrote this\.)(?=[\s\S]*remote says: Write about agents)/, 'chat-5-answer', 90_000);
  assert.match(answer, /Two agents wrote this\./, 'the local child answered');
  assert.match(answer, /remote says: Write about agents/, 'the remote child answered');
  await vs!.screenshot('chat-5-answer');
  await treeRow(page, /story-writer\s*idle/);
  await treeRow(page, /chat-lead\s*idle/);

  // One trace: chat-lead's invocation, its turns, both tool calls, each child nested under its call
  // (the remote child's spans stitched in from the other server).
  await vs!.runCommand('AOP: Show Traces');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const traceRow = frame.locator('[data-testid=trace-row]:not([hidden])', { hasText: 'chat-lead' }).first();
  await traceRow.waitFor({ state: 'visible', timeout: e2eTimeout(60_000) });
  await traceRow.click();
  await frame.locator('[data-testid=trace-head]', { hasText: 'chat-lead' }).waitFor({ timeout: e2eTimeout(30_000) });
  const level = async (name: string) => {
    const row = frame.locator('[data-testid=span-row]:not([hidden])', { hasText: name }).first();
    await row.waitFor({ timeout: e2eTimeout(30_000) });
    return Number(await row.getAttribute('aria-level'));
  };
  const root = await level('aop.invoke chat-lead');
  const turn = await level('aop.turn 1');
  assert.ok(turn > root, 'turn 1 inside the invocation');
  for (const [tool, child] of [['aop.tool story-writer', 'aop.invoke story-writer'], ['aop.tool team__remote-001', 'aop.remote remote-001']]) {
    assert.equal(await level(tool), turn + 1, `${tool} under turn 1`);
    assert.equal(await level(child), turn + 2, `${child} under ${tool}`);
  }
  assert.equal(await level('aop.invoke remote-001'), turn + 3, "the remote server's invocation, stitched under aop.remote");
  await level('aop.turn 2');
  // the children left no traces of their own: they are in this one
  assert.equal(await frame.locator('[data-testid=trace-row][title^="story-writer "]').count(), 0);
  // the picture: story-writer's own spans folded, so both calls of turn 1 show
  await frame.locator('[data-testid=span-row]:not([hidden])', { hasText: 'aop.invoke story-writer' }).first().locator('.twisty').click();
  await frame.locator('[data-testid=span-row][aria-expanded=false]:not([hidden])', { hasText: 'aop.invoke story-writer' }).waitFor({ timeout: e2eTimeout(15_000) });
  await vs!.screenshot('chat-5-trace-tree');
});
