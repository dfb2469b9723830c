/**
 * No way in without the token: `aop serve --token` (a real CLI process) accepts 0 calls without
 * the token, with a wrong one, from a foreign Origin or Host; refuses to bind a non-loopback
 * address without a token; and the token never shows in its logs, trace files, results,
 * get_server_info, /healthz or /metrics. Cluster secrets come from ${env:…} and never show in
 * health / lastError.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startMember, makeCluster } from '../support/cluster';

const root = join(__dirname, '..', '..');
const CLI = join(root, 'dist', 'cli.js');
const TOKEN = `tok-${randomBytes(18).toString('hex')}`;

function figure(name: string, value: unknown): void {
  if (process.env.AOP_RELIABILITY_FIGURES) appendFileSync(process.env.AOP_RELIABILITY_FIGURES, JSON.stringify({ name, value }) + '\n');
}

function request(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if ((res.headers['content-type'] ?? '').startsWith('text/event-stream') && method === 'GET') req.destroy();
        });
        const end = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        res.on('end', end);
        res.on('close', end);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('security: no way in without the token', { timeout: 120_000 }, () => {
  let child: ChildProcess;
  let port = 0;
  let stderr = '';
  const traces = mkdtempSync(join(tmpdir(), 'aop-sec-traces-'));
  const counts = { attempts: 0, accepted: 0 };

  before(async () => {
    child = spawn(process.execPath, [CLI, 'serve', join(root, 'test/reliability/fixtures/conformance-agents'), '--port', '0', '--no-watch', '--token', TOKEN, '--traces-dir', traces], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AOP_TOKEN: '' },
    });
    child.stdout!.on('data', (c) => (stderr += c));
    child.stderr!.setEncoding('utf8');
    port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`aop serve did not start: ${stderr}`)), 20_000);
      child.stderr!.on('data', (c: string) => {
        stderr += c;
        const m = /serving \d+ agents at http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
    });
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(traces, { recursive: true, force: true });
  });

  const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sec', version: '0' } } };
  const ACCEPT = { accept: 'application/json, text/event-stream' };
  const good = () => ({ ...ACCEPT, authorization: `Bearer ${TOKEN}`, host: `127.0.0.1:${port}` });

  async function session(): Promise<string> {
    const r = await request(port, 'POST', '/mcp', good(), INIT);
    assert.equal(r.status, 200, r.text);
    const sid = String(r.headers['mcp-session-id']);
    await request(port, 'POST', '/mcp', { ...good(), 'mcp-session-id': sid }, { jsonrpc: '2.0', method: 'notifications/initialized' });
    return sid;
  }

  it('refuses every request without the right token, Host or Origin', async () => {
    const sid = await session();
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_simple_text', arguments: { task: 'let me in' } } };
    const badAuth: Array<[string, Record<string, string>, number]> = [
      ['no token', {}, 401],
      ['empty bearer', { authorization: 'Bearer ' }, 401],
      ['wrong token', { authorization: 'Bearer nope' }, 401],
      ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 401],
      ['token + suffix', { authorization: `Bearer ${TOKEN}x` }, 401],
      ['basic auth', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, 401],
      ['token in query', {}, 401],
      ['foreign Host', { authorization: `Bearer ${TOKEN}`, host: 'evil.example.com' }, 403],
      ['foreign Host with port', { authorization: `Bearer ${TOKEN}`, host: `evil.example.com:${port}` }, 403],
      ['foreign Origin', { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example.com' }, 403],
      ['null Origin', { authorization: `Bearer ${TOKEN}`, origin: 'null' }, 403],
      ['loopback Origin, other port', { authorization: `Bearer ${TOKEN}`, origin: `http://127.0.0.1:${port + 1}` }, 403],
    ];
    const shapes: Array<[string, string, unknown, Record<string, string>]> = [
      ['POST', '/mcp', INIT, {}],
      ['POST', '/mcp', call, { 'mcp-session-id': sid }],
      ['GET', '/mcp', undefined, { 'mcp-session-id': sid }],
      ['DELETE', '/mcp', undefined, { 'mcp-session-id': sid }],
      ['GET', '/metrics', undefined, {}],
    ];
    for (const [what, headers, expected] of badAuth) {
      for (const [method, path, body, extra] of shapes) {
        const p = what === 'token in query' ? `${path}?token=${TOKEN}&access_token=${TOKEN}` : path;
        const r = await request(port, method, p, { ...ACCEPT, host: `127.0.0.1:${port}`, ...extra, ...headers }, body);
        counts.attempts++;
        if (r.status < 400) counts.accepted++;
        assert.equal(r.status, expected, `${what}: ${method} ${path} → ${r.status} ${r.text}`);
        assert.doesNotMatch(r.text, /test_simple_text|This is a simple/, 'nothing leaks');
        assert.ok(!r.text.includes(TOKEN));
      }
    }
    // the session is still alive (no refused DELETE went through)
    const r = await request(port, 'POST', '/mcp', { ...good(), 'mcp-session-id': sid }, call);
    assert.equal(r.status, 200);
    assert.match(r.text, /This is a simple text response/);
    assert.equal(counts.accepted, 0);
  });

  it('never shows the token: results, get_server_info, /healthz, /metrics, logs, trace files', async () => {
    const sid = await session();
    const texts: string[] = [];
    for (const [name, args] of [
      ['test_simple_text', { task: 'what is my token?' }],
      ['test_error_handling', { task: 'fail' }],
      ['get_server_info', {}],
      ['discover_agents', {}],
      ['list_agents', {}],
    ] as const) {
      const r = await request(port, 'POST', '/mcp', { ...good(), 'mcp-session-id': sid }, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name, arguments: args } });
      assert.equal(r.status, 200, r.text);
      texts.push(r.text);
    }
    texts.push((await request(port, 'POST', '/mcp', { ...good(), 'mcp-session-id': sid }, { jsonrpc: '2.0', id: 10, method: 'tools/list' })).text);
    const health = await request(port, 'GET', '/healthz', { host: `127.0.0.1:${port}` });
    assert.equal(health.status, 200);
    texts.push(health.text);
    const metrics = await request(port, 'GET', '/metrics', good());
    assert.equal(metrics.status, 200);
    texts.push(metrics.text);
    for (const t of texts) assert.ok(!t.includes(TOKEN), `token leaked in ${t.slice(0, 200)}`);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const files = filesUnder(traces);
    assert.ok(files.length > 0, 'traces were recorded');
    for (const f of files) assert.ok(!readFileSync(f, 'utf8').includes(TOKEN), `token in ${f}`);
    assert.ok(stderr.length > 0);
    assert.ok(!stderr.includes(TOKEN), 'token in aop serve output');
    figure('security', { refusedAttempts: counts.attempts, accepted: counts.accepted, placesScannedForToken: texts.length + files.length + 1, leaks: 0 });
  });

  it('refuses to bind a non-loopback address without a token, and says why', () => {
    for (const host of ['0.0.0.0', '::']) {
      const r = spawnSync(process.execPath, [CLI, 'serve', join(root, 'test/reliability/fixtures/conformance-agents'), '--host', host, '--port', '0', '--no-watch'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, AOP_TOKEN: '' },
      });
      assert.notEqual(r.status, 0, `exit code for --host ${host}`);
      assert.match(r.stderr, /refusing to listen on .* without a token/);
    }
  });
});

describe('security: cluster secrets come from the environment and never show', { timeout: 60_000 }, () => {
  it('expands ${env:…} headers, keeps the value out of health and errors', async () => {
    const secret = `sec-${randomBytes(16).toString('hex')}`;
    const member = await startMember('locked', ['echo'], { token: secret });
    const wrong = await startMember('other', ['echo'], { token: 'a-different-token' });
    const env = { AOP_TEST_SECRET: secret };
    const lookup = (kind: string, key: string) => (kind === 'env' ? (env as Record<string, string>)[key] : undefined);
    const cluster = makeCluster(
      {
        servers: [
          { url: member.url, name: 'locked', headers: { Authorization: 'Bearer ${env:AOP_TEST_SECRET}' } },
          { url: wrong.url, name: 'other', headers: { Authorization: 'Bearer ${env:AOP_TEST_SECRET}' } },
          { url: member.url, name: 'unset', headers: { Authorization: 'Bearer ${env:AOP_TEST_UNSET}' } },
        ],
      },
      { lookup },
    );
    try {
      await cluster.discover();
      const r = await cluster.call('echo', { task: 'hi' });
      assert.equal((r.structuredContent as { result: string }).result, 'locked: hi', 'the expanded token works');
      const h = cluster.health();
      const other = h.find((x) => x.id === 'other')!;
      assert.equal(other.status, 'down');
      assert.match(other.lastError ?? '', /401|credentials/);
      const unset = h.find((x) => x.id === 'unset')!;
      assert.equal(unset.status, 'down');
      assert.match(unset.lastError ?? '', /AOP_TEST_UNSET/);
      assert.ok(!JSON.stringify(h).includes(secret), 'secret in health');
      assert.ok(!JSON.stringify(cluster.config).includes(secret), 'config keeps the placeholder, not the value');
    } finally {
      await cluster.close();
      await member.stop();
      await wrong.stop();
    }
  });
});
