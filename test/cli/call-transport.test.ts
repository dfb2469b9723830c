/**
 * `aop call` speaks through the shared MCP client (src/core/mcp-client), the same transport as
 * the cluster: a recording proxy in front of a real AOP server sees our User-Agent on every
 * request and the DELETE that ends the session (the SDK's fetch transport sends neither).
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CLIENT_USER_AGENT } from '../../src/core/mcp-client';
import { makeAgent } from '../support/agents';
import { startServer, type TestServer } from '../support/aop';
import { runCli } from '../support/cli';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';

let model: FakeOpenAi;
let aop: TestServer;
let proxy: Server;
let proxyUrl: string;
const seen: Array<{ method: string; headers: IncomingHttpHeaders }> = [];

before(async () => {
  model = await startFakeOpenAi({ chunks: ['shared ', 'transport'] });
  aop = await startServer([makeAgent({ name: 'echo', maxRetries: 0 })], { openAiUrl: model.url });
  const target = new URL(aop.url);
  proxy = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
});

after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((r) => proxy.close(() => r()));
  await aop.close();
  await model.close();
});

test('aop call goes through the shared MCP client transport (User-Agent, session ended with DELETE)', { timeout: 60_000 }, async () => {
  const r = await runCli(['call', proxyUrl, 'echo', '--task', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /shared transport/);
  const posts = seen.filter((s) => s.method === 'POST');
  assert.ok(posts.length >= 3, `initialize, initialized, tools/call: saw ${seen.map((s) => s.method).join(' ')}`);
  for (const s of seen) assert.equal(s.headers['user-agent'], CLIENT_USER_AGENT, `${s.method} carried User-Agent ${s.headers['user-agent']}`);
  const del = seen.find((s) => s.method === 'DELETE');
  assert.ok(del, `the session is ended with DELETE: saw ${seen.map((s) => s.method).join(' ')}`);
  assert.equal(del.headers['mcp-session-id'], posts.at(-1)!.headers['mcp-session-id']);
});
