import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { agentOf, startFakeOpenAi, toolResults, userTask, type FakeOpenAi, type FakeReply, type RecordedRequest } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, type TestServer } from '../support/aop';
import { closedPort } from '../support/cluster';

function structured(r: unknown): { result: string; success: boolean; error: string | null } {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}



describe('agents calling agents over provider openai', () => {
  let model: FakeOpenAi;
  let aop: TestServer;
  /** Per agent: what it answers on a request (the script of this test). */
  let scripts: Record<string, (r: RecordedRequest) => FakeReply>;

  before(async () => {
    const dead = await closedPort();
    model = await startFakeOpenAi((r) => (scripts[agentOf(r)] ?? (() => ({ text: `${agentOf(r)}: ${userTask(r)}` })))(r));
    aop = await startServer(
      [
        makeAgent({ name: 'coord', tools: ['worker', 'helper', 'call_agents', 'search_agents'], maxRetries: 0 }),
        makeAgent({ name: 'worker', maxRetries: 0, description: 'Does the work' }),
        makeAgent({ name: 'helper', maxRetries: 0, description: 'Helps' }),
        makeAgent({ name: 'broken', maxRetries: 0, provider: 'openai', baseUrl: `http://127.0.0.1:${dead}/v1` }),
        makeAgent({ name: 'coord-broken', tools: ['broken'], maxRetries: 0 }),
        makeAgent({ name: 'coord-typo', tools: ['wroker', 'nocluster/x'], maxRetries: 2 }),
      ],
      { openAiUrl: model.url },
    );
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  test('one delegation: the model calls a local agent, gets its answer as a tool result, answers', async () => {
    scripts = {
      coord: (r) => (toolResults(r).length === 0 ? { toolCalls: [{ name: 'worker', arguments: { task: 'count to 3' } }] } : { text: `final: ${toolResults(r)[0].content}` }),
    };
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const r = await client.callTool({ name: 'coord', arguments: { task: 'delegate this' } });
    assert.deepEqual(structured(r), { result: 'final: worker: count to 3', success: true, error: null });
    const sent = model.chatRequests.slice(before);
    assert.deepEqual(sent.map(agentOf), ['coord', 'worker', 'coord']);
    const first = sent[0].body;
    assert.deepEqual(
      first.tools.map((t: { function: { name: string } }) => t.function.name).sort(),
      ['call_agents', 'helper', 'search_agents', 'worker'],
    );
    assert.equal(first.tools.find((t: { function: { name: string } }) => t.function.name === 'worker').function.description, 'Does the work');
    // The second turn carries the assistant's tool call and the `role: tool` result.
    const history = sent[2].body.messages.slice(2);
    assert.equal(history[0].role, 'assistant');
    assert.equal(history[0].tool_calls[0].function.name, 'worker');
    assert.deepEqual(JSON.parse(history[0].tool_calls[0].function.arguments), { task: 'count to 3' });
    assert.equal(history[1].role, 'tool');
    assert.equal(history[1].tool_call_id, history[0].tool_calls[0].id);
  });

  test('parallel calls in one turn run concurrently and come back in the order asked', async () => {
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    scripts = {
      coord: (r) =>
        toolResults(r).length === 0
          ? { toolCalls: [{ name: 'worker', arguments: { task: 'A' } }, { name: 'helper', arguments: { task: 'B' } }] }
          : { text: toolResults(r).map((t) => t.content).join(' | ') },
    };
    // Both children hold their answer until both are running: passes only when they overlap.
    const child = (name: string) => async (r: RecordedRequest): Promise<FakeReply> => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (inFlight === 2) release();
      await bothIn;
      inFlight--;
      return { text: `${name}: ${userTask(r)}` };
    };
    model.setScript(async (r) => (agentOf(r) === 'coord' ? scripts.coord(r) : child(agentOf(r))(r)));
    try {
      const client = await aop.connect();
      const r = await client.callTool({ name: 'coord', arguments: { task: 'fan' } });
      assert.equal(structured(r).result, 'worker: A | helper: B');
      assert.equal(most, 2);
    } finally {
      model.setScript((r) => (scripts[agentOf(r)] ?? (() => ({ text: `${agentOf(r)}: ${userTask(r)}` })))(r));
    }
  });

  test('a failing tool goes back to the model as an error result, not a crash', async () => {
    scripts = {
      'coord-broken': (r) =>
        toolResults(r).length === 0 ? { toolCalls: [{ name: 'broken', arguments: { task: 'x' } }] } : { text: `saw: ${toolResults(r)[0].content}` },
    };
    const client = await aop.connect();
    const r = await client.callTool({ name: 'coord-broken', arguments: { task: 'try' } });
    const s = structured(r);
    assert.equal(s.success, true);
    assert.match(s.result, /^saw: ERROR: cannot reach model server at http:\/\/127\.0\.0\.1:\d+\/v1 — is it running\?/);
  });

  test('invalid tool arguments and unknown tools are errors the model reads', async () => {
    scripts = {
      coord: (r) =>
        toolResults(r).length === 0
          ? { toolCalls: [{ name: 'worker', arguments: '{not json' }, { name: 'nope', arguments: {} }, { name: 'call_agents', arguments: { calls: [] } }] }
          : { text: toolResults(r).map((t) => t.content).join('\n') },
    };
    const client = await aop.connect();
    const r = await client.callTool({ name: 'coord', arguments: { task: 'x' } });
    const lines = structured(r).result.split('\n');
    assert.match(lines[0], /^ERROR: the arguments of worker are not a JSON object/);
    assert.match(lines[1], /^ERROR: unknown tool `nope`; the tools are /);
    assert.match(lines[2], /^ERROR: invalid arguments for call_agents: calls/);
  });

  test('a tools: entry that resolves to nothing fails the call at once with a clear error', async () => {
    const client = await aop.connect();
    const before = model.chatRequests.length;
    const r = await client.callTool({ name: 'coord-typo', arguments: { task: 'x' } });
    assert.deepEqual(structured(r), {
      result: '',
      success: false,
      error: 'tools: `wroker` is not an agent here; `nocluster/x`: no cluster or mcp_servers entry named `nocluster` (clusters: none)',
    });
    assert.equal(model.chatRequests.length, before, 'no model call, no retries');
  });

  test('call_agents from the model: per-item {result, success, error}, order kept', async () => {
    scripts = {
      coord: (r) =>
        toolResults(r).length === 0
          ? { toolCalls: [{ name: 'call_agents', arguments: { calls: [{ agent: 'helper', task: '1' }, { agent: 'ghost', task: '2' }, { agent: 'worker', task: '3' }] } }] }
          : { text: toolResults(r)[0].content },
    };
    const client = await aop.connect();
    const r = await client.callTool({ name: 'coord', arguments: { task: 'x' } });
    const items = JSON.parse(structured(r).result) as { agent: string; result: string; success: boolean; error: string | null }[];
    assert.deepEqual(items.map((i) => [i.agent, i.success]), [['helper', true], ['ghost', false], ['worker', true]]);
    assert.equal(items[0].result, 'helper: 1');
    assert.match(items[1].error!, /no agent named "ghost"/);
  });

  test('call_agents as an MCP tool of the server: fan-out in one call', async () => {
    const client = await aop.connect();
    const calls = Array.from({ length: 12 }, (_, i) => ({ agent: i % 2 ? 'worker' : 'helper', task: `t${i}` }));
    const r = (await client.callTool({ name: 'call_agents', arguments: { calls, concurrency: 4 } })) as CallToolResult;
    const results = (r.structuredContent as { results: { agent: string; result: string; success: boolean }[] }).results;
    assert.equal(results.length, 12);
    results.forEach((x, i) => assert.equal(x.result, `${calls[i].agent}: t${i}`));
    const bad = (await client.callTool({ name: 'call_agents', arguments: { calls: 'no' } })) as CallToolResult;
    assert.equal(bad.isError, true);
    assert.match((bad.content[0] as { text: string }).text, /invalid arguments for call_agents/);
  });
});
