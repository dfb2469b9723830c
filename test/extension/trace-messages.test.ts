/**
 * The Traces panel's message handling (src/extension/trace-messages.ts): what the webview sends,
 * what the panel answers. A real AOP server (scripted model) records real traces into a real
 * TraceStore and keeps real task results; only the editor is a fake port that records what the
 * panel asked of it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { TraceStore } from '../../src/core/tracing/store';
import type { TraceRecord } from '../../src/core/tracing/types';
import { runLocalTask } from '../../src/extension/local-task';
import { TraceFeed } from '../../src/extension/trace-feed';
import { TraceMessages, type TracePanelPort } from '../../src/extension/trace-messages';
import { parseHostMessage, REPLY_TYPE, type HostMessage, type ReplyOf, type WebviewMessageType } from '../../src/shared/trace-protocol';

/** The editor as the panel sees it: every call is recorded; answers are scripted per test. */
function fakePort(server: () => TestServer['server'] | undefined) {
  const posted: HostMessage[] = [];
  const calls: Array<[string, ...unknown[]]> = [];
  const script = { exportPath: undefined as string | undefined, editedTask: undefined as string | undefined };
  const port: TracePanelPort = {
    post: (m) => {
      // everything the panel posts must pass the webview's validation
      const parsed = parseHostMessage(JSON.parse(JSON.stringify(m)));
      assert.ok(parsed.ok, `the webview would refuse ${m.type}: ${parsed.ok ? '' : parsed.error}`);
      posted.push(m);
    },
    warn: (m) => void calls.push(['warn', m]),
    tracesLoaded: () => Promise.resolve(),
    agentNames: () => server()?.agents().map((a) => a.name) ?? [],
    agentFile: (agent) => server()?.agent(agent)?.source.file,
    openFile: async (file) => void calls.push(['openFile', file]),
    exportTrace: async (trace, name) => (calls.push(['exportTrace', trace.traceId, name]), script.exportPath),
    copyText: async (text) => void calls.push(['copyText', text]),
    editTask: async (tool, partial) => (calls.push(['editTask', tool, partial]), script.editedTask),
    invokeAgent: async (target, task) => void calls.push(['invokeAgent', target, task]),
    tasks: () => server()?.tasks,
    showMarkdown: async (markdown, taskId) => void calls.push(['showMarkdown', markdown, taskId]),
  };
  return { port, posted, calls, script };
}

describe('Traces panel messages', () => {
  let model: FakeOpenAi;
  let aop: TestServer;
  let store: TraceStore;
  let taskId: string;
  let plainTrace: TraceRecord;
  let taskTrace: TraceRecord;

  before(async () => {
    model = await startFakeOpenAi({ text: 'the kept answer' });
    store = new TraceStore();
    aop = await startServer([makeAgent({ name: 'writer', maxRetries: 0 }), makeAgent({ name: 'reader', maxRetries: 0 })], { openAiUrl: model.url, traceStore: store });
    // a palette Invoke: an MCP task of the editor, its result kept
    const entry = aop.server.tools.get('writer')!;
    taskId = (await runLocalTask(aop.server, entry, { task: 'write it' }, new AbortController().signal)).taskId;
    // a plain tools/call: a task record too (swarms' get_task_status), but no kept result
    const client = await aop.connect();
    await client.callTool({ name: 'reader', arguments: { task: 'read it' } });
    await waitUntil(() => store.query({ agent: 'writer' }).length === 1 && store.query({ agent: 'reader' }).length === 1, 10_000, 'both traces stored');
    taskTrace = store.query({ agent: 'writer' })[0];
    plainTrace = store.query({ agent: 'reader' })[0];
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  function panel(initialFilter?: { agent?: string }) {
    const fake = fakePort(() => aop.server);
    const feed = new TraceFeed(store, { maxRate: 50 });
    const messages = new TraceMessages(feed, fake.port, initialFilter);
    feed.onUpdates = (u) => messages.postUpdates(u);
    let seq = 0;
    /** Sends a request like the webview does; returns the one reply that carries its id. */
    async function ask<T extends WebviewMessageType>(message: { type: T } & Record<string, unknown>): Promise<ReplyOf<T> | HostMessage> {
      const requestId = `r${++seq}`;
      await messages.receive({ ...message, requestId });
      const replies = fake.posted.filter((m) => 'requestId' in m && m.requestId === requestId);
      assert.equal(replies.length, 1, `one reply to ${message.type}, got ${replies.map((r) => r.type).join(', ')}`);
      const reply = replies[0];
      assert.ok(reply.type === REPLY_TYPE[message.type] || reply.type === 'error', `${message.type} answered with ${reply.type}`);
      return reply;
    }
    return { ...fake, feed, messages, ask };
  }

  test('ready → init with the stored traces, newest first, the newest selected with its spans', async () => {
    const p = panel();
    try {
      const init = (await p.ask({ type: 'ready' })) as ReplyOf<'ready'>;
      assert.equal(init.type, 'init');
      assert.deepEqual(init.traces.map((t) => t.agent), ['reader', 'writer']);
      assert.deepEqual(init.agents, ['reader', 'writer']);
      assert.equal(init.detail?.trace.traceId, plainTrace.traceId);
      assert.equal(init.detail?.spans.length, plainTrace.spans.length);
      // a saved selection comes back (trace and span)
      const span = taskTrace.spans[0].spanId;
      const again = (await p.ask({ type: 'ready', state: { filter: {}, selectedTraceId: taskTrace.traceId, selectedSpanId: span } })) as ReplyOf<'ready'>;
      assert.equal(again.detail?.trace.traceId, taskTrace.traceId);
      assert.equal(again.selectedSpanId, span);
    } finally {
      p.feed.dispose();
    }
  });

  test('query filters; selectTrace answers the spans; a trace that is gone is an error for that request', async () => {
    const p = panel();
    try {
      const list = (await p.ask({ type: 'query', filter: { agent: 'writer' } })) as ReplyOf<'query'>;
      assert.deepEqual(list.traces.map((t) => t.traceId), [taskTrace.traceId]);
      const text = (await p.ask({ type: 'query', filter: { text: 'READ IT' } })) as ReplyOf<'query'>;
      assert.deepEqual(text.traces.map((t) => t.agent), ['reader']);
      const detail = (await p.ask({ type: 'selectTrace', traceId: taskTrace.traceId })) as ReplyOf<'selectTrace'>;
      assert.equal(detail.type, 'traceDetail');
      assert.deepEqual(detail.spans.map((s) => s.spanId).sort(), taskTrace.spans.map((s) => s.spanId).sort());
      const gone = await p.ask({ type: 'selectTrace', traceId: 'f'.repeat(32) });
      assert.equal(gone.type, 'error');
      assert.match((gone as { message: string }).message, /no longer stored/);
    } finally {
      p.feed.dispose();
    }
  });

  test("a task's span carries its id; taskInfo says whether its result is kept; openTaskResult shows it as Open Task Result does", async () => {
    const p = panel();
    try {
      const detail = (await p.ask({ type: 'selectTrace', traceId: taskTrace.traceId })) as ReplyOf<'selectTrace'>;
      const invoke = detail.spans.find((s) => s.name.startsWith('aop.invoke'));
      assert.equal(invoke?.attributes['aop.task_id'], taskId);

      const info = (await p.ask({ type: 'taskInfo', taskId })) as ReplyOf<'taskInfo'>;
      assert.deepEqual({ type: info.type, taskId: info.taskId, status: info.status, kept: info.kept }, { type: 'taskInfo', taskId, status: 'completed', kept: true });
      const ack = await p.ask({ type: 'openTaskResult', taskId });
      assert.equal(ack.type, 'ack');
      const shown = p.calls.filter((c) => c[0] === 'showMarkdown');
      assert.equal(shown.length, 1);
      assert.match(String(shown[0][1]), /^# writer\n/);
      assert.match(String(shown[0][1]), new RegExp(`task ${taskId} · completed`));
      assert.match(String(shown[0][1]), /the kept answer/);
      assert.equal(shown[0][2], taskId, 'the task id names its read-only document');

      // a plain call: its task is known (finished) but nothing is kept
      const plain = (await p.ask({ type: 'selectTrace', traceId: plainTrace.traceId })) as ReplyOf<'selectTrace'>;
      const plainTask = plain.spans.find((s) => s.name.startsWith('aop.invoke'))?.attributes['aop.task_id'];
      assert.equal(typeof plainTask, 'string');
      const plainInfo = (await p.ask({ type: 'taskInfo', taskId: String(plainTask) })) as ReplyOf<'taskInfo'>;
      assert.equal(plainInfo.kept, false);
      assert.equal(plainInfo.status, 'completed');
      const refused = await p.ask({ type: 'openTaskResult', taskId: String(plainTask) });
      assert.equal(refused.type, 'error');
      assert.match((refused as { message: string }).message, /no kept result for task/);

      // a task this server never had (a remote server's id): unknown, not kept
      const unknown = (await p.ask({ type: 'taskInfo', taskId: 'not-a-task' })) as ReplyOf<'taskInfo'>;
      assert.equal(unknown.status, undefined);
      assert.equal(unknown.kept, false);
      assert.equal(p.calls.filter((c) => c[0] === 'showMarkdown').length, 1, 'nothing else was opened');
    } finally {
      p.feed.dispose();
    }
  });

  test('actions: definition, copy, export (and its cancel), re-run', async () => {
    const p = panel();
    try {
      assert.equal((await p.ask({ type: 'openDefinition', traceId: taskTrace.traceId })).type, 'ack');
      assert.deepEqual(p.calls.find((c) => c[0] === 'openFile'), ['openFile', '/virtual/writer.agent.md']);

      const copied = (await p.ask({ type: 'copyJson', traceId: taskTrace.traceId })) as ReplyOf<'copyJson'>;
      assert.equal(copied.message, `Copied ${taskTrace.spans.length} spans as JSON`);
      const text = JSON.parse(String(p.calls.find((c) => c[0] === 'copyText')![1])) as { traceId: string; spans: unknown[] };
      assert.equal(text.traceId, taskTrace.traceId);
      assert.equal(text.spans.length, taskTrace.spans.length);

      const cancelled = (await p.ask({ type: 'exportTrace', traceId: taskTrace.traceId })) as ReplyOf<'exportTrace'>;
      assert.equal(cancelled.message, 'Export cancelled');
      p.script.exportPath = '/tmp/x.otlp.json';
      const exported = (await p.ask({ type: 'exportTrace', traceId: taskTrace.traceId })) as ReplyOf<'exportTrace'>;
      assert.equal(exported.message, 'Exported to /tmp/x.otlp.json');
      assert.deepEqual(p.calls.filter((c) => c[0] === 'exportTrace').at(-1), ['exportTrace', taskTrace.traceId, `trace-${taskTrace.traceId.slice(0, 8)}.otlp.json`]);

      const rerun = (await p.ask({ type: 'rerun', traceId: plainTrace.traceId })) as ReplyOf<'rerun'>;
      assert.equal(rerun.message, 'Re-running reader…');
      assert.deepEqual(p.calls.find((c) => c[0] === 'invokeAgent'), ['invokeAgent', 'reader', 'read it']);
    } finally {
      p.feed.dispose();
    }
  });

  test('bad messages get an error reply (with the request id when there is one) and change nothing', async () => {
    const p = panel();
    try {
      await p.messages.receive({ type: 'selectTrace', requestId: 'r-bad', traceId: 42 });
      await p.messages.receive({ type: 'nope' });
      await p.messages.receive('not even an object');
      await p.messages.receive({ type: 'taskInfo', requestId: 'r-long', taskId: 'x'.repeat(10_000) });
      await p.messages.receive({ type: 'query', requestId: 'y'.repeat(1000), filter: {} });
      const errors = p.posted.filter((m): m is Extract<HostMessage, { type: 'error' }> => m.type === 'error');
      assert.equal(errors.length, 5);
      assert.equal(errors[0].requestId, 'r-bad');
      assert.match(errors[0].message, /invalid message at traceId/);
      assert.equal(errors[1].requestId, undefined);
      assert.equal(errors[3].requestId, 'r-long');
      assert.equal(errors[4].requestId, undefined, 'an over-long id is not echoed');
      assert.equal(p.posted.length, 5, 'nothing but the errors');
      assert.equal(p.calls.filter((c) => c[0] === 'warn').length, 5);
    } finally {
      p.feed.dispose();
    }
  });

  test('Show Traces with an agent: kept for init before ready, pushed as traces after; live updates only after ready', async () => {
    const p = panel({ agent: 'writer' });
    try {
      p.messages.postUpdates([{ trace: { traceId: 'a'.repeat(32), server: 's', servers: ['s'], status: 'unset', open: true, startMs: 1, durationMs: 0, spanCount: 1 } }]);
      assert.equal(p.posted.length, 0, 'nothing before ready');
      const init = (await p.ask({ type: 'ready', state: { filter: { agent: 'reader' } } })) as ReplyOf<'ready'>;
      assert.deepEqual(init.filter, { agent: 'writer' }, 'the Show Traces filter wins over the saved one');
      p.messages.applyFilter({ agent: 'reader' });
      const pushed = p.posted.at(-1)!;
      assert.equal(pushed.type, 'traces');
      assert.equal('requestId' in pushed ? pushed.requestId : undefined, undefined);
      assert.deepEqual((pushed as ReplyOf<'query'>).traces.map((t) => t.agent), ['reader']);

      // a call while the view is open arrives as traceUpdated (the feed's throttle, then the panel)
      const before = p.posted.length;
      const entry = aop.server.tools.get('writer')!;
      await runLocalTask(aop.server, entry, { task: 'live' }, new AbortController().signal);
      await waitUntil(() => p.posted.slice(before).some((m) => m.type === 'traceUpdated' && m.trace.agent === 'writer' && !m.trace.open), 10_000, 'the finished live trace');
      p.messages.hidden();
      const hiddenAt = p.posted.length;
      p.messages.postUpdates([{ trace: (pushed as ReplyOf<'query'>).traces[0] }]);
      assert.equal(p.posted.length, hiddenAt, 'a hidden (torn down) view gets no updates');
    } finally {
      p.feed.dispose();
    }
  });
});
