import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { AgentCard, SendMessageRequest, TaskState, type StreamResponse } from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { makeAgent } from '../support/agents';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { createModelResolver } from '../../src/core/models/resolver';
import type { ChatModel } from '../../src/core/models/types';

/** A stand-in model that writes one chunk, then waits for the test to let the next one out. */
const gate: Array<() => void> = [];
const gatedModel: ChatModel = {
  id: 'gated',
  async complete(req) {
    const chunks = ['one ', 'two ', 'three'];
    for (let i = 0; i < chunks.length; i++) {
      // (a 10 s way out, so broken streaming fails the assertions instead of hanging the test)
      if (i) await new Promise<void>((resolve) => gate.push(resolve) && setTimeout(resolve, 10_000).unref());
      req.onText?.(chunks[i]);
    }
    return { text: chunks.join(''), model: 'gated' };
  },
};

const TOKEN = 'a2a-test-token';
const auth = { serviceParameters: { Authorization: `Bearer ${TOKEN}` } };

function send(text: string, metadata?: Record<string, unknown>): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: `m-${Math.random().toString(36).slice(2)}`, role: 'ROLE_USER', parts: [{ text }], ...(metadata ? { metadata } : {}) },
  });
}

/** Status of a request with headers fetch() will not send (Host). */
function rawStatus(port: number, path: string, headers: Record<string, string>, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

function artifactText(task: { artifacts: Array<{ parts: Array<{ content?: { $case: string; value: unknown } }> }> }): string {
  return task.artifacts.flatMap((a) => a.parts.map((p) => (p.content?.$case === 'text' ? String(p.content.value) : ''))).join('');
}

describe('A2A out: the official SDK client calls AOP agents', () => {
  let model: FakeOpenAi;
  let srv: TestServer;
  let base: string;
  let client: Client;

  before(async () => {
    const openai = createModelResolver({ env: {} });
    model = await startFakeOpenAi((req) => {
      const task = String(req.body?.messages?.at(-1)?.content ?? '');
      if (task.includes('hang')) return { chunks: ['thinking'], hang: true };
      if (task.includes('stream')) return { chunks: ['one ', 'two ', 'three'], chunkDelayMs: 80 };
      return { text: `answer to ${task}` };
    });
    srv = await startServer(
      [
        makeAgent({ name: 'writer', description: 'Writes things', tags: ['prose'], capabilities: ['summarize'], baseUrl: model.url, maxRetries: 0 }),
        makeAgent({ name: 'checker', description: 'Checks things', baseUrl: model.url, maxRetries: 0 }),
        makeAgent({ name: 'streamer', description: 'Streams', maxRetries: 0 }),
      ],
      { token: TOKEN, models: (a) => (a.name === 'streamer' ? gatedModel : openai(a)) },
    );
    base = `http://127.0.0.1:${srv.port}`;
    // The trailing slash matters: the SDK resolves the card path relative to the URL.
    client = await new ClientFactory().createFromUrl(`${base}/a2a/writer/`);
  });

  after(async () => {
    await srv.close();
    await model.close();
  });

  it('serves a card per agent and a server card, without the token, naming the bearer scheme', async () => {
    const card = await client.getAgentCard();
    assert.equal(card.name, 'writer');
    assert.equal(card.supportedInterfaces[0].url, `${base}/a2a/writer`);
    assert.equal(card.supportedInterfaces[0].protocolBinding, 'JSONRPC');
    assert.equal(card.supportedInterfaces[0].protocolVersion, '1.0');
    assert.equal(card.capabilities?.streaming, true);
    assert.equal(card.securitySchemes.bearer?.scheme?.$case, 'httpAuthSecurityScheme');
    assert.deepEqual(card.skills.map((s) => s.id), ['writer', 'writer.summarize']);
    assert.ok(card.skills[0].tags.includes('prose'));

    const res = await fetch(`${base}/.well-known/agent-card.json`);
    assert.equal(res.status, 200);
    const server = AgentCard.fromJSON(await res.json());
    assert.deepEqual(server.skills.map((s) => s.id).sort(), ['checker', 'streamer', 'writer']);
    assert.equal(server.supportedInterfaces[0].url, `${base}/a2a`);
    assert.doesNotMatch(JSON.stringify(server), new RegExp(TOKEN));
  });

  it('sendMessage runs the agent and getTask finds the task; the trace is the same as for MCP calls', async () => {
    const result = await client.sendMessage(send('hello'), auth);
    assert.ok('id' in result && 'status' in result, 'a task');
    const task = result as Extract<typeof result, { status: unknown }>;
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(artifactText(task), 'answer to hello');
    const again = await client.getTask({ tenant: '', id: task.id, historyLength: undefined }, auth);
    assert.equal(again.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(artifactText(again), 'answer to hello');
    const trackerId = again.metadata?.['aop/task_id'];
    assert.equal(srv.server.tasks.get(String(trackerId))?.status, 'completed');
    const traceId = String(again.metadata?.['aop/trace_id']);
    const spans = srv.server.tracing.store.get(traceId)?.spans ?? [];
    const root = spans.find((s) => s.name === 'aop.invoke writer');
    assert.ok(root, 'an aop.invoke span');
    assert.equal(root.attributes['aop.protocol'], 'a2a');
    assert.equal(root.attributes['a2a.task_id'], task.id);
    assert.ok(spans.some((s) => s.name === 'aop.model'));
  });

  it('without the token (or a wrong one) every call is refused with 401', async () => {
    await assert.rejects(client.sendMessage(send('no token')), /401|Unauthorized/);
    await assert.rejects(
      client.sendMessage(send('bad token'), { serviceParameters: { Authorization: 'Bearer nope' } }),
      /401|wrong token/,
    );
    await assert.rejects(client.getTask({ tenant: '', id: 'x', historyLength: undefined }), /401|Unauthorized/);
    assert.equal(model.chatRequests.filter((r) => JSON.stringify(r.body).includes('token')).length, 0, 'no model call');
  });

  it('sendMessageStream sends status and artifact chunks from the streamed text, then the full artifact', async () => {
    const events: StreamResponse[] = [];
    const streamer = await new ClientFactory().createFromUrl(`${base}/a2a/streamer/`);
    for await (const e of streamer.sendMessageStream(send('stream please'), auth)) {
      events.push(e);
      // Each chunk seen lets the model write the next: the chunks really arrive while it writes.
      if (e.payload?.$case === 'artifactUpdate' && !e.payload.value.lastChunk) gate.shift()?.();
    }
    const kinds = events.map((e) => e.payload?.$case);
    assert.equal(kinds[0], 'task');
    const states = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : []));
    assert.deepEqual(states, [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]);
    const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value] : []));
    assert.equal(chunks.length, 4, 'three streamed chunks and the final artifact');
    const streamed = chunks
      .slice(0, -1)
      .map((c) => (c.artifact?.parts[0].content?.$case === 'text' ? c.artifact.parts[0].content.value : ''))
      .join('');
    const final = chunks.at(-1)!;
    assert.equal(final.lastChunk, true);
    assert.equal(final.append, false);
    assert.equal(final.artifact?.parts[0].content?.value, 'one two three');
    assert.equal(streamed, 'one two three');
    assert.ok(chunks.slice(1, -1).every((c) => c.append), 'later chunks append');
  });

  it('cancelTask stops a running agent: the model call is aborted and the task is canceled', async () => {
    const stream = client.sendMessageStream(send('hang here'), auth);
    let taskId = '';
    for await (const e of stream) {
      if (e.payload?.$case === 'task') taskId = e.payload.value.id;
      if (e.payload?.$case === 'statusUpdate' && e.payload.value.status?.state === TaskState.TASK_STATE_WORKING) break;
    }
    assert.ok(taskId);
    const isHung = (r: { body?: unknown }) => JSON.stringify(r.body ?? '').includes('hang here');
    await model.waitFor(() => model.chatRequests.some(isHung));
    const hung = model.chatRequests.find(isHung)!;
    await model.waitFor(() => hung.chunksSent > 0);
    const cancelled = await client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, auth);
    assert.equal(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
    await model.waitFor(() => hung.aborted);
    const tracker = srv.server.tasks.all().find((t) => t.agentName === 'writer' && t.status === 'cancelled');
    assert.ok(tracker, 'the tracker shows the call cancelled');
    const later = await client.getTask({ tenant: '', id: taskId, historyLength: undefined }, auth);
    assert.equal(later.status?.state, TaskState.TASK_STATE_CANCELED);
    const listed = await client.listTasks(
      { tenant: '', contextId: '', status: TaskState.TASK_STATE_CANCELED, pageSize: 10, pageToken: '', historyLength: 0, statusTimestampAfter: undefined, includeArtifacts: false },
      auth,
    );
    assert.deepEqual(listed.tasks.map((t) => t.id), [taskId]);
    await assert.rejects(client.cancelTask({ tenant: '', id: taskId.replace(/.$/, 'x'), metadata: undefined }, auth), /not found/i);
  });

  it('MCP cancel_task reaches an A2A-started task (one task tracker for both protocols)', async () => {
    const mcp = await srv.connect();
    const stream = client.sendMessageStream(send('hang for mcp'), auth);
    const states: TaskState[] = [];
    let cancelled = false;
    for await (const e of stream) {
      if (e.payload?.$case !== 'statusUpdate') continue;
      states.push(e.payload.value.status!.state);
      if (e.payload.value.status?.state === TaskState.TASK_STATE_WORKING && !cancelled) {
        const rec = srv.server.tasks.all().find((t) => t.agentName === 'writer' && t.status === 'processing');
        assert.ok(rec, 'the A2A call is in the tracker');
        const r = await mcp.callTool({ name: 'cancel_task', arguments: { task_id: rec.taskId } });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        cancelled = true;
      }
    }
    assert.deepEqual(states, [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_CANCELED]);
  });

  it('the server card endpoint picks the agent by tenant', async () => {
    const c = await new ClientFactory().createFromUrl(`${base}/`);
    const r = await c.sendMessage(SendMessageRequest.fromJSON({ tenant: 'checker', message: { messageId: 'm-t', role: 'ROLE_USER', parts: [{ text: 'via tenant' }] } }), auth);
    assert.equal(artifactText(r as never), 'answer to via tenant');
  });

  it('bad requests get clear JSON-RPC errors and lose nothing', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'A2A-Version': '1.0', Authorization: `Bearer ${TOKEN}`, ...headers },
        body,
      });
    let res = await post('/a2a/writer', '{not json');
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, -32700);
    res = await post('/a2a/writer', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'x', role: 'ROLE_USER', parts: [{ text: 'a'.repeat(5 * 1024 * 1024) }] } } }));
    assert.equal(res.status, 413);
    res = await post('/a2a/nobody', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: 'x' } }));
    assert.equal(res.status, 404);
    assert.match((await res.json()).error.message, /no agent named "nobody"/);
    res = await post('/a2a/writer', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'SendMessage', params: { message: { messageId: 'y', taskId: 'abc', role: 'ROLE_USER', parts: [{ text: 'follow-up' }] } } }));
    assert.match((await res.json()).error.message, /one message per task/);
    res = await post('/a2a/writer', JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'SendMessage', params: { message: { messageId: 'z', role: 'ROLE_USER', parts: [] } } }));
    const body = await res.json();
    assert.ok(body.error || body.result?.task?.status?.state === 'TASK_STATE_REJECTED', JSON.stringify(body));
    assert.equal(await rawStatus(srv.port, '/a2a/writer', { Host: 'evil.example', Authorization: `Bearer ${TOKEN}` }), 403);
    assert.equal(await rawStatus(srv.port, '/a2a/writer/.well-known/agent-card.json', { Host: 'evil.example' }, 'GET'), 403);
    res = await post('/a2a/writer', JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'GetTask', params: { id: 'x' } }), { Origin: 'http://evil.example' });
    assert.equal(res.status, 403);
    res = await post('/a2a/writer', JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: 'x' } }), { 'A2A-Version': '9.9' });
    assert.match(JSON.stringify(await res.json()), /version/i);
    // Random JSON-RPC-ish bodies: always a JSON answer, never a crash or a hang.
    const methods = ['SendMessage', 'SendStreamingMessage', 'GetTask', 'CancelTask', 'ListTasks', 'SubscribeToTask', 'GetExtendedAgentCard', 'Nope'];
    await fc.assert(
      fc.asyncProperty(
        fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0', 2), id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object()), method: fc.oneof(fc.constantFrom(...methods), fc.string()), params: fc.oneof(fc.jsonValue(), fc.record({ id: fc.string(), message: fc.jsonValue(), tenant: fc.string() })) }, { requiredKeys: [] }),
        async (body) => {
          const r = await post('/a2a/checker', JSON.stringify(body), { Accept: 'application/json' });
          const text = await r.text();
          assert.ok([200, 400, 404].includes(r.status), `HTTP ${r.status}: ${text.slice(0, 200)}`);
          if (!(r.headers.get('content-type') ?? '').startsWith('text/event-stream')) JSON.parse(text);
        },
      ),
      { numRuns: 60 },
    );
    const ok = await client.sendMessage(send('still fine'), auth);
    assert.equal(artifactText(ok as never), 'answer to still fine');
    await waitUntil(() => srv.server.tasks.all().every((t) => t.status !== 'processing'), 5000, 'no running task');
  });
});
