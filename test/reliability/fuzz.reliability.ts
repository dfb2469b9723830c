/**
 * Bad input: a fast-check run of malformed, oversized, deeply nested, wrong-typed and truncated
 * requests against /mcp of a real AOP server (in child processes, raw HTTP over keep-alive
 * sockets). Every response is checked: a proper HTTP status, and a JSON-RPC error body for every
 * 4xx; 2xx bodies are JSON-RPC messages (JSON or SSE). The servers never crash, never answer
 * 5xx, and their heap (after GC) stays flat.
 *
 * AOP_FUZZ_CASES (default 100,000), AOP_FUZZ_SEED (default fixed) and AOP_FUZZ_SERVERS (default 2).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';

const CASES = Number(process.env.AOP_FUZZ_CASES ?? 100_000);
const SEED = Number(process.env.AOP_FUZZ_SEED ?? 20_251_125);
const SERVERS = Number(process.env.AOP_FUZZ_SERVERS ?? 2);
const CONCURRENCY = 24; // per server
const MAX_BODY = 64 * 1024;
const WARMUP = Math.min(5_000, Math.floor(CASES / 10));

function figure(name: string, value: unknown): void {
  if (process.env.AOP_RELIABILITY_FIGURES) appendFileSync(process.env.AOP_RELIABILITY_FIGURES, JSON.stringify({ name, value }) + '\n');
}

// ---- the servers ---------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  port: number;
  stderr: string;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  heap(): Promise<{ heap: number; sessions: number }>;
}

async function startChild(): Promise<Child> {
  const proc = fork(join(__dirname, 'support/fuzz-server.ts'), [], {
    execArgv: ['--expose-gc', '--import', 'tsx', '--max-old-space-size=512'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, FUZZ_MAX_BODY: String(MAX_BODY) },
  });
  const child = { proc, port: 0, stderr: '' } as Child;
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    if (child.stderr.length < 20_000) child.stderr += c;
  });
  proc.on('exit', (code, signal) => (child.exited = { code, signal }));
  child.port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve(m.port));
    proc.once('exit', (code) => reject(new Error(`fuzz server exited (${code}): ${child.stderr}`)));
  });
  child.heap = () =>
    new Promise((resolve) => {
      const on = (m: { heap?: number; sessions: number }) => {
        if (m.heap === undefined) return;
        proc.off('message', on);
        resolve(m as { heap: number; sessions: number });
      };
      proc.on('message', on);
      proc.send('heap');
    });
  return child;
}

// ---- raw HTTP ------------------------------------------------------------------------------------

interface Req {
  kind: string;
  method: string;
  headers: Record<string, string>;
  /** 'SESSION' in mcp-session-id is replaced by a live session id. */
  body?: Buffer;
  path?: string;
}

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function send(agent: http.Agent, port: number, r: Req, timeoutMs = 20_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body && headers['content-length'] === undefined) headers['content-length'] = r.body.length;
    const req = http.request({ host: '127.0.0.1', port, path: r.path ?? '/mcp', method: r.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      const sse = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // a GET stream (or any SSE with every answer in) stays open: we have what we need
        if (sse && r.method === 'GET') req.destroy();
      });
      const finish = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', () => finish());
      if (sse && r.method === 'GET') setTimeout(() => req.destroy(), 50);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

// ---- generators ----------------------------------------------------------------------------------

const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
const ACCEPT = 'application/json, text/event-stream';
const JSON_HEADERS = { 'content-type': 'application/json', accept: ACCEPT };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '0' } },
};

const printable = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.:/ ;=,*'.split('')), maxLength: 40 });
const anyId = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), fc.boolean(), fc.object({ maxDepth: 1 }), fc.double());
const methods = fc.constantFrom(
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'resources/list',
  'prompts/get',
  'logging/setLevel',
  'completion/complete',
  'tasks/get',
  'sampling/createMessage',
  '',
  'rpc.discover',
  '__proto__',
  'constructor',
  'tools/call/x',
);
const toolNames = fc.constantFrom('echo', 'other', 'discover_agents', 'get_agent_details', 'search_agents', 'get_agents_info', 'get_task_status', 'cancel_task', 'list_agents', 'get_server_info', 'get_queue_stats', 'nope', '', '__proto__');
const garbageValue = fc.oneof(
  { maxDepth: 3 },
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
);
/** A plausible-ish message with wrong types, extra keys, missing keys. */
const wrongTypedMessage = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constant('1.0'), fc.constant(2), fc.constant(null)),
    id: anyId,
    method: fc.oneof(methods, fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
    params: garbageValue,
    result: garbageValue,
    error: garbageValue,
  },
  { requiredKeys: [] },
);
const callParams = fc.record(
  {
    name: fc.oneof(toolNames, fc.integer(), fc.constant(null)),
    arguments: fc.oneof(
      fc.record({ task: fc.oneof(fc.string({ maxLength: 100 }), fc.integer(), fc.constant(''), fc.constant(null)) }, { requiredKeys: [] }),
      garbageValue,
      fc.record({ task: fc.string({ maxLength: 20 }), agent_name: fc.string({ maxLength: 10 }), agent_names: garbageValue, query: garbageValue, task_id: garbageValue, search_fields: garbageValue }, { requiredKeys: [] }),
    ),
    _meta: fc.oneof(fc.constant(undefined), garbageValue, fc.record({ progressToken: anyId, 'aop/hops': garbageValue, 'aop/chain': garbageValue, traceparent: fc.string({ maxLength: 60 }) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const validSessionMessage = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1, max: 1e9 }), method: fc.constant('tools/call'), params: callParams }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1, max: 1e9 }), method: methods, params: garbageValue }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 1, max: 1e9 }), method: fc.constant('tools/call'), params: fc.record({ name: fc.constant('echo'), arguments: fc.record({ task: fc.string({ minLength: 1, maxLength: 80 }) }) }) }),
  wrongTypedMessage,
);

function nested(depth: number, kind: number): string {
  switch (kind % 3) {
    case 0:
      return '['.repeat(depth) + ']'.repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    default:
      return `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"task":"x","deep":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
  }
}

const protoHeader = fc.oneof(fc.constant(undefined), fc.constantFrom('2025-06-18', '2025-03-26', '2025-11-25', '2024-11-05', '1999-01-01', 'garbage', ''));
const acceptHeader = fc.oneof(fc.constant(ACCEPT), fc.constant(ACCEPT), fc.constantFrom('application/json', 'text/event-stream', 'text/html', '*/*', '', 'application/*', 'image/png'));
const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constant('application/json'),
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonx', ''),
);

function headersOf(ct: string | undefined, accept: string, proto: string | undefined, session?: string): Record<string, string> {
  const h: Record<string, string> = { accept };
  if (ct !== undefined) h['content-type'] = ct;
  if (proto !== undefined) h['mcp-protocol-version'] = proto;
  if (session !== undefined) h['mcp-session-id'] = session;
  return h;
}

const requestArb: fc.Arbitrary<Req> = fc.oneof(
  // initialize-less: a valid-looking request without a session
  { weight: 8, arbitrary: fc.tuple(validSessionMessage, acceptHeader, protoHeader).map(([m, a, p]) => ({ kind: 'no-session', method: 'POST', headers: headersOf('application/json', a, p), body: enc(m) })) },
  // bad session ids
  {
    weight: 8,
    arbitrary: fc
      .tuple(validSessionMessage, fc.oneof(fc.uuid(), printable, fc.constant('SESSION-but-wrong')), fc.constantFrom('POST', 'GET', 'DELETE'))
      .map(([m, sid, method]) => ({ kind: 'bad-session', method, headers: headersOf(method === 'POST' ? 'application/json' : undefined, ACCEPT, undefined, sid), body: method === 'POST' ? enc(m) : undefined })),
  },
  // valid session, garbage params / wrong methods / wrong types
  { weight: 30, arbitrary: fc.tuple(validSessionMessage, acceptHeader, protoHeader).map(([m, a, p]) => ({ kind: 'session-garbage', method: 'POST', headers: headersOf('application/json', a, p, 'SESSION'), body: enc(m) })) },
  // batches (of anything, with and without a session)
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.oneof(validSessionMessage, fc.constant(INIT), fc.jsonValue({ maxDepth: 2 })), { maxLength: 12 }), fc.boolean(), protoHeader)
      .map(([ms, withSession, p]) => ({ kind: 'batch', method: 'POST', headers: headersOf('application/json', ACCEPT, p, withSession ? 'SESSION' : undefined), body: enc(ms) })),
  },
  // wrong HTTP methods and paths
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'GET', 'DELETE', 'PROPFIND'), fc.constantFrom('/mcp', '/mcp?x=1', '/', '/healthz', '/metrics', '/mcp/', '/MCP', '/../etc/passwd', '/mcp%00'), fc.boolean())
      .map(([method, path, withSession]) => ({ kind: 'method', method, path, headers: headersOf(undefined, ACCEPT, undefined, withSession ? 'SESSION' : undefined) })),
  },
  // wrong content types
  {
    weight: 4,
    arbitrary: fc.tuple(contentType, validSessionMessage, fc.boolean()).map(([ct, m, s]) => ({ kind: 'content-type', method: 'POST', headers: headersOf(ct, ACCEPT, undefined, s ? 'SESSION' : undefined), body: enc(m) })),
  },
  // huge strings (under and over the body limit)
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom('task', 'method', 'name', 'id'), fc.boolean()).map(([n, where, s]) => {
      const big = 'x'.repeat(n);
      const msg: Record<string, unknown> = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { task: 'small' } } };
      if (where === 'task') msg.params = { name: 'echo', arguments: { task: big } };
      else if (where === 'method') msg.method = big;
      else if (where === 'name') msg.params = { name: big, arguments: { task: 'x' } };
      else msg.id = big;
      return { kind: 'huge', method: 'POST', headers: headersOf('application/json', ACCEPT, undefined, s ? 'SESSION' : undefined), body: enc(msg) };
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: MAX_BODY + 1, max: MAX_BODY + 16 * 1024 }).map((n) => ({ kind: 'oversized', method: 'POST', headers: JSON_HEADERS, body: Buffer.alloc(n, 0x20) })) },
  // deeply nested
  {
    weight: 3,
    arbitrary: fc.tuple(fc.oneof(fc.integer({ min: 50, max: 2_000 }), fc.integer({ min: 50, max: 2_000 }), fc.integer({ min: 2_000, max: 12_000 })), fc.nat(), fc.boolean()).map(([d, k, s]) => ({ kind: 'nested', method: 'POST', headers: headersOf('application/json', ACCEPT, undefined, s ? 'SESSION' : undefined), body: Buffer.from(nested(d, k)) })),
  },
  // truncated JSON
  {
    weight: 6,
    arbitrary: fc.tuple(fc.oneof(validSessionMessage, fc.constant(INIT)), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()).map(([m, f, s]) => {
      const b = enc(m);
      return { kind: 'truncated', method: 'POST', headers: headersOf('application/json', ACCEPT, undefined, s ? 'SESSION' : undefined), body: b.subarray(0, Math.floor(b.length * f)) };
    }),
  },
  // invalid UTF-8 and random bytes
  {
    weight: 5,
    arbitrary: fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.boolean()).map(([bytes, wrap, s]) => {
      const raw = Buffer.from(bytes);
      const body = wrap
        ? Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"task":"'), Buffer.from([0xff, 0xfe, 0xc3]), raw, Buffer.from('"}}}')])
        : raw;
      return { kind: 'bytes', method: 'POST', headers: headersOf('application/json', ACCEPT, undefined, s ? 'SESSION' : undefined), body };
    }),
  },
  // random JSON values
  { weight: 5, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.boolean()).map(([v, s]) => ({ kind: 'json', method: 'POST', headers: headersOf('application/json', ACCEPT, undefined, s ? 'SESSION' : undefined), body: enc(v) })) },
  // initialize variants (new sessions: bounded by maxSessions)
  {
    weight: 3,
    arbitrary: fc.tuple(fc.oneof(fc.constant(INIT.params.protocolVersion), fc.string({ maxLength: 12 })), garbageValue, acceptHeader).map(([pv, caps, a]) => ({
      kind: 'initialize',
      method: 'POST',
      headers: headersOf('application/json', a, undefined),
      body: enc({ ...INIT, params: { ...INIT.params, protocolVersion: pv, capabilities: caps } }),
    })),
  },
  // the happy path, between the garbage
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((t) => ({ kind: 'valid-call', method: 'POST', headers: headersOf('application/json', ACCEPT, '2025-06-18', 'SESSION'), body: enc({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'echo', arguments: { task: t } } }) })) },
);

// ---- checks --------------------------------------------------------------------------------------

const OK_STATUS = new Set([200, 202, 400, 404, 405, 406, 409, 413, 415]);

function isJsonRpcMessage(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return false;
  if ('error' in o) {
    const e = o.error as { code?: unknown; message?: unknown };
    return Number.isInteger(e?.code) && typeof e?.message === 'string';
  }
  return 'result' in o || typeof o.method === 'string';
}

/** Undefined when the response is proper; else why not. */
function check(r: Req, res: Res): string | undefined {
  if (!OK_STATUS.has(res.status)) return `HTTP ${res.status}`;
  const type = String(res.headers['content-type'] ?? '');
  if (r.method === 'HEAD') return undefined;
  if (res.status === 202) return res.body.length === 0 ? undefined : '202 with a body';
  if (r.method === 'DELETE' && res.status === 200) return res.body.length === 0 ? undefined : 'DELETE answered with a body';
  if (r.path && r.path !== '/mcp' && !r.path.startsWith('/mcp?')) {
    return res.status === 404 || res.status === 200 ? undefined : `HTTP ${res.status} on ${r.path}`;
  }
  if (type.startsWith('application/json')) {
    let v: unknown;
    try {
      v = JSON.parse(res.body.toString('utf8'));
    } catch {
      return 'invalid JSON body';
    }
    if (res.status >= 400) return isJsonRpcMessage(v) && 'error' in (v as object) ? undefined : `HTTP ${res.status} without a JSON-RPC error: ${res.body.toString().slice(0, 200)}`;
    const list = Array.isArray(v) ? v : [v];
    return list.length > 0 && list.every(isJsonRpcMessage) ? undefined : `200 with a body that is not JSON-RPC: ${res.body.toString().slice(0, 200)}`;
  }
  if (type.startsWith('text/event-stream')) {
    if (res.status !== 200) return `SSE with HTTP ${res.status}`;
    for (const line of res.body.toString('utf8').split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        if (!isJsonRpcMessage(JSON.parse(line.slice(5)))) return `SSE event that is not JSON-RPC: ${line.slice(0, 200)}`;
      } catch {
        return `SSE event that is not JSON: ${line.slice(0, 200)}`;
      }
    }
    return undefined;
  }
  return `unexpected content type "${type}" (HTTP ${res.status})`;
}

// ---- the run -------------------------------------------------------------------------------------

async function openSession(agent: http.Agent, port: number): Promise<string> {
  const res = await send(agent, port, { kind: 'setup', method: 'POST', headers: JSON_HEADERS, body: enc(INIT) });
  const sid = res.headers['mcp-session-id'];
  assert.equal(res.status, 200);
  assert.ok(typeof sid === 'string');
  await send(agent, port, { kind: 'setup', method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': sid }, body: enc({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return sid;
}

describe('fuzz: /mcp never crashes and always answers properly', { timeout: 300_000 }, () => {
  const children: Child[] = [];
  after(() => {
    for (const c of children) c.proc.kill();
  });

  it(`${CASES.toLocaleString('en')} generated requests`, async () => {
    for (let i = 0; i < SERVERS; i++) children.push(await startChild());
    const stats = { sent: 0, byKind: {} as Record<string, number>, byStatus: {} as Record<number, number>, bad: [] as string[], errors: [] as string[] };
    const heapBefore: number[] = [];
    const t0 = Date.now();
    const ticker = process.env.AOP_FUZZ_TRACE ? setInterval(() => console.log(`fuzz: ${stats.sent} sent after ${Date.now() - t0} ms`), 2000) : undefined;

    await Promise.all(
      children.map(async (child, ci) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
        const sessions: string[] = [];
        for (let s = 0; s < 4; s++) sessions.push(await openSession(agent, child.port));
        const share = Math.ceil(CASES / SERVERS);
        const total = Math.min(share, CASES - ci * share);
        // generated lazily, in chunks, from a per-server seed
        const chunk = 500;
        let produced = 0;
        let queue: Req[] = [];
        let chunkNo = 0;
        const nextReq = (): Req | undefined => {
          if (queue.length === 0) {
            if (produced >= total) return undefined;
            const n = Math.min(chunk, total - produced);
            queue = fc.sample(requestArb, { numRuns: n, seed: SEED + ci * 1_000_003 + chunkNo++ });
            produced += n;
          }
          return queue.pop();
        };
        let done = 0;
        let warm = false;
        let lastSessionCheck = 0;
        const worker = async () => {
          for (let r = nextReq(); r; r = nextReq()) {
            const sid = sessions[done % sessions.length];
            const req = r.headers['mcp-session-id'] === 'SESSION' ? { ...r, headers: { ...r.headers, 'mcp-session-id': sid } } : r;
            try {
              const res = await send(agent, child.port, req, Number(process.env.AOP_FUZZ_REQ_TIMEOUT ?? 20_000));
              const why = check(req, res);
              if (why && stats.bad.length < 50) stats.bad.push(`[${req.kind}] ${req.method} ${req.path ?? '/mcp'} ${why}`);
              if (why && stats.bad.length >= 50) stats.bad.push('…');
              stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
              // a session the fuzz closed (DELETE) or evicted is replaced, so "valid session" stays valid
              if (res.status === 404 && req.headers['mcp-session-id'] === sid && Date.now() - lastSessionCheck > 200) {
                lastSessionCheck = Date.now();
                sessions[sessions.indexOf(sid)] = await openSession(agent, child.port);
              }
            } catch (err) {
              const e = err as NodeJS.ErrnoException;
              // writing an oversized body after the server answered 413 and closed: the answer was given
              if (!(req.kind === 'oversized' && (e.code === 'EPIPE' || e.code === 'ECONNRESET'))) {
                if (process.env.AOP_FUZZ_TRACE) console.log("ERR", req.kind, req.method, JSON.stringify(req.headers), req.body?.toString("latin1").slice(0, 300), e.message);
                if (stats.errors.length < 20) stats.errors.push(`[${req.kind}] ${req.method} ${e.code ?? ""} ${e.message}`);
              }
            }
            stats.sent++;
            stats.byKind[req.kind] = (stats.byKind[req.kind] ?? 0) + 1;
            done++;
            if (!warm && done >= WARMUP / SERVERS) {
              warm = true;
              heapBefore[ci] = (await child.heap()).heap;
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        agent.destroy();
      }),
    );
    const elapsed = Date.now() - t0;
    if (ticker) clearInterval(ticker);

    const heaps = await Promise.all(children.map((c) => c.heap()));
    const growth = heaps.map((h, i) => h.heap - heapBefore[i]);
    // still alive and well: /healthz and a real call answer
    for (const c of children) {
      assert.equal(c.exited, undefined, `fuzz server crashed: ${JSON.stringify(c.exited)}\n${c.stderr}`);
      const agent = new http.Agent({ keepAlive: false });
      const sid = await openSession(agent, c.port);
      const res = await send(agent, c.port, { kind: 'final', method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': sid }, body: enc({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { task: 'still alive' } } }) });
      assert.match(res.body.toString(), /echo: still alive/);
    }
    const serverErrors = children.map((c) => c.stderr).join('');
    const summary = {
      cases: stats.sent,
      seed: SEED,
      servers: SERVERS,
      ms: elapsed,
      perSecond: Math.round(stats.sent / (elapsed / 1000)),
      crashes: children.filter((c) => c.exited).length,
      improper: stats.bad.length,
      clientErrors: stats.errors.length,
      status: stats.byStatus,
      kinds: stats.byKind,
      heapBeforeMiB: heapBefore.map((h) => +(h / 2 ** 20).toFixed(1)),
      heapAfterMiB: heaps.map((h) => +(h.heap / 2 ** 20).toFixed(1)),
      sessionsAfter: heaps.map((h) => h.sessions),
    };
    console.log(`fuzz: ${JSON.stringify(summary)}`);
    figure('fuzz', summary);
    assert.equal(stats.sent, CASES);
    assert.deepEqual(stats.bad, [], 'every response is a proper HTTP status / JSON-RPC error');
    assert.deepEqual(stats.errors, [], 'every request got an answer');
    assert.equal(serverErrors, '', 'no internal error was logged');
    assert.equal(stats.byStatus[500] ?? 0, 0);
    for (const g of growth) assert.ok(g < 48 * 2 ** 20, `heap grew by ${(g / 2 ** 20).toFixed(1)} MiB (limit 48)`);
  });
});
