import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallToolResultSchema, TaskStatusNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { RawSession } from '../support/raw-mcp';
import { isAlive } from '../support/process';

const ECHO_AGENT = join(__dirname, '..', 'support', 'echo-agent.js');

function structured(r: unknown): { result: string; success: boolean; error: string | null } {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}

describe('MCP Tasks (spec 2025-11-25): task-augmented agent calls', () => {
  let model: FakeOpenAi;
  let aop: TestServer;
  const pids: number[] = [];

  before(async () => {
    model = await startFakeOpenAi({ text: 'hello from the model' });
    aop = await startServer(
      [
        makeAgent({ name: 'writer', maxRetries: 0 }),
        makeAgent({ name: 'family', provider: 'command', command: [process.execPath, ECHO_AGENT, 'family'], maxRetries: 0, source: { file: ECHO_AGENT, kind: 'aop' } }),
      ],
      { openAiUrl: model.url, tasks: { pageSize: 2, maxTtlMs: 60_000, pollIntervalMs: 50 } },
    );
  });
  after(async () => {
    for (const p of pids) if (isAlive(p)) process.kill(p, 'SIGKILL');
    await aop.close();
    await model.close();
  });

  test('declares capabilities.tasks and taskSupport "optional" on agent tools (not on discovery tools)', async () => {
    const client = await aop.connect();
    assert.deepEqual(client.getServerCapabilities()?.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await client.listTools();
    assert.equal(tools.find((t) => t.name === 'writer')?.execution?.taskSupport, 'optional');
    assert.equal(tools.find((t) => t.name === 'list_agents')?.execution?.taskSupport, undefined);
  });

  test('SDK experimental client: callToolStream creates a task, polls it and gets the CallToolResult', async () => {
    model.setScript({ text: 'task answer', delayMs: 30 });
    const client = await aop.connect();
    const seen: string[] = [];
    let result: CallToolResult | undefined;
    let taskId: string | undefined;
    for await (const m of client.experimental.tasks.callToolStream({ name: 'writer', arguments: { task: 'go' } }, CallToolResultSchema, { task: { ttl: 30_000 } })) {
      seen.push(m.type);
      if (m.type === 'taskCreated') taskId = m.task.taskId;
      if (m.type === 'result') result = m.result as CallToolResult;
      if (m.type === 'error') assert.fail(String(m.error));
    }
    assert.equal(seen[0], 'taskCreated');
    assert.equal(seen.at(-1), 'result');
    assert.deepEqual(structured(result), { result: 'task answer', success: true, error: null });
    const got = await client.experimental.tasks.getTask(taskId!);
    assert.equal(got.status, 'completed');
    assert.equal(got.ttl, 30_000);
    // swarms' get_task_status reads the same store
    const status = structured(await client.callTool({ name: 'get_task_status', arguments: { task_id: taskId } })) as unknown as { task: { status: string; result: string } };
    assert.equal(status.task.status, 'completed');
    assert.equal(status.task.result, 'task answer');
  });

  test('raw JSON-RPC: create answers {task} at once; tasks/get polls; tasks/result waits; status notifications arrive', async () => {
    model.setScript({ chunks: ['partial '], hang: true });
    const raw = new RawSession(aop.url);
    await raw.initialize();
    const before = model.chatRequests.length;
    const created = await raw.request('tools/call', { name: 'writer', arguments: { task: 'slow one' }, task: { ttl: 10_000 } });
    const task = created.result.task;
    assert.deepEqual(Object.keys(task).sort(), ['createdAt', 'lastUpdatedAt', 'pollInterval', 'status', 'taskId', 'ttl']);
    assert.equal(task.status, 'working');
    assert.equal(task.ttl, 10_000);
    assert.equal(task.pollInterval, 50);
    assert.ok(!Number.isNaN(Date.parse(task.createdAt)));
    await model.waitFor(() => model.chatRequests.length > before, 5000);
    const polled = await raw.request('tasks/get', { taskId: task.taskId });
    assert.equal(polled.result.status, 'working');
    // tasks/result blocks until the end; finish the model call by scripting the next answer and cancelling this one
    const waiting = raw.request('tasks/result', { taskId: task.taskId });
    const cancel = await raw.request('tasks/cancel', { taskId: task.taskId });
    assert.equal(cancel.result.status, 'cancelled');
    const res = await waiting;
    assert.equal(res.result.isError, true);
    assert.match(res.result.content[0].text, /cancelled/);
    assert.deepEqual(res.result._meta['io.modelcontextprotocol/related-task'], { taskId: task.taskId });
    await model.waitFor(() => model.chatRequests[before].aborted === true, 5000);
    const again = await raw.request('tasks/cancel', { taskId: task.taskId });
    assert.equal(again.error?.code, -32602);
    assert.match(again.error!.message, /already cancelled/);
    await raw.close();
  });

  test('tasks/cancel mid-run kills the command agent and its process group', { skip: process.platform === 'win32' }, async () => {
    const client = await aop.connect();
    let out = '';
    let taskId: string | undefined;
    const stream = client.experimental.tasks.callToolStream({ name: 'family', arguments: { task: 'x' } }, CallToolResultSchema, {
      task: {},
      onprogress: (p) => void (out += p.message ?? ''),
    });
    const consumed = (async () => {
      const seen: string[] = [];
      for await (const m of stream) {
        if (m.type === 'taskCreated') taskId = m.task.taskId;
        seen.push(m.type === 'taskStatus' ? m.task.status : m.type);
      }
      return seen;
    })();
    await waitUntil(() => /pids \d+ \d+/.test(out), 10_000, 'agent printed its pids');
    const found = out.match(/pids (\d+) (\d+)/)!.slice(1).map(Number);
    pids.push(...found);
    assert.ok(found.every(isAlive));
    const cancelled = await client.experimental.tasks.cancelTask(taskId!);
    assert.equal(cancelled.status, 'cancelled');
    await waitUntil(() => found.every((p) => !isAlive(p)), 5000, 'agent and grandchild gone');
    const seen = await consumed;
    assert.equal(seen.at(-1), 'error', `the stream ends with the cancellation: ${seen.join(',')}`);
    const r = await client.experimental.tasks.getTaskResult(taskId!, CallToolResultSchema);
    assert.equal(r.isError, true);
  });

  test('tasks/list pages through the caller\'s tasks only; other sessions see nothing', async () => {
    model.setScript({ text: 'quick' });
    const mine = new RawSession(aop.url);
    const other = new RawSession(aop.url);
    await mine.initialize();
    await other.initialize();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await mine.request('tools/call', { name: 'writer', arguments: { task: `t${i}` }, task: { ttl: 5000 } });
      ids.push(c.result.task.taskId);
    }
    const page1 = await mine.request('tasks/list', {});
    assert.equal(page1.result.tasks.length, 2);
    assert.ok(page1.result.nextCursor);
    const page2 = await mine.request('tasks/list', { cursor: page1.result.nextCursor });
    assert.equal(page2.result.nextCursor, undefined);
    const listed = [...page1.result.tasks, ...page2.result.tasks].map((t: { taskId: string }) => t.taskId);
    assert.deepEqual(new Set(listed), new Set(ids));
    const bad = await mine.request('tasks/list', { cursor: 'not-a-cursor' });
    assert.equal(bad.error?.code, -32602);

    const theirs = await other.request('tasks/list', {});
    assert.deepEqual(theirs.result.tasks, []);
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const r = await other.request(method, { taskId: ids[0] });
      assert.equal(r.error?.code, -32602, method);
      assert.match(r.error!.message, /Unknown task/);
    }
    const unknown = await mine.request('tasks/get', { taskId: '00000000-0000-0000-0000-000000000000' });
    assert.equal(unknown.error?.code, -32602);
    await mine.close();
    await other.close();
  });

  test('ttl above the maximum is clamped and the clamp is visible; a task-augmented call of a discovery tool is refused', async () => {
    const raw = new RawSession(aop.url);
    await raw.initialize();
    model.setScript({ text: 'ok' });
    const c = await raw.request('tools/call', { name: 'writer', arguments: { task: 'a' }, task: { ttl: 10 ** 12 } });
    assert.equal(c.result.task.ttl, 60_000);
    const d = await raw.request('tools/call', { name: 'list_agents', arguments: {}, task: {} });
    assert.equal(d.error?.code, -32601);
    assert.match(d.error!.message, /does not run as a task/);
    await raw.close();
  });

  test('notifications/tasks/status and progress with partial text reach the SDK client in order', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => `w${i} `);
    model.setScript({ chunks });
    const client = await aop.connect();
    const statuses: string[] = [];
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void statuses.push(n.params.status));
    const messages: string[] = [];
    const progress: number[] = [];
    let result: CallToolResult | undefined;
    for await (const m of client.experimental.tasks.callToolStream({ name: 'writer', arguments: { task: 'long' } }, CallToolResultSchema, {
      task: {},
      onprogress: (p) => {
        progress.push(p.progress);
        if (p.message) messages.push(p.message);
      },
    })) {
      if (m.type === 'result') result = m.result as CallToolResult;
    }
    assert.equal(structured(result).result, chunks.join(''));
    await waitUntil(() => messages.join('') === chunks.join(''), 5000, 'all partial text');
    assert.ok(messages.length < chunks.length / 2, `throttled: ${messages.length} notifications for ${chunks.length} chunks`);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress only grows');
    await waitUntil(() => statuses.includes('completed'), 5000, 'completed status notification');
  });

  test('progress on a plain call: partial text in order, the current attempt in _meta', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `p${i} `);
    model.setScript({ chunks });
    const client = await aop.connect();
    const messages: string[] = [];
    const r = await client.callTool({ name: 'writer', arguments: { task: 'x' } }, undefined, {
      onprogress: (p) => {
        if (p.message) messages.push(p.message);
      },
    });
    assert.equal(structured(r).result, chunks.join(''));
    assert.equal(messages.join(''), chunks.join(''), 'every character arrives before the answer');
  });
});

describe('MCP Tasks: restart and dropped connections', () => {
  let model: FakeOpenAi;
  let dir: string;
  const token = 'sekrit-token';
  const agents = () => [makeAgent({ name: 'writer', maxRetries: 0 })];

  before(async () => {
    model = await startFakeOpenAi({ text: 'kept answer' });
    dir = mkdtempSync(join(tmpdir(), 'aop-tasks-'));
  });
  after(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a restarted server keeps finished results; the in-flight task comes back failed "server restarted"', async () => {
    const first = await startServer(agents(), { openAiUrl: model.url, token, tasks: { dir } });
    const auth = { Authorization: `Bearer ${token}` };
    const raw = new RawSession(first.url, auth);
    await raw.initialize();
    model.setScript({ text: 'kept answer' });
    const done = (await raw.request('tools/call', { name: 'writer', arguments: { task: 'a' }, task: {} })).result.task.taskId;
    const finished = await raw.request('tasks/result', { taskId: done });
    assert.equal(finished.result.structuredContent.result, 'kept answer');
    model.setScript({ hang: true });
    const before = model.chatRequests.length;
    const running = (await raw.request('tools/call', { name: 'writer', arguments: { task: 'b' }, task: {} })).result.task.taskId;
    await model.waitFor(() => model.chatRequests.length > before, 5000);
    await first.server.tasks.flush();
    await first.close();

    const second = await startServer(agents(), { openAiUrl: model.url, token, tasks: { dir } });
    try {
      const again = new RawSession(second.url, auth);
      await again.initialize();
      const r = await again.request('tasks/result', { taskId: done });
      assert.equal(r.result.structuredContent.result, 'kept answer');
      const g = await again.request('tasks/get', { taskId: running });
      assert.equal(g.result.status, 'failed');
      assert.equal(g.result.statusMessage, 'server restarted');
      const rr = await again.request('tasks/result', { taskId: running });
      assert.match(rr.result.content[0].text, /server restarted/);
      const list = await again.request('tasks/list', {});
      assert.deepEqual(new Set(list.result.tasks.map((t: { taskId: string }) => t.taskId)), new Set([done, running]));
      await again.close();
    } finally {
      await second.close();
    }
  });

  test('a dropped connection loses nothing: tasks/result from a new session (same token) gets the answer', async () => {
    const aop = await startServer(agents(), { openAiUrl: model.url, token, tasks: { dir: join(dir, 'drop') } });
    try {
      const auth = { Authorization: `Bearer ${token}` };
      const raw = new RawSession(aop.url, auth);
      await raw.initialize();
      model.setScript({ text: 'survived', delayMs: 100 });
      const id = (await raw.request('tools/call', { name: 'writer', arguments: { task: 'a' }, task: {} })).result.task.taskId;
      // the client's tasks/result stream drops mid-wait
      const drop = new AbortController();
      const waiting = raw.request('tasks/result', { taskId: id }, { signal: drop.signal });
      drop.abort();
      await assert.rejects(waiting);
      const fresh = new RawSession(aop.url, auth);
      await fresh.initialize();
      const r = await fresh.request('tasks/result', { taskId: id });
      assert.equal(r.result.structuredContent.result, 'survived');
      assert.ok(readdirSync(join(dir, 'drop')).some((f) => f === `${id}.json`), 'the result is on disk');
      await fresh.close();
    } finally {
      await aop.close();
    }
  });
});


describe('Resumable streams: a dropped tools/call stream resumes with Last-Event-ID', () => {
  let model: FakeOpenAi;
  let aop: TestServer;
  before(async () => {
    model = await startFakeOpenAi({ text: 'x' });
    aop = await startServer([makeAgent({ name: 'writer', maxRetries: 0 })], { openAiUrl: model.url });
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  // a broken resumption leaves the GET open forever: fail instead of hanging
  test('events carry ids; GET with Last-Event-ID replays what was missed, then the answer', { timeout: 60_000 }, async () => {
    const chunks = Array.from({ length: 30 }, (_, i) => `c${i} `);
    model.setScript({ chunks, chunkDelayMs: 20 });
    const raw = new RawSession(aop.url);
    await raw.initialize();
    const drop = new AbortController();
    const first: string[] = [];
    let lastId: string | undefined;
    // read the POST stream until the first progress event, then drop the connection
    await assert.rejects(
      raw.request('tools/call', { name: 'writer', arguments: { task: 'go' }, _meta: { progressToken: 7 } }, {
        signal: drop.signal,
        onEvent: (msg, id) => {
          if (msg.method === 'notifications/progress') first.push(msg.params.message ?? '');
          lastId = id;
          drop.abort();
        },
      }),
    );
    assert.match(lastId ?? '', /^[0-9a-f]{12}-\d+$/, 'SSE events carry ids');
    const rest: string[] = [];
    const resumed = await raw.resume(lastId!, undefined, (msg) => {
      if (msg.method === 'notifications/progress') rest.push(msg.params.message ?? '');
      else if ('result' in msg) rest.push(`RESULT:${msg.result.structuredContent.result}`);
    });
    assert.equal(resumed.status, 200);
    assert.equal(rest.at(-1), `RESULT:${chunks.join('')}`, 'the answer arrives on the resumed stream');
    assert.equal([...first, ...rest.slice(0, -1)].join(''), chunks.join(''), 'no partial text lost or repeated');
    await raw.close();
  });
});
