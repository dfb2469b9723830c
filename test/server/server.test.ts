import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, untilNotified, waitUntil, type TestServer } from '../support/aop';

function structured(r: unknown): { result: string; success: boolean; error: string | null } {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}

describe('AopServer: agents as MCP tools', () => {
  let model: FakeOpenAi;
  let aop: TestServer;

  before(async () => {
    model = await startFakeOpenAi({ text: 'hello from the model' });
    aop = await startServer(
      [
        makeAgent({ name: 'writer', description: 'Writes things', tags: ['text'], maxRetries: 0 }),
        makeAgent({ name: 'slow', timeout: 0.3, maxRetries: 0 }),
        makeAgent({ name: 'flaky', maxRetries: 2 }),
        makeAgent({ name: 'narrow', maxConcurrency: 1, queueLimit: 1, maxRetries: 0 }),
      ],
      { openAiUrl: model.url },
    );
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  test('lists one tool per agent with the Algorithm 1 schemas, plus discovery tools', async () => {
    const client = await aop.connect();
    const { tools } = await client.listTools();
    const writer = tools.find((t) => t.name === 'writer');
    assert.ok(writer, 'writer tool listed');
    assert.equal(writer.description, 'Writes things');
    assert.deepEqual(writer.inputSchema.required, ['task']);
    assert.deepEqual(Object.keys(writer.inputSchema.properties ?? {}).sort(), ['correct_answer', 'img', 'imgs', 'task']);
    assert.deepEqual(Object.keys((writer.outputSchema?.properties as object) ?? {}).sort(), ['error', 'result', 'success']);
    assert.equal(writer.annotations?.openWorldHint, true);
    for (const name of ['discover_agents', 'get_agent_details', 'get_agents_info', 'list_agents', 'search_agents', 'get_server_info', 'get_queue_stats', 'get_task_status', 'cancel_task']) {
      assert.ok(tools.some((t) => t.name === name), `${name} listed`);
    }
  });

  test('calls an agent: structured {result, success, error} plus text, system prompt sent to the model', async () => {
    model.setScript({ text: 'the answer' });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const r = (await client.callTool({ name: 'writer', arguments: { task: 'write a haiku' } })) as CallToolResult;
    assert.deepEqual(structured(r), { result: 'the answer', success: true, error: null });
    assert.equal(r.isError, false);
    assert.deepEqual(JSON.parse((r.content[0] as { text: string }).text), structured(r));
    const sent = model.chatRequests[before].body;
    assert.equal(sent.messages[0].role, 'system');
    assert.equal(sent.messages[0].content, 'You are writer.');
    assert.match(JSON.stringify(sent.messages[1]), /write a haiku/);
    assert.equal(typeof (r._meta as Record<string, unknown>)['aop/task_id'], 'string');
  });

  test('streams progress notifications while the model writes', async () => {
    model.setScript({ chunks: ['one ', 'two ', 'three'], chunkDelayMs: 80 });
    const client = await aop.connect();
    const progress: number[] = [];
    const r = await client.callTool({ name: 'writer', arguments: { task: 'count' } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    assert.equal(structured(r).result, 'one two three');
    assert.ok(progress.length >= 2, `got ${progress.length} progress notifications`);
    assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]), 'progress grows');
  });

  test('a timeout per attempt fails the call with a clear error and aborts the model request', async () => {
    model.setScript({ hang: true });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const t0 = Date.now();
    const r = await client.callTool({ name: 'slow', arguments: { task: 'never ends' } });
    const elapsed = Date.now() - t0;
    assert.equal(structured(r).success, false);
    assert.match(structured(r).error ?? '', /timed out after 0.3 s/);
    assert.equal((r as CallToolResult).isError, true);
    assert.ok(elapsed >= 280, `returned after ${elapsed} ms`); // the timeout itself is in the error above
    await model.waitFor(() => model.chatRequests[before]?.aborted === true, 2000);
  });

  test('fails twice then succeeds: each retry waits for its growing backoff delay, not a moment less', async (t) => {
    model.setScript([{ status: 500 }, { status: 503 }, { text: 'third time lucky' }]);
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const delays: number[] = [];
    const off = aop.server.tracing.store.subscribe((e) => {
      if (e.type === 'span-start' && e.span.name === 'aop.backoff') delays.push(Number(e.span.attributes['aop.backoff.delay_ms']));
    });
    // The clock of the backoff waits is the test's: no measured gaps (a loaded machine stretches
    // them, and a timer set late in a long event-loop turn fires early by the wall clock), but
    // states — the next request is not sent until the mocked clock has passed the chosen delay.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const requests = () => model.chatRequests.length - before;
    /** Lets I/O and callbacks run (event-loop turns, not time) until `done` holds. */
    const turnsUntil = async (done: () => boolean, what: string) => {
      for (let i = 0; i < 100_000 && !done(); i++) await new Promise((r) => setImmediate(r));
      assert.ok(done(), what);
    };
    /** Some event-loop turns in which nothing may happen (enough for a request on loopback to arrive). */
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    try {
      const call = client.callTool({ name: 'flaky', arguments: { task: 'try' } });
      for (const attempt of [1, 2]) {
        await turnsUntil(() => delays.length === attempt, `backoff ${attempt} chosen`);
        const delay = delays[attempt - 1];
        await turns(200);
        assert.equal(requests(), attempt, `attempt ${attempt + 1} waits for the backoff`);
        t.mock.timers.tick(delay - 1);
        await turns(200);
        assert.equal(requests(), attempt, `attempt ${attempt + 1} is not sent 1 ms before its ${delay} ms delay`);
        t.mock.timers.tick(2); // the delay is rounded in the span: 2 ms past it for sure
        await turnsUntil(() => requests() === attempt + 1, `attempt ${attempt + 1} sent once its delay has passed`);
      }
      const r = await call;
      assert.deepEqual(structured(r), { result: 'third time lucky', success: true, error: null });
    } finally {
      off();
      t.mock.timers.reset();
    }
    assert.equal(requests(), 3);
    // half jitter around a doubling base: the second delay is never shorter than the first
    assert.ok(delays[0] >= 10 && delays[1] >= delays[0], `backoff delays grow: ${delays.join(', ')}`);
  });

  test('gives up after max_retries + 1 attempts and says why', async () => {
    model.setScript({ status: 500 });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const r = await client.callTool({ name: 'flaky', arguments: { task: 'try' } });
    assert.equal(structured(r).success, false);
    assert.match(structured(r).error ?? '', /500/);
    assert.match(structured(r).error ?? '', /after 3 attempts/);
    assert.equal(model.chatRequests.length - before, 3);
  });

  test('a non-retryable model error (401) is not retried', async () => {
    model.setScript({ status: 401 });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const r = await client.callTool({ name: 'flaky', arguments: { task: 'try' } });
    assert.equal(structured(r).success, false);
    assert.equal(model.chatRequests.length - before, 1);
  });

  test('cancelling the MCP request stops the model request', async () => {
    model.setScript({ hang: true });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const controller = new AbortController();
    const call = client.callTool({ name: 'writer', arguments: { task: 'long' } }, undefined, { signal: controller.signal });
    await model.waitFor(() => model.chatRequests.length > before, 10_000);
    controller.abort('user cancelled');
    await assert.rejects(call);
    await model.waitFor(() => model.chatRequests[before].aborted === true, 10_000);
    await waitUntil(() => aop.server.executor.runtime('writer').inFlight === 0, 10_000, 'writer idle');
  });

  test('bulkhead: a full queue answers at once with a clear error', async () => {
    model.setScript({ text: 'done', delayMs: 300 });
    const client = await aop.connect();
    const calls = [1, 2, 3].map((i) => client.callTool({ name: 'narrow', arguments: { task: `t${i}` } }));
    const results = await Promise.all(calls);
    const ok = results.filter((r) => structured(r).success);
    const full = results.filter((r) => !structured(r).success);
    assert.equal(ok.length, 2, 'one runs, one waits in the queue');
    assert.equal(full.length, 1);
    assert.match(structured(full[0]).error ?? '', /at capacity.*max_concurrency/);
  });

  test('bad arguments give an MCP error result, not a crash', async () => {
    const client = await aop.connect();
    const r1 = (await client.callTool({ name: 'writer', arguments: { task: 42 } })) as CallToolResult;
    assert.equal(r1.isError, true);
    assert.match(structured(r1).error ?? '', /invalid arguments.*task/);
    const r2 = (await client.callTool({ name: 'writer', arguments: {} })) as CallToolResult;
    assert.equal(r2.isError, true);
    await assert.rejects(client.callTool({ name: 'no-such-agent', arguments: { task: 'x' } }), /Unknown tool/);
    const r3 = (await client.callTool({ name: 'search_agents', arguments: { query: 7 } })) as CallToolResult;
    assert.equal(r3.isError, true);
  });

  test('lifecycle states and counters appear in get_server_info and get_queue_stats', async () => {
    model.setScript({ text: 'ok' });
    const client = await aop.connect();
    await client.callTool({ name: 'writer', arguments: { task: 'x' } });
    const info = structured(await client.callTool({ name: 'get_server_info', arguments: {} })) as unknown as {
      success: boolean;
      server_info: { server_name: string; total_agents: number; agent_names: string[] };
    };
    assert.equal(info.success, true);
    assert.equal(info.server_info.total_agents, 4);
    assert.deepEqual([...info.server_info.agent_names].sort(), ['flaky', 'narrow', 'slow', 'writer']);
    const stats = structured(await client.callTool({ name: 'get_queue_stats', arguments: { agent_name: 'writer' } })) as unknown as {
      stats: { completed_tasks: number; queue_status: string };
    };
    assert.ok(stats.stats.completed_tasks >= 1);
    assert.equal(aop.server.executor.runtime('writer').state, 'ACTIVE');
    assert.equal(aop.server.executor.runtime('slow').state, 'ERROR');
  });

  test('get_task_status and cancel_task work on a running call', async () => {
    model.setScript({ hang: true });
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const call = client.callTool({ name: 'writer', arguments: { task: 'long' } });
    await model.waitFor(() => model.chatRequests.length > before, 2000);
    const [task] = aop.server.tasks.all().filter((t) => t.status === 'processing');
    assert.ok(task, 'a processing task exists');
    const status = structured(await client.callTool({ name: 'get_task_status', arguments: { task_id: task.taskId } })) as unknown as {
      task: { status: string };
    };
    assert.equal(status.task.status, 'processing');
    const cancelled = structured(await client.callTool({ name: 'cancel_task', arguments: { task_id: task.taskId } })) as unknown as {
      success: boolean;
    };
    assert.equal(cancelled.success, true);
    const r = await call;
    assert.equal(structured(r).success, false);
    await model.waitFor(() => model.chatRequests[before].aborted === true, 2000);
  });

  test('discovery tools answer in the swarms shapes', async () => {
    const client = await aop.connect();
    const d = structured(await client.callTool({ name: 'discover_agents', arguments: {} })) as unknown as {
      success: boolean;
      agents: Array<Record<string, unknown>>;
    };
    assert.equal(d.success, true);
    assert.deepEqual(Object.keys(d.agents[0]), [
      'tool_name', 'agent_name', 'description', 'short_system_prompt', 'tags', 'capabilities', 'role',
      'model_name', 'max_loops', 'temperature', 'max_tokens',
    ]);
    const s = structured(await client.callTool({ name: 'search_agents', arguments: { query: 'WRITES' } })) as unknown as {
      matching_agents: Array<{ agent_name: string }>;
    };
    assert.deepEqual(s.matching_agents.map((a) => a.agent_name), ['writer']);
    const l = structured(await client.callTool({ name: 'list_agents', arguments: {} })) as unknown as { total_count: number };
    assert.equal(l.total_count, 4);
    const det = structured(await client.callTool({ name: 'get_agent_details', arguments: { agent_name: 'nope' } })) as unknown as {
      success: boolean;
      error: string;
    };
    assert.equal(det.success, false);
    assert.match(det.error, /not found/);
    const many = structured(await client.callTool({ name: 'get_agents_info', arguments: { agent_names: ['writer', 'ghost'] } })) as unknown as {
      total_found: number;
      not_found: string[];
    };
    assert.equal(many.total_found, 1);
    assert.deepEqual(many.not_found, ['ghost']);
  });

  test('adding and removing agents updates tools/list and sends tools/list_changed', async () => {
    const client = await aop.connect();
    let notified = 0;
    client.setNotificationHandler(
      (await import('@modelcontextprotocol/sdk/types.js')).ToolListChangedNotificationSchema,
      () => {
        notified++;
      },
    );
    // the standalone SSE stream (GET) carries server-initiated notifications; it opens after
    // initialize, so add agents until the client hears one (a wait for the state, not a time)
    let n = 0;
    await untilNotified(() => aop.server.upsertAgent(makeAgent({ name: `newcomer-${n++}` })), () => notified >= 1, 'tools/list_changed');
    assert.ok((await client.listTools()).tools.some((t) => t.name === `newcomer-${n - 1}`));
    for (let i = 0; i < n; i++) {
      const seen = notified;
      aop.server.removeAgent(`newcomer-${i}`);
      await waitUntil(() => notified > seen, 10_000, 'tools/list_changed for the removal');
    }
    assert.ok(!(await client.listTools()).tools.some((t) => t.name.startsWith('newcomer')));
  });
});

/** Raw HTTP so the security checks see exactly what an attacker would send. */
function rawPost(
  port: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
  path = '/mcp',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

describe('AopServer: security and bad input', () => {
  let aop: TestServer;
  const token = 'test-token-123';
  before(async () => {
    aop = await startServer([makeAgent({ name: 'writer' })], { token, maxBodyBytes: 64 * 1024 });
  });
  after(() => aop.close());

  const auth = { Authorization: `Bearer ${token}` };

  test('401 without a token or with a wrong one; the SDK client with the token works', async () => {
    assert.equal((await rawPost(aop.port, INIT)).status, 401);
    assert.equal((await rawPost(aop.port, INIT, { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await rawPost(aop.port, INIT, { Authorization: token })).status, 401);
    const ok = await rawPost(aop.port, INIT, auth);
    assert.equal(ok.status, 200);
    const client = await aop.connect();
    assert.ok((await client.listTools()).tools.length > 0);
  });

  test('403 for a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    const badHost = await rawPost(aop.port, INIT, { ...auth, Host: 'evil.example.com' });
    assert.equal(badHost.status, 403);
    assert.match(badHost.body, /Host/);
    const badOrigin = await rawPost(aop.port, INIT, { ...auth, Origin: 'http://evil.example.com' });
    assert.equal(badOrigin.status, 403);
    const goodOrigin = await rawPost(aop.port, INIT, { ...auth, Origin: `http://localhost:${aop.port}` });
    assert.equal(goodOrigin.status, 200);
    const localhostHost = await rawPost(aop.port, INIT, { ...auth, Host: `localhost:${aop.port}` });
    assert.equal(localhostHost.status, 200);
  });

  test('413 for a body over the limit', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } });
    const r = await rawPost(aop.port, big, auth);
    assert.equal(r.status, 413);
    assert.match(r.body, /too large/);
  });

  test('malformed JSON gets a JSON-RPC parse error, and the server keeps serving', async () => {
    const r = await rawPost(aop.port, '{"jsonrpc": "2.0", "id": 1, "method": ', auth);
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).error.code, -32700);
    const r2 = await rawPost(aop.port, '42', auth);
    assert.equal(r2.status, 400);
    assert.equal(JSON.parse(r2.body).error.code, -32600);
    const r3 = await rawPost(aop.port, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), auth);
    assert.equal(r3.status, 400, 'no session, not initialize');
    assert.equal((await rawPost(aop.port, INIT, auth)).status, 200);
  });

  test('unknown session id → 404; /healthz answers without the token', async () => {
    const r = await rawPost(aop.port, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {
      ...auth,
      'Mcp-Session-Id': 'nope',
    });
    assert.equal(r.status, 404);
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: aop.port, path: '/healthz' }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).agents, 1);
    assert.doesNotMatch(health.body, new RegExp(token));
  });

  test('refuses to listen on a non-loopback address without a token', async () => {
    const { AopServer } = await import('../../src/core/server/aop-server');
    const s = new AopServer({ host: '0.0.0.0', port: 0, models: () => { throw new Error('unused'); } });
    await assert.rejects(s.listen(), /without a token/);
  });
});
