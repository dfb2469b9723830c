import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { agentOf, startFakeOpenAi, toolResults, userTask, type FakeOpenAi, type FakeReply, type RecordedRequest } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { makeCluster, startMember, type Member } from '../support/cluster';
import type { AopCluster } from '../../src/core/cluster/cluster';
import { createModelResolver } from '../../src/core/models/resolver';

function structured(r: unknown): { result: string; success: boolean; error: string | null } {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('orchestration guards', () => {
  let model: FakeOpenAi;
  let scripts: Record<string, (r: RecordedRequest) => FakeReply | Promise<FakeReply>> = {};
  const servers: TestServer[] = [];
  let member: Member;
  let cluster: AopCluster;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aop-guards-'));
    model = await startFakeOpenAi((r) => (scripts[agentOf(r)] ?? (() => ({ text: `${agentOf(r)}: ${userTask(r)}` })))(r));
    member = await startMember('remote', ['far'], {});
    cluster = makeCluster({ name: 'prod', servers: [{ url: member.url }] });
  });
  after(async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
    await cluster.close();
    await member.stop();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (agents: Parameters<typeof startServer>[0], opts: Parameters<typeof startServer>[1] = {}) => {
    const s = await startServer(agents, {
      models: createModelResolver({ env: {}, defaultBaseUrl: model.url, killGraceMs: 200 }),
      ...opts,
    });
    servers.push(s);
    return s;
  };

  /** A model that calls `tool` with `args` on its first turn and answers with the tool result after. */
  const callsOnce = (tool: string, args: object) => (r: RecordedRequest): FakeReply =>
    toolResults(r).length === 0 ? { toolCalls: [{ name: tool, arguments: args }] } : { text: `got: ${toolResults(r)[0].content}` };

  test('cycle refused: A → B → A, unless allow_recursion', async () => {
    const aop = await serve([
      makeAgent({ name: 'alpha', tools: ['beta'], maxRetries: 0 }),
      makeAgent({ name: 'beta', tools: ['alpha'], maxRetries: 0 }),
    ]);
    scripts = { alpha: callsOnce('beta', { task: 'b' }), beta: callsOnce('alpha', { task: 'a again' }) };
    const r = await (await aop.connect()).callTool({ name: 'alpha', arguments: { task: 'start' } });
    assert.equal(
      structured(r).result,
      "got: got: ERROR: cycle refused: alpha → beta → alpha (set allow_recursion: true in alpha's file to allow it)",
    );
  });

  test('depth limit across nested calls (allow_recursion on, max depth 2)', async () => {
    const aop = await serve([makeAgent({ name: 'deep', tools: ['deep'], allowRecursion: true, maxRetries: 0 })], { orchestration: { maxDepth: 2 } });
    scripts = { deep: (r) => (toolResults(r).length === 0 ? { toolCalls: [{ name: 'deep', arguments: { task: `${userTask(r)}+` } }] } : { text: `[${toolResults(r)[0].content}]` }) };
    const r = await (await aop.connect()).callTool({ name: 'deep', arguments: { task: 'go' } });
    assert.equal(structured(r).result, '[[[ERROR: depth limit refused: deep → deep → deep → deep is 3 calls deep, more than the limit of 2]]]');
  });

  test('budget exhaustion: past the per-root tool-call budget every call is an error the model reads', async () => {
    const aop = await serve([makeAgent({ name: 'spender', tools: ['worker'], maxRetries: 0 }), makeAgent({ name: 'worker', maxRetries: 0 })], {
      orchestration: { toolBudget: 3 },
    });
    let workerCalls = 0;
    scripts = {
      spender: (r) => {
        const last = toolResults(r).at(-1)?.content ?? '';
        return /budget/.test(last) ? { text: `stopped after ${toolResults(r).length} calls: ${last}` } : { toolCalls: [{ name: 'worker', arguments: { task: 'again' } }] };
      },
      worker: () => ({ text: `work ${++workerCalls}` }),
    };
    const r = await (await aop.connect()).callTool({ name: 'spender', arguments: { task: 'spend' } });
    assert.equal(structured(r).result, 'stopped after 4 calls: ERROR: the tool-call budget of this request (3) is spent; answer with what you have');
    assert.equal(workerCalls, 3);
    assert.equal(aop.server.orchestrator.roots.size, 0, 'root state released');
  });

  test('max_turns: a model that never stops calling tools fails the call with a clear error', async () => {
    const aop = await serve([makeAgent({ name: 'looper', tools: ['worker'], maxTurns: 2, maxRetries: 0 }), makeAgent({ name: 'worker', maxRetries: 0 })]);
    scripts = { looper: () => ({ toolCalls: [{ name: 'worker', arguments: { task: 'more' } }] }) };
    const r = await (await aop.connect()).callTool({ name: 'looper', arguments: { task: 'x' } });
    assert.equal(structured(r).success, false);
    assert.match(structured(r).error!, /max_turns 2 reached and the model still asked for tools \(worker\)/);
  });

  test('remote agent via a cluster: called as <cluster>__<agent>, trace stitched under the tool call', async () => {
    const aop = await serve([makeAgent({ name: 'coord', tools: ['prod/*'], maxRetries: 0 })]);
    aop.server.clusters.set('prod', cluster);
    scripts = { coord: callsOnce('prod__far', { task: 'over there' }) };
    const r = (await (await aop.connect()).callTool({ name: 'coord', arguments: { task: 'go remote' } })) as CallToolResult;
    assert.equal(structured(r).result, 'got: remote: over there');
    const traceId = (r._meta as Record<string, string>)['aop/trace_id'];
    await waitUntil(() => (aop.server.tracing.store.get(traceId)?.spans.some((s) => s.name === 'aop.invoke far') ?? false), 5000, 'stitched remote spans');
    const spans = aop.server.tracing.store.get(traceId)!.spans;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const remoteInvoke = spans.find((s) => s.name === 'aop.invoke far')!;
    const client = byId.get(remoteInvoke.parentSpanId!)!;
    assert.equal(client.name, 'aop.remote far');
    const tool = byId.get(client.parentSpanId!)!;
    assert.equal(tool.name, 'aop.tool prod__far');
    assert.equal(tool.attributes['aop.turn'], 1);
    assert.match(String(tool.attributes['aop.tool.result']), /remote: over there/);
    assert.equal(byId.get(tool.parentSpanId!)!.name, 'aop.turn 1');
  });

  test('MCP server tool via mcp_servers (server-everything echo)', async () => {
    const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
    const aop = await serve([
      makeAgent({
        name: 'echoer',
        tools: ['everything/echo'],
        mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } },
        maxRetries: 0,
      }),
    ]);
    scripts = { echoer: callsOnce('everything__echo', { message: 'hello there' }) };
    const before = model.chatRequests.length;
    const r = await (await aop.connect()).callTool({ name: 'echoer', arguments: { task: 'echo it' } });
    assert.equal(structured(r).result, 'got: Echo: hello there', JSON.stringify(structured(r)));
    const echo = model.chatRequests[before].body.tools.find((t: { function: { name: string } }) => t.function.name === 'everything__echo');
    assert.ok(echo.function.parameters.properties.message, "the tool's own input schema");
  });

  test('cancel mid-tree: the root cancel reaches a command child (killed) and a remote call (cancelled)', async () => {
    const slow = await startMember('slowpoke', ['wait'], { delayMs: 120_000 });
    const slowCluster = makeCluster({ name: 'slow', servers: [{ url: slow.url }], call_timeout_ms: 300_000 });
    try {
      const pidFile = join(dir, 'pid');
      const script = join(dir, 'sleeper.js');
      writeFileSync(script, `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 120000);`);
      const aop = await serve([
        makeAgent({ name: 'boss', tools: ['sleeper', 'slow/wait'], maxRetries: 0, timeout: 300 }),
        makeAgent({ name: 'sleeper', provider: 'command', command: [process.execPath, script], maxRetries: 0, timeout: 300, source: { file: join(dir, 'sleeper.agent.md'), kind: 'aop' } }),
      ]);
      aop.server.clusters.set('slow', slowCluster);
      scripts = {
        boss: () => ({ toolCalls: [{ name: 'sleeper', arguments: { task: 's' } }, { name: 'slow__wait', arguments: { task: 'w' } }] }),
      };
      const client = await aop.connect();
      const ctrl = new AbortController();
      const call = client.callTool({ name: 'boss', arguments: { task: 'do both' } }, undefined, { signal: ctrl.signal }).catch((e: Error) => e);
      await waitUntil(() => {
        try {
          return readFileSync(pidFile, 'utf8').length > 0 && slow.server.executor.runtime('wait').inFlight === 1;
        } catch {
          return false;
        }
      }, 15_000, 'both children running').catch(async (e) => { ctrl.abort(); throw new Error(e.message + ' ' + JSON.stringify(await call)); });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(alive(pid));
      ctrl.abort();
      assert.ok((await call) instanceof Error);
      await waitUntil(() => !alive(pid), 10_000, 'command child killed');
      await waitUntil(() => slow.server.executor.runtime('wait').inFlight === 0, 10_000, 'remote call cancelled');
      await waitUntil(() => aop.server.executor.runtime('boss').inFlight === 0 && aop.server.orchestrator.roots.size === 0, 10_000, 'root finished');
    } finally {
      await slowCluster.close();
      await slow.stop();
    }
  });
});
