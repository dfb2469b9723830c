/**
 * The Traces panel's `vscode` side (src/extension/trace-panel.ts) in plain Node: the panel is
 * created with the right options and HTML, what the webview posts reaches the message handling,
 * and "Open result" opens the task's kept result as a markdown document, as "AOP: Open Task
 * Result…" does. `vscode` is the recording stand-in of test/support/fake-vscode.ts; the server,
 * its trace store and its task store are real. (Every message and its answer:
 * trace-messages.test.ts; the real editor: test/e2e.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { installFakeVscode } from '../support/fake-vscode';
import { TraceStore } from '../../src/core/tracing/store';
import { runLocalTask } from '../../src/extension/local-task';
import type { HostMessage } from '../../src/shared/trace-protocol';

const fake = installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TracePanel } = require('../../src/extension/trace-panel') as typeof import('../../src/extension/trace-panel');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TRACE_VIEW_TYPE } = require('../../src/extension/trace-panel-context') as typeof import('../../src/extension/trace-panel-context');

let model: FakeOpenAi;
let aop: TestServer;
const store = new TraceStore();
let taskId: string;

before(async () => {
  model = await startFakeOpenAi({ text: 'answer kept for the panel' });
  aop = await startServer([makeAgent({ name: 'writer', maxRetries: 0 })], { openAiUrl: model.url, traceStore: store });
  taskId = (await runLocalTask(aop.server, aop.server.tools.get('writer')!, { task: 'keep it' }, new AbortController().signal)).taskId;
  await waitUntil(() => store.query({ agent: 'writer' }).length === 1, 10_000, 'the trace stored');
});
after(async () => {
  await aop.close();
  await model.close();
});

/** What the panel reads of the extension (AgentExtension fits the same interface). */
function context() {
  const owned: Array<{ dispose(): void }> = [];
  const warnings: string[] = [];
  const shown: Array<[string, string]> = [];
  const uri = (p: string) => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}` });
  return {
    owned,
    warnings,
    context: { extensionUri: uri('/ext') as never },
    hostLoaded: Promise.resolve(),
    traces: store,
    tracesLoaded: Promise.resolve(),
    log: { warn: (m: string) => void warnings.push(m) },
    local: { aop: aop.server },
    shownResults: shown,
    results: {
      async showTask(this: void, taskId: string, markdown: string) {
        shown.push([taskId, markdown]);
      },
    },
    own<T extends { dispose(): void }>(d: T): T {
      owned.push(d);
      return d;
    },
  };
}

/** The webview posts a request; resolves with the panel's reply to it. */
async function ask(panel: (typeof fake.panels)[number], message: Record<string, unknown> & { requestId: string }): Promise<HostMessage> {
  panel.receive(message);
  let reply: HostMessage | undefined;
  await waitUntil(() => (reply = (panel.webview.posted as HostMessage[]).find((m) => 'requestId' in m && m.requestId === message.requestId)) !== undefined, 10_000, `the reply to ${message.type}`);
  return reply!;
}

test('Show Traces opens one panel with a strict CSP; a second Show Traces reveals it with the agent filter', async () => {
  const ctx = context();
  const first = TracePanel.show(ctx);
  try {
    const panel = fake.panels.at(-1)!;
    assert.equal(panel.viewType, TRACE_VIEW_TYPE);
    const options = panel.webview.options as { enableScripts: boolean; enableCommandUris: boolean; retainContextWhenHidden: boolean; localResourceRoots: Array<{ fsPath: string }> };
    assert.deepEqual([options.enableScripts, options.enableCommandUris, options.retainContextWhenHidden], [true, false, false]);
    assert.deepEqual(options.localResourceRoots.map((u) => u.fsPath), ['/ext/dist'], 'the webview loads from dist/ only');
    assert.match(panel.webview.html, /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/);
    assert.match(panel.webview.html, /\/ext\/dist\/webview\.js/);
    assert.equal(ctx.owned.length, 1, 'the extension owns the panel');

    const init = await ask(panel, { type: 'ready', requestId: 'r1' });
    assert.equal(init.type, 'init');
    const again = TracePanel.show(ctx, { agent: 'writer' });
    assert.equal(again, first, 'one panel');
    assert.equal(panel.revealed, 1);
    const pushed = panel.webview.posted.at(-1) as HostMessage;
    assert.equal(pushed.type, 'traces');
    assert.deepEqual(pushed.type === 'traces' && pushed.filter, { agent: 'writer' });
  } finally {
    first.dispose();
  }
  assert.equal(TracePanel.instance, undefined);
  assert.equal(fake.panels.at(-1)!.disposed, true);
});

test('Open result: the webview asks about the task of a span, then opens its kept result as a markdown document', async () => {
  const ctx = context();
  const tp = TracePanel.show(ctx);
  try {
    const panel = fake.panels.at(-1)!;
    const init = await ask(panel, { type: 'ready', requestId: 'r1' });
    assert.ok(init.type === 'init' && init.detail);
    const invoke = init.detail.spans.find((s) => s.name.startsWith('aop.invoke'))!;
    assert.equal(invoke.attributes['aop.task_id'], taskId);

    const info = await ask(panel, { type: 'taskInfo', requestId: 'r2', taskId });
    assert.deepEqual(info, { type: 'taskInfo', requestId: 'r2', taskId, status: 'completed', kept: true });
    const ack = await ask(panel, { type: 'openTaskResult', requestId: 'r3', taskId });
    assert.equal(ack.type, 'ack');
    // the editor's read-only result documents (aop-result:/tasks/<id>.result.md), not an untitled buffer
    assert.equal(ctx.shownResults.length, 1);
    const [shownId, markdown] = ctx.shownResults[0];
    assert.equal(shownId, taskId);
    assert.match(markdown, new RegExp(`^# writer\\n\\n\\*task ${taskId} · completed\\*`));
    assert.match(markdown, /answer kept for the panel/);

    const missing = await ask(panel, { type: 'openTaskResult', requestId: 'r4', taskId: 'gone' });
    assert.equal(missing.type, 'error');
    assert.equal(ctx.shownResults.length, 1, 'nothing opened for an unknown task');
    assert.match(ctx.warnings.join('\n'), /openTaskResult: no kept result for task gone/);
  } finally {
    tp.dispose();
  }
});
