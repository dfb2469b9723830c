// A session that only initializes, lists and calls tools is served without the SDK Server: its
// answers must be the SDK Server's, and a later request that needs the SDK must find a Server that
// knows the client as if it had answered the initialize itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { makeAgent } from '../support/agents';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { startServer, type TestServer } from '../support/aop';
import { RawSession } from '../support/raw-mcp';

/** The SDK Server of the session with this id (undefined until the session needs one). */
function sdkServerOf(aop: TestServer, sessionId: string): Server | undefined {
  const table = (aop.server as unknown as { sessions: { sessions: Map<string, { server?: Server }> } }).sessions;
  const session = table.sessions.get(sessionId);
  assert.ok(session, `session ${sessionId} is open`);
  return session.server;
}

/** A raw session whose initialize carries exactly `clientInfo` and `capabilities`. */
async function initialized(aop: TestServer, protocolVersion: string, clientInfo: object, capabilities: object = {}) {
  const s = new RawSession(aop.url);
  const answer = await s.request('initialize', { protocolVersion, capabilities, clientInfo });
  assert.equal(answer.status, 200, JSON.stringify(answer));
  assert.ok(s.sessionId);
  return { session: s, answer };
}

describe('direct requests: initialize, ping, tools/list and tools/call without the SDK Server', () => {
  let aop: TestServer;
  let model: FakeOpenAi;
  before(async () => {
    model = await startFakeOpenAi({ text: 'written' });
    aop = await startServer([makeAgent({ name: 'writer', description: 'Writes things', maxRetries: 0 })], { openAiUrl: model.url });
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  test('the direct initialize answers what the SDK Server answers, for every version asked', async () => {
    for (const version of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01']) {
      const direct = await initialized(aop, version, { name: 'c', version: '1' }, { roots: { listChanged: true } });
      // `icons` is a key the hand check does not vouch for: the SDK Server answers this one
      const viaSdk = await initialized(aop, version, { name: 'c', version: '1', icons: [] }, { roots: { listChanged: true } });
      assert.equal(sdkServerOf(aop, direct.session.sessionId!), undefined, 'answered without an SDK Server');
      assert.ok(sdkServerOf(aop, viaSdk.session.sessionId!), 'answered by the SDK Server');
      assert.deepEqual(direct.answer.result, viaSdk.answer.result, version);
      assert.equal(direct.answer.result.protocolVersion, version === '1999-01-01' ? '2025-11-25' : version);
      await direct.session.close();
      await viaSdk.session.close();
    }
  });

  test('ping, tools/list and tools/call need no SDK Server; the first request that does finds one that knows the client', async () => {
    const { session } = await initialized(aop, '2025-06-18', { name: 'raw-client', version: '7' }, { roots: { listChanged: true }, sampling: {} });
    assert.equal(await session.notify('notifications/initialized'), 202);
    assert.deepEqual((await session.request('ping')).result, {});
    const list = await session.request('tools/list');
    assert.ok(list.result.tools.some((t: { name: string }) => t.name === 'writer'));
    const call = await session.request('tools/call', { name: 'writer', arguments: { task: 'hi' } });
    assert.equal(call.result.isError, false, JSON.stringify(call));
    // a bad cursor: the same error as before, from the direct path
    const badCursor = await session.request('tools/list', { cursor: 'nope' });
    assert.equal(badCursor.error?.code, -32602);
    assert.equal(sdkServerOf(aop, session.sessionId!), undefined, 'still no SDK Server');

    // tasks/list needs the SDK: its Server is made now and told the initialize the direct path answered
    const tasks = await session.request('tasks/list');
    assert.deepEqual(tasks.result?.tasks, [], JSON.stringify(tasks));
    const server = sdkServerOf(aop, session.sessionId!);
    assert.ok(server, 'an SDK Server now');
    assert.deepEqual(server.getClientVersion(), { name: 'raw-client', version: '7' });
    assert.deepEqual(server.getClientCapabilities(), { roots: { listChanged: true }, sampling: {} });
    // and the session goes on as before, both paths answering
    assert.equal((await session.request('tools/call', { name: 'writer', arguments: { task: 'again' } })).result.isError, false);
    assert.deepEqual((await session.request('ping')).result, {});
    await session.close();
  });

  test('the initialize id may be used again: the replayed initialize never answers a later request', async () => {
    const s = new RawSession(aop.url);
    const first = await fetch(aop.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'same', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
    });
    s.sessionId = first.headers.get('mcp-session-id')!;
    s.protocolVersion = '2025-06-18';
    await first.arrayBuffer();
    const res = await fetch(aop.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': s.sessionId, 'MCP-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'same', method: 'tasks/list' }),
    });
    const body = JSON.parse(await res.text());
    assert.deepEqual(body.result, { tasks: [] }, JSON.stringify(body));
    await s.close();
  });

  test('the official SDK client works against a session served both ways', async () => {
    const client = new Client({ name: 'sdk', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(aop.url)));
    const r = await client.callTool({ name: 'writer', arguments: { task: 'x' } });
    assert.equal(r.isError, false);
    await client.ping();
    assert.deepEqual((await client.experimental.tasks.listTasks()).tasks, []);
    await client.close();
  });
});
