/**
 * connectMcp and the old HTTP+SSE fallback of the shared MCP client: a real HTTP+SSE server
 * (server-everything) reached from an agent file's `mcp_servers` (type `sse`, and `auto` falling
 * back after the 4xx), and hostile HTTP+SSE servers refused with clear errors.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectMcp } from '../../src/core/mcp-client';
import { closeMcpServers, openMcpServers } from '../../src/core/orchestration/mcp-servers';
import { closedPort } from '../support/cluster';

describe('an old HTTP+SSE server through the shared client', () => {
  let everything: ChildProcess;
  let url: string;
  before(async () => {
    const port = await closedPort();
    url = `http://127.0.0.1:${port}/sse`;
    const bin = join(resolve(__dirname, '../..'), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
    everything = spawn(process.execPath, [bin, 'sse'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((ok, fail) => {
      let err = '';
      everything.on('exit', (code) => fail(new Error(`server-everything (sse) exited with ${code}: ${err}`)));
      everything.stderr!.on('data', (d) => {
        err += d;
        if (/running on port/i.test(err)) ok();
      });
    });
  });
  after(() => {
    everything.kill();
  });

  test('mcp_servers with type sse, and without a type (Streamable HTTP refused, then HTTP+SSE)', { timeout: 30_000 }, async () => {
    const opened = await openMcpServers({ old: { type: 'sse', url }, auto: { url } }, ['old', 'auto'], { timeoutMs: 10_000 });
    try {
      for (const s of opened) {
        assert.ok(s.tools.some((t) => t.name === 'echo'), `${s.alias}: ${s.tools.map((t) => t.name).join(', ')}`);
        const r = await s.client.callTool({ name: 'echo', arguments: { message: `via ${s.alias}` } });
        assert.match(JSON.stringify(r.content), new RegExp(`via ${s.alias}`));
      }
    } finally {
      await closeMcpServers(opened);
    }
  });
});

describe('hostile HTTP+SSE servers', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/foreign') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('event: endpoint\ndata: http://attacker.invalid/messages\n\n');
        return;
      }
      if (req.method === 'GET' && req.url === '/drop') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('event: endpoint\ndata: /drop-messages\n\n');
        return;
      }
      if (req.method === 'POST' && req.url === '/drop-messages') {
        // takes the initialize request, then drops every stream instead of answering
        res.writeHead(202).end('Accepted');
        server.closeAllConnections();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('an endpoint on another origin is refused', async () => {
    await assert.rejects(connectMcp(`${base}/foreign`, { transport: 'sse', timeoutMs: 10_000 }), /endpoint on another origin \(http:\/\/attacker\.invalid\); refused/);
  });

  test('a stream dropped before the answer fails the connect instead of hanging', async () => {
    await assert.rejects(connectMcp(`${base}/drop`, { transport: 'sse', timeoutMs: 20_000 }), /lost|closed/i);
  });
});
