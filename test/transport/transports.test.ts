/**
 * Both Node-native transports against real servers: our AopServer (NodeHttpServerTransport) and
 * the SDK's McpServer + StreamableHTTPServerTransport (SSE-only answers).
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NodeHttpClientTransport } from '../../src/core/mcp-client';
import type { ChatModel, ChatRequest, ChatResponse } from '../../src/core/models/types';
import { AopServer } from '../../src/core/server/aop-server';
import { makeAgent } from '../support/agents';
import { untilNotified, waitUntil } from '../support/aop';
import { serveSdkSessions } from '../support/sdk-server';

/** Model calls that saw their abort signal (the server side of a cancellation). */
let modelAborts = 0;
const SLOW_MS = 30_000;

/**
 * Streams its answer in three parts (so progress flows) when the task starts with "stream"; a task
 * starting with "slow" answers only after SLOW_MS, far beyond what a test waits for: a test that
 * cancels it fails when the abort does not reach the model (and still ends, without hanging).
 */
class StreamingModel implements ChatModel {
  readonly id = 'streaming';
  complete(request: ChatRequest): Promise<ChatResponse> {
    return new Promise((resolve, reject) => {
      const slow = request.task.startsWith('slow');
      request.signal?.addEventListener('abort', () => {
        modelAborts++;
        reject(new Error('aborted'));
      }, { once: true });
      if (slow) {
        const t = setTimeout(() => resolve({ text: `answer to ${request.task}`, model: 'streaming' }), SLOW_MS);
        request.signal?.addEventListener('abort', () => clearTimeout(t), { once: true });
        return;
      }
      const parts = ['one ', 'two ', 'three'];
      let i = 0;
      const tick = () => {
        if (request.signal?.aborted) return reject(new Error('aborted'));
        if (i < parts.length && request.task.startsWith('stream')) {
          request.onText?.(parts[i++]);
          setTimeout(tick, 60);
          return;
        }
        resolve({ text: `answer to ${request.task}`, model: 'streaming' });
      };
      setTimeout(tick, 0);
    });
  }
}

async function startAop(token?: string): Promise<{ server: AopServer; url: string; port: number }> {
  const server = new AopServer({ port: 0, token, models: () => new StreamingModel(), initialBackoffMs: 10 });
  server.setAgents([makeAgent({ name: 'echo', maxRetries: 0 })]);
  const { url, port } = await server.listen();
  return { server, url, port };
}

async function startSdkServer(): Promise<{ url: string; close(): Promise<void>; mcp: () => McpServer[] }> {
  const servers: McpServer[] = [];
  const http = await serveSdkSessions(async (transport) => {
    const mcp = new McpServer({ name: 'sdk', version: '0' });
    mcp.registerTool('echo', { inputSchema: { task: z.string() } }, async ({ task }, extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        for (let i = 1; i <= 3; i++) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i } });
      }
      return { content: [{ type: 'text', text: `sdk: ${task}` }] };
    });
    servers.push(mcp);
    await mcp.connect(transport);
  });
  return { ...http, mcp: () => servers };
}

async function connect(url: string, headers?: Record<string, string>): Promise<{ client: Client; transport: NodeHttpClientTransport }> {
  const client = new Client({ name: 'transport-test', version: '0' });
  const transport = new NodeHttpClientTransport(new URL(url), { headers });
  await client.connect(transport);
  return { client, transport };
}

/** Raw HTTP, to see exactly what the server answers. */
function raw(
  port: number,
  method: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        // a GET stream never ends: answer with what the headers say
        if (method === 'GET') {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      if (method === 'GET' && res.statusCode === 200) {
        resolve({ status: 200, headers: res.headers, body: '' });
        req.destroy();
      }
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

async function rawSession(port: number, protocolVersion = '2025-06-18'): Promise<string> {
  const init = await raw(
    port,
    'POST',
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
    JSON_HEADERS,
  );
  assert.equal(init.status, 200);
  assert.match(String(init.headers['content-type']), /application\/json/);
  const sid = init.headers['mcp-session-id'] as string;
  assert.ok(sid);
  const note = await raw(port, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
    ...JSON_HEADERS,
    'Mcp-Session-Id': sid,
    'MCP-Protocol-Version': protocolVersion,
  });
  assert.equal(note.status, 202);
  assert.equal(note.body, '');
  return sid;
}

describe('NodeHttpClientTransport → AopServer (NodeHttpServerTransport)', () => {
  let aop: Awaited<ReturnType<typeof startAop>>;
  const token = 'tok-123';
  before(async () => {
    aop = await startAop(token);
  });
  after(() => aop.server.close());

  test('JSON answers, SSE with progress, concurrent calls on one session', async () => {
    const { client, transport } = await connect(aop.url, { Authorization: `Bearer ${token}` });
    assert.ok(transport.sessionId);
    assert.equal(transport.protocolVersion !== undefined, true);
    const r = await client.callTool({ name: 'echo', arguments: { task: 'hi' } });
    assert.deepEqual(r.structuredContent, { result: 'answer to hi', success: true, error: null });

    const progress: number[] = [];
    const streamed = await client.callTool({ name: 'echo', arguments: { task: 'stream me' } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    assert.equal((streamed.structuredContent as { success: boolean }).success, true);
    assert.ok(progress.length >= 1, 'progress notifications arrive over SSE before the answer');

    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => client.callTool({ name: 'echo', arguments: { task: `t${i}` } })));
    many.forEach((m, i) => assert.equal((m.structuredContent as { result: string }).result, `answer to t${i}`));
    await client.close();
  });

  test('GET stream delivers tools/list_changed; DELETE on close ends the session', async () => {
    const { client, transport } = await connect(aop.url, { Authorization: `Bearer ${token}` });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await waitUntil(() => aop.server.sessionCount >= 1, 10_000, 'session');
    // The GET stream opens after notifications/initialized: change the tool list until the client hears it.
    let n = 0;
    await untilNotified(() => aop.server.upsertAgent(makeAgent({ name: `newcomer-${n++}` })), () => changed >= 1, 'tools/list_changed');
    for (let i = 0; i < n; i++) aop.server.removeAgent(`newcomer-${i}`);
    const sid = transport.sessionId!;
    const before = aop.server.sessionCount;
    await client.close();
    assert.equal(aop.server.sessionCount, before - 1, 'DELETE removed the session');
    const r = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), {
      ...JSON_HEADERS,
      Authorization: `Bearer ${token}`,
      'Mcp-Session-Id': sid,
    });
    assert.equal(r.status, 404);
  });

  test('cancelling a call aborts it on both sides', async () => {
    const { client } = await connect(aop.url, { Authorization: `Bearer ${token}` });
    const ctrl = new AbortController();
    const abortsBefore = modelAborts;
    // The model answers "slow" tasks only after SLOW_MS: only the abort can end this call sooner.
    const call = client.callTool({ name: 'echo', arguments: { task: 'slow one' } }, undefined, { signal: ctrl.signal });
    await waitUntil(() => aop.server.executor.queueStats('echo').running === 1, 10_000, 'the call running on the server');
    ctrl.abort();
    await assert.rejects(call, /abort/i); // client side
    await waitUntil(() => modelAborts === abortsBefore + 1, 10_000, 'the model seeing the abort (server side)');
    await waitUntil(() => aop.server.executor.queueStats('echo').running === 0, 10_000, 'server-side abort');
    await client.close();
  });

  test('wrong token → a clear rejected connect', async () => {
    const client = new Client({ name: 't', version: '0' });
    await assert.rejects(client.connect(new NodeHttpClientTransport(new URL(aop.url), { headers: { Authorization: 'Bearer nope' } })), /401/);
  });
});

describe('NodeHttpServerTransport: spec details (raw HTTP)', () => {
  let aop: Awaited<ReturnType<typeof startAop>>;
  before(async () => {
    aop = await startAop();
  });
  after(() => aop.server.close());

  test('fast path: tools/call answers application/json; progress switches the answer to SSE', async () => {
    const sid = await rawSession(aop.port);
    const h = { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    const r = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { task: 'hi' } } }), h);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(JSON.parse(r.body).result.structuredContent.result, 'answer to hi');
    const s = await raw(
      aop.port,
      'POST',
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { task: 'stream' }, _meta: { progressToken: 7 } } }),
      h,
    );
    assert.equal(s.status, 200);
    assert.match(String(s.headers['content-type']), /^text\/event-stream/);
    const events = s.body.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('data: ')[1]));
    assert.equal(events[0].method, 'notifications/progress');
    assert.equal(events[0].jsonrpc, '2.0');
    assert.equal(events.at(-1).id, 3);
  });

  test('a cancelled call gets no answer: its POST ends at once and the call is aborted on the server', { timeout: 20_000 }, async () => {
    const sid = await rawSession(aop.port);
    const h = { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    const abortsBefore = modelAborts;
    // the model answers "slow" tasks only after SLOW_MS: only the cancellation can end this POST sooner
    const call = raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'echo', arguments: { task: 'slow' } } }), h);
    await waitUntil(() => aop.server.executor.queueStats('echo').running === 1, 10_000, 'the call running on the server');
    const note = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1', reason: 'user' } }), h);
    assert.equal(note.status, 202);
    const r = await call;
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.body, /"result"|"error"/, 'no answer for a cancelled request');
    await waitUntil(() => modelAborts === abortsBefore + 1, 10_000, 'the model seeing the abort');
    // the id is free again, and the session answers
    const again = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'echo', arguments: { task: 'hi' } } }), h);
    assert.equal(JSON.parse(again.body).result.structuredContent.result, 'answer to hi');
  });

  test('tools/call errors read the same on the direct path and through the SDK Protocol', async () => {
    const sid = await rawSession(aop.port);
    const h = { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    const ask = async (id: number, params: Record<string, unknown>) => {
      const r = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }), h);
      const text = r.body.startsWith('{') ? r.body : r.body.split('data: ').at(-1)!;
      return JSON.parse(text) as { id: number; error?: { code: number; message: string } };
    };
    const direct = await ask(20, { name: 'nosuch', arguments: { task: 'x' } });
    // a task-augmented call goes through the SDK Server (and its schema checks)
    const sdk = await ask(21, { name: 'nosuch', arguments: { task: 'x' }, task: { ttl: 1000 } });
    assert.equal(direct.error?.code, -32602);
    assert.match(direct.error?.message ?? '', /Unknown tool: nosuch/);
    assert.deepEqual(direct.error, sdk.error);
    // malformed params: InvalidParams in words, not a schema dump
    const bad = await ask(22, { name: 42 });
    assert.equal(bad.error?.code, -32602);
    assert.match(bad.error?.message ?? '', /tools\/call needs params\.name: the name of the tool to call/);
    const badArgs = await ask(23, { name: 'echo', arguments: ['x'] });
    assert.equal(badArgs.error?.code, -32602);
    assert.match(badArgs.error?.message ?? '', /the arguments of echo must be an object/);
  });

  test('bad session 404, missing session 400, unsupported protocol version 400', async () => {
    const sid = await rawSession(aop.port);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    assert.equal((await raw(aop.port, 'POST', list, { ...JSON_HEADERS, 'Mcp-Session-Id': 'nope' })).status, 404);
    assert.equal((await raw(aop.port, 'POST', list, JSON_HEADERS)).status, 400);
    for (const v of ['invalid-protocol-version', '2000-01-01', '2099-01-01']) {
      const r = await raw(aop.port, 'POST', list, { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': v });
      assert.equal(r.status, 400, v);
      assert.match(JSON.parse(r.body).error.message, /Unsupported protocol version/);
    }
    const ok = await raw(aop.port, 'POST', list, { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(ok.status, 200);
    assert.ok(JSON.parse(ok.body).result.tools.length > 0);
  });

  test('Accept: 406 when neither JSON nor SSE is acceptable; GET needs text/event-stream', async () => {
    const sid = await rawSession(aop.port);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const h = { 'Content-Type': 'application/json', 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    assert.equal((await raw(aop.port, 'POST', list, { ...h, Accept: 'text/html' })).status, 406);
    const sseOnly = await raw(aop.port, 'POST', list, { ...h, Accept: 'text/event-stream' });
    assert.equal(sseOnly.status, 200);
    assert.match(String(sseOnly.headers['content-type']), /text\/event-stream/);
    assert.match(sseOnly.body, /^id: [0-9a-f]{12}-1\nevent: message\ndata: \{/);
    assert.equal((await raw(aop.port, 'GET', undefined, { Accept: 'application/json', 'Mcp-Session-Id': sid })).status, 406);
  });

  test('one GET stream per session (409 for a second), 415 for a non-JSON body type', async () => {
    const sid = await rawSession(aop.port);
    const h = { Accept: 'text/event-stream', 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    const keep = request({ host: '127.0.0.1', port: aop.port, path: '/mcp', method: 'GET', headers: h });
    const first = await new Promise<number>((resolve, reject) => {
      keep.on('response', (res) => resolve(res.statusCode ?? 0));
      keep.on('error', reject);
      keep.end();
    });
    assert.equal(first, 200);
    assert.equal((await raw(aop.port, 'GET', undefined, h)).status, 409);
    keep.destroy();
    const r = await raw(aop.port, 'POST', '{}', { Accept: 'application/json, text/event-stream', 'Content-Type': 'text/plain', 'Mcp-Session-Id': sid });
    assert.equal(r.status, 415);
  });

  test('batches: accepted for 2025-03-26 (JSON array answer), rejected with 400 from 2025-06-18', async () => {
    const old = await rawSession(aop.port, '2025-03-26');
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 901, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'x', progress: 1 } },
      { jsonrpc: '2.0', id: 902, method: 'tools/list' },
    ]);
    const ok = await raw(aop.port, 'POST', batch, { ...JSON_HEADERS, 'Mcp-Session-Id': old, 'MCP-Protocol-Version': '2025-03-26' });
    assert.equal(ok.status, 200);
    const answers = JSON.parse(ok.body) as Array<{ id: number }>;
    assert.deepEqual(answers.map((a) => a.id).sort(), [901, 902]);

    const sid = await rawSession(aop.port, '2025-06-18');
    const pings = JSON.stringify([
      { jsonrpc: '2.0', id: 901, method: 'ping' },
      { jsonrpc: '2.0', id: 902, method: 'ping' },
    ]);
    const no = await raw(aop.port, 'POST', pings, { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' });
    assert.equal(no.status, 400);
    assert.equal(typeof JSON.parse(no.body).error.code, 'number');
    // without the header the negotiated version decides
    const no2 = await raw(aop.port, 'POST', pings, { ...JSON_HEADERS, 'Mcp-Session-Id': sid });
    assert.equal(no2.status, 400);
  });

  test('a second initialize on a session is refused; DELETE → 200 then 404', async () => {
    const sid = await rawSession(aop.port);
    const h = { ...JSON_HEADERS, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' };
    const again = await raw(
      aop.port,
      'POST',
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
      h,
    );
    assert.equal(again.status, 400);
    assert.equal(JSON.parse(again.body).error.code, -32600);
    assert.match(JSON.parse(again.body).error.message, /already initialized/);
    // the session still works after the refusal
    const list = await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), h);
    assert.equal(list.status, 200);
    assert.ok(JSON.parse(list.body).result.tools.length > 0);
    const del = await raw(aop.port, 'DELETE', undefined, h);
    assert.equal(del.status, 200);
    assert.equal((await raw(aop.port, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), h)).status, 404);
  });
});

describe('NodeHttpClientTransport → bare SDK server (SSE answers only)', () => {
  let sdk: Awaited<ReturnType<typeof startSdkServer>>;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.close());

  test('calls, progress over SSE, concurrent calls, list_changed over GET', async () => {
    const { client } = await connect(sdk.url);
    const r = await client.callTool({ name: 'echo', arguments: { task: 'x' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'sdk: x' }]);
    const progress: number[] = [];
    await client.callTool({ name: 'echo', arguments: { task: 'p' } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [1, 2, 3]);
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => client.callTool({ name: 'echo', arguments: { task: `${i}` } })));
    // each concurrent call got its own answer (no mix-up of ids across the SSE streams)
    assert.deepEqual(many.map((m) => m.content), Array.from({ length: 30 }, (_, i) => [{ type: 'text', text: `sdk: ${i}` }]));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    let n = 0;
    await untilNotified(
      () => sdk.mcp()[0].registerTool(`added-${n++}`, { inputSchema: {} }, async () => ({ content: [] })),
      () => changed >= 1,
      'tools/list_changed from the SDK server',
    );
    await client.close();
  });
});

describe('NodeHttpClientTransport: failures', () => {
  test('server not running → "not reachable", not a hang', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const client = new Client({ name: 't', version: '0' });
    await assert.rejects(client.connect(new NodeHttpClientTransport(new URL(`http://127.0.0.1:${port}/mcp`))), /not reachable/);
  });

  test('server dies during a call → the call fails fast; later calls report "not reachable"', async () => {
    const aop = await startAop();
    const { client } = await connect(aop.url);
    const call = client.callTool({ name: 'echo', arguments: { task: 'slow call' } });
    await waitUntil(() => aop.server.executor.queueStats('echo').running === 1, 10_000, 'the call running on the server');
    // "slow" answers only after SLOW_MS: the call ends sooner only because the server went away.
    await aop.server.close();
    await assert.rejects(call);
    await assert.rejects(client.callTool({ name: 'echo', arguments: { task: 'again' } }), /not reachable|lost/);
    await client.close();
  });
});
