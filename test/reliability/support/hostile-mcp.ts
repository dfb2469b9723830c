/**
 * A hostile MCP server (Streamable HTTP, JSON answers), written on raw node:http so it can break
 * every rule: huge span lists echoed on the caller's traceparent, huge results, 100k tools, odd
 * tool names, dripping answers, invalid JSON. Tools (by name):
 *
 * - `echo` — answers `{text: task}` at once (a sane control).
 * - `spans` — echoes the request's traceparent and returns `spanCount` spans of `spanBytes` each
 *   in `_meta["aop/spans"]`.
 * - `huge` — a result of `hugeBytes` bytes of text, streamed in 64 KiB chunks.
 * - `drip` — a valid answer sent one byte every `dripMs`.
 * - `badjson` — `{"jsonrpc":"2.0","id":…,"result":{` and nothing more, then the end.
 * - `badcontent` — a result of the right top-level shape whose content blocks break the schema.
 * plus `extraTools` (names as given) and `manyTools` filler tools, listed `pageSize` per page.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface HostileOptions {
  spanCount: number;
  spanBytes: number;
  hugeBytes: number;
  dripMs: number;
  extraTools: string[];
  manyTools: number;
  pageSize: number;
  /** List echo, spans, huge, drip and badjson (default true). */
  baseTools: boolean;
}

export interface Hostile {
  url: string;
  options: HostileOptions;
  /** tools/list requests and tools/call requests seen. */
  counts: { list: number; call: number };
  close(): Promise<void>;
}

const BASE_TOOLS = ['echo', 'spans', 'huge', 'drip', 'badjson', 'badcontent'];

function tool(name: string) {
  return { name, description: `hostile ${name}`, inputSchema: { type: 'object', properties: { task: { type: 'string' } } } };
}

export async function startHostile(opts: Partial<HostileOptions> = {}): Promise<Hostile> {
  const options: HostileOptions = {
    spanCount: 2000,
    spanBytes: 16 * 1024,
    hugeBytes: 50 * 1024 * 1024,
    dripMs: 200,
    extraTools: [],
    manyTools: 0,
    pageSize: 5000,
    baseTools: true,
    ...opts,
  };
  const counts = { list: 0, call: 0 };
  const sessionId = randomBytes(8).toString('hex');
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let msg: { id?: number | string; method?: string; params?: Record<string, unknown> };
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (msg.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      const json = (result: unknown) => {
        const text = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': sessionId, 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      switch (msg.method) {
        case 'initialize':
          return json({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '6.6.6' } });
        case 'tools/list': {
          counts.list++;
          const base = options.baseTools ? BASE_TOOLS : [];
          const all = options.manyTools + base.length + options.extraTools.length;
          const start = Number((msg.params?.cursor as string | undefined) ?? 0);
          const end = Math.min(all, start + options.pageSize);
          const tools = [];
          for (let i = start; i < end; i++) {
            if (i < base.length) tools.push(tool(base[i]));
            else if (i < base.length + options.extraTools.length) tools.push(tool(options.extraTools[i - base.length]));
            else tools.push(tool(`filler_${i}`));
          }
          return json({ tools, ...(end < all ? { nextCursor: String(end) } : {}) });
        }
        case 'tools/call': {
          counts.call++;
          const name = msg.params?.name as string;
          const task = String((msg.params?.arguments as { task?: unknown } | undefined)?.task ?? '');
          if (name === 'spans') {
            const tp = String((msg.params?._meta as { traceparent?: unknown } | undefined)?.traceparent ?? '');
            const traceId = tp.split('-')[1] ?? '0'.repeat(32);
            const parent = tp.split('-')[2];
            const big = 'x'.repeat(options.spanBytes);
            const spans = [];
            for (let i = 0; i < options.spanCount; i++) {
              spans.push({
                spanId: randomBytes(8).toString('hex'),
                parentSpanId: parent,
                name: `hostile ${i}`,
                kind: 'server',
                startMs: Date.now(),
                endMs: Date.now() + 1,
                status: { code: 'ok' },
                attributes: { 'hostile.blob': big },
                server: 'hostile',
              });
            }
            return json({ content: [{ type: 'text', text: 'spans' }], _meta: { 'aop/spans': { v: 1, traceId, spans } } });
          }
          if (name === 'badcontent') return json({ content: [{ type: 'text' }, { type: 'image', data: 5 }] });
          if (name === 'huge') {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': sessionId });
            res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"content":[{"type":"text","text":"`);
            const chunk = Buffer.alloc(64 * 1024, 'a');
            let sent = 0;
            const pump = () => {
              while (sent < options.hugeBytes) {
                sent += chunk.length;
                if (!res.write(chunk)) return void res.once('drain', pump);
              }
              res.end('"}]}}');
            };
            res.on('close', () => (sent = options.hugeBytes + 1));
            return pump();
          }
          if (name === 'drip') {
            const text = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: 'drip' }] } });
            res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': sessionId });
            let i = 0;
            const t = setInterval(() => {
              if (res.destroyed) return clearInterval(t);
              res.write(text[i++]);
              if (i >= text.length) {
                clearInterval(t);
                res.end();
              }
            }, options.dripMs);
            res.on('close', () => clearInterval(t));
            return;
          }
          if (name === 'badjson') {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': sessionId });
            res.end(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{`);
            return;
          }
          return json({ content: [{ type: 'text', text: `hostile: ${task}` }] });
        }
        default:
          return json({});
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    options,
    counts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The hostile server in a child process, so its own work does not load the process under test. */
export interface RemoteHostile {
  url: string;
  set(options: Partial<HostileOptions>): Promise<{ list: number; call: number }>;
  counts(): Promise<{ list: number; call: number }>;
  close(): Promise<void>;
}

export async function forkHostile(opts: Partial<HostileOptions> = {}): Promise<RemoteHostile> {
  const { fork } = await import('node:child_process');
  const { join } = await import('node:path');
  const child = fork(join(__dirname, 'hostile-main.ts'), [JSON.stringify(opts)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`hostile server exited with ${code}`)));
    });
  const { url } = (await next()) as { url: string };
  const ask = async (m: unknown) => {
    const answer = next();
    child.send(m as never);
    return ((await answer) as { counts: { list: number; call: number } }).counts;
  };
  return {
    url,
    set: (options) => ask({ set: options }),
    counts: () => ask({ get: true }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
