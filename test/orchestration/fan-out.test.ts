import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parseAgentFile } from '../../src/core/agents/parse';
import type { AgentDefinition } from '../../src/core/agents/definition';
import { createModelResolver } from '../../src/core/models/resolver';
import { startServer, waitUntil, type TestServer } from '../support/aop';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/agents');

function load(file: string): AgentDefinition {
  const { agent, diagnostics } = parseAgentFile(readFileSync(file, 'utf8'), file, { root: EXAMPLES });
  assert.ok(agent, JSON.stringify(diagnostics));
  return agent;
}
function structured(r: unknown): { result: string; success: boolean; error: string | null } {
  return (r as CallToolResult).structuredContent as { result: string; success: boolean; error: string | null };
}

describe('provider command orchestrates: AOP_URL and a scoped token', () => {
  let aop: TestServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aop-fanout-'));
    mkdirSync(join(dir, 'scripts'));
    // A command agent that tries a tool its file does not list, and reports what it saw.
    writeFileSync(
      join(dir, 'scripts', 'probe.js'),
      `const out = { url: process.env.AOP_URL, depth: process.env.AOP_DEPTH, token: (process.env.AOP_TOKEN || '').slice(0, 11) };
       const call = async (id, method, params, sid) => {
         const r = await fetch(process.env.AOP_URL, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + process.env.AOP_TOKEN, ...(sid ? { 'mcp-session-id': sid } : {}) }, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
         const text = await r.text();
         const data = text.split('\\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)));
         return { sid: r.headers.get('mcp-session-id'), msg: data.find((d) => d.id === id) || JSON.parse(text || '{}') };
       };
       (async () => {
         const init = await call(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'p', version: '1' } });
         const denied = await call(2, 'tools/call', { name: 'secret', arguments: { task: 'x' } }, init.sid);
         out.denied = denied.msg.result.structuredContent.error;
         require('fs').writeFileSync(process.env.TOKEN_FILE, process.env.AOP_TOKEN);
         process.stdout.write(JSON.stringify(out));
       })();`,
    );
    writeFileSync(join(dir, 'probe.agent.md'), '---\nname: probe\ndescription: p\nprovider: command\ncommand: [node, scripts/probe.js]\ntools: [text-stats]\nmax_retries: 0\n---\np\n');
    writeFileSync(join(dir, 'secret.agent.md'), '---\nname: secret\ndescription: s\nprovider: command\ncommand: [node, -e, "process.stdout.write(\'secret\')"]\nmax_retries: 0\n---\ns\n');
    aop = await startServer(
      [load(join(EXAMPLES, 'fan-out.agent.md')), load(join(EXAMPLES, 'text-stats.agent.md')), load(join(dir, 'probe.agent.md')), load(join(dir, 'secret.agent.md'))],
      { models: createModelResolver({ env: { PATH: process.env.PATH, TOKEN_FILE: join(dir, 'token') } }), token: 'server-secret' },
    );
  });
  after(async () => {
    await aop?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('examples/agents/fan-out: paragraphs → call_agents → text-stats, merged in order; the trace nests', async () => {
    const client = await aop.connect();
    const text = 'Agents are tools. Tools are agents.\n\nOrchestration means agents call agents.\n\nThe end.';
    const r = (await client.callTool({ name: 'fan-out', arguments: { task: text } })) as CallToolResult;
    const s = structured(r);
    assert.equal(s.success, true, s.error ?? '');
    assert.match(s.result, /^3 paragraphs, analysed in parallel by text-stats:/);
    const order = [...s.result.matchAll(/## Paragraph (\d)\nWords: (\d+)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(order, [['1', '6'], ['2', '5'], ['3', '2']]);
    assert.match(s.result, /Total words: 13\./);
    const traceId = (r._meta as Record<string, string>)['aop/trace_id'];
    await waitUntil(() => (aop.server.tracing.store.get(traceId)?.spans.filter((x) => x.name === 'aop.invoke text-stats').length ?? 0) === 3, 5000, 'children in the trace');
    const spans = aop.server.tracing.store.get(traceId)!.spans;
    const byId = new Map(spans.map((x) => [x.spanId, x]));
    for (const child of spans.filter((x) => x.name === 'aop.invoke text-stats')) {
      const fan = byId.get(child.parentSpanId!)!;
      assert.equal(fan.name, 'aop.invoke call_agents');
      assert.equal(byId.get(fan.parentSpanId!)?.name, 'aop.invoke fan-out');
    }
    assert.equal(aop.server.orchestrator.tokens.size, 0, 'token revoked when the invocation ended');
  });

  test('the token allows only the tools the file lists, and dies with the invocation', async () => {
    const client = await aop.connect();
    const r = await client.callTool({ name: 'probe', arguments: { task: 'go' } });
    const seen = JSON.parse(structured(r).result);
    assert.equal(seen.url, aop.url);
    assert.equal(seen.depth, '0');
    assert.equal(seen.token, 'aop-scoped-');
    assert.match(seen.denied, /the token of agent probe allows only the tools its file lists \(text-stats\), not secret/);
    // After the invocation the token opens nothing (the server has a token of its own).
    const token = readFileSync(join(dir, 'token'), 'utf8');
    const res = await fetch(aop.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(res.status, 401);
  });
});
