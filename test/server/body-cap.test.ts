/**
 * The default request body cap (4 MiB, `maxBodyBytes`): one byte over is refused with 413 and a
 * JSON-RPC error that names the limit; a body just under it is read; the server keeps serving.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { AopServer } from '../../src/core/server/aop-server';
import { InstantChatModel } from '../../src/core/models/instant';
import { makeAgent } from '../support/agents';

const LIMIT = 4 * 1024 * 1024;
let server: AopServer;
let port = 0;

function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // the server may answer 413 and close before the whole body is sent
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

/** A JSON-RPC initialize padded with spaces to exactly `size` bytes. */
function initializeOfSize(size: number): string {
  const msg = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cap', version: '0' } } });
  return msg + ' '.repeat(size - Buffer.byteLength(msg));
}

before(async () => {
  server = new AopServer({ port: 0, models: () => new InstantChatModel((t) => `ok ${t.length}`) }); // no maxBodyBytes: the default
  server.setAgents([makeAgent({ name: 'echo' })]);
  ({ port } = await server.listen());
});
after(() => server.close());

test('one byte over 4 MiB: 413 with the limit in a JSON-RPC error', async () => {
  const r = await post(initializeOfSize(LIMIT + 1));
  assert.equal(r.status, 413);
  const err = JSON.parse(r.body).error;
  assert.equal(err.code, -32600);
  assert.equal(err.message, `Request body too large: limit is ${LIMIT} bytes`);
});

test('exactly 4 MiB is read and answered; the server keeps serving', async () => {
  const r = await post(initializeOfSize(LIMIT));
  assert.equal(r.status, 200, r.body.slice(0, 200));
  assert.equal(JSON.parse(r.body).result.serverInfo.name.length > 0, true);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
});
