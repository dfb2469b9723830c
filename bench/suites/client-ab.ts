/**
 * Paired A/B of the MCP client before and after it moved to src/core/mcp-client with one SSE
 * reader on eventsource-parser: the old Node transport (its hand-written SSE parser) and the old
 * OpenAI-backend parser are taken from git at `BASE` (default: the parent of the commit that
 * removed src/core/cluster/http-client-transport.ts) and measured in the same process as the
 * new ones, in interleaved rounds. Prints per-round-median ratios new / old (< 1 is faster).
 *
 *   node --import tsx bench/suites/client-ab.ts [BASE] [rounds] [callsPerRound]
 *   AB_ONLY=<regex>: only the rows whose name matches.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { NodeHttpClientTransport, SseDataQueue, SseReader, defaultTransportFactory, type TransportFactory } from '../../src/core/mcp-client';
import { benchAgent, startAop, startSdkServer } from '../lib/fixtures';
import { median, summary } from '../lib/stats';

const root = join(__dirname, '../..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const OLD = 'src/core/cluster/http-client-transport.ts';
const base = process.argv[2] || `${git('rev-list', '-1', 'HEAD', '--', OLD)}^`;
const rounds = Number(process.argv[3] ?? 7);
const calls = Number(process.argv[4] ?? 1000);

type OldTransportCtor = new (url: URL, opts?: { agent?: unknown }) => Transport;
type OldMcpParser = new (onEvent: (event: string, data: string) => void) => { push(c: string): boolean };
type OldOpenAiParser = new () => { push(c: string): string[] };

/** The old transport module and the old OpenAI parser, written under bench/out/ab-base. */
async function loadBase(): Promise<{ Transport: OldTransportCtor; McpParser: OldMcpParser; OpenAiParser: OldOpenAiParser }> {
  const dir = join(root, 'bench/out/ab-base');
  mkdirSync(join(dir, 'auth'), { recursive: true });
  writeFileSync(join(dir, 'http-client-transport.ts'), git('show', `${base}:${OLD}`));
  writeFileSync(join(dir, 'auth/http-auth.ts'), git('show', `${base}:src/core/cluster/auth/http-auth.ts`));
  const openai = git('show', `${base}:src/core/models/openai.ts`);
  const start = openai.indexOf('/** Incremental server-sent-events parser');
  writeFileSync(join(dir, 'openai-parser.ts'), openai.slice(start, openai.indexOf('const IMAGE_TYPES', start)));
  const t = await import(join(dir, 'http-client-transport.ts'));
  const o = await import(join(dir, 'openai-parser.ts'));
  return { Transport: t.NodeHttpClientTransport, McpParser: t.SseParser, OpenAiParser: o.SseParser };
}

interface Pair {
  name: string;
  old: () => Promise<unknown> | unknown;
  new: () => Promise<unknown> | unknown;
  n: number;
}

async function measure(pairs: Pair[]): Promise<Array<{ name: string; oldP50: number; newP50: number; ratio: number }>> {
  const perRound = pairs.map(() => ({ old: [] as number[], new: [] as number[] }));
  const timed = async (f: () => Promise<unknown> | unknown, n: number): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      xs.push(performance.now() - t0);
    }
    return summary(xs).p50;
  };
  for (const p of pairs) (await timed(p.old, p.n), await timed(p.new, p.n)); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [i, p] of pairs.entries()) {
      // alternate which side goes first
      const sides = r % 2 ? (['new', 'old'] as const) : (['old', 'new'] as const);
      for (const s of sides) perRound[i][s].push(await timed(p[s], p.n));
    }
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  return pairs.map((p, i) => ({
    name: p.name,
    oldP50: median(perRound[i].old),
    newP50: median(perRound[i].new),
    ratio: median(perRound[i].new.map((x, k) => x / perRound[i].old[k])),
  }));
}

/** SSE text of `n` MCP frames (progress notifications and a result), as a server writes them. */
function mcpStream(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const msg = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: i, message: 'x'.repeat(200) } };
    s += `event: message\nid: ${i}\ndata: ${JSON.stringify(msg)}\n\n`;
  }
  return s;
}

function openAiStream(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: `tok${i} ` } }] })}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}

function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  process.stderr.write(`base ${git('rev-parse', '--short', base)}: ${rounds} rounds × ${calls} calls\n`);
  const old = await loadBase();
  const sdk = await startSdkServer();
  const aop = await startAop([benchAgent('echo')]);
  const args = { task: 'hello' };
  const client = async (t: Transport) => {
    const c = new Client({ name: 'ab', version: '0' });
    await c.connect(t);
    return c;
  };
  const oldFactory: TransportFactory = (url, headers, kind, auth, limits) =>
    kind === 'sse' ? defaultTransportFactory(url, headers, kind, auth, limits) : new old.Transport(url, { headers, auth, maxResponseBytes: limits?.maxResponseBytes } as never);
  const cluster = async (factory?: TransportFactory) => {
    const c = new AopCluster(parseClusterConfig({ name: 'ab', servers: [aop.url] }), factory ? { createTransport: factory } : {});
    await c.discover();
    return c;
  };
  const sdkOld = await client(new old.Transport(new URL(sdk.url)));
  const sdkNew = await client(new NodeHttpClientTransport(new URL(sdk.url)));
  const aopOld = await client(new old.Transport(new URL(aop.url)));
  const aopNew = await client(new NodeHttpClientTransport(new URL(aop.url)));
  const clOld = await cluster(oldFactory);
  const clNew = await cluster();
  const progress = { onprogress: () => {} };

  const mcpText = mcpStream(1000);
  const mcpChunks = chunked(mcpText, 16 * 1024);
  const big = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'y'.repeat(1024 * 1024) }] } })}\n\n`;
  const bigChunks = chunked(big, 64 * 1024);
  const oaChunks = openAiStream(1000);
  const parse = {
    oldMcp: (chunks: string[]) => () => {
      let n = 0;
      const p = new old.McpParser(() => n++);
      for (const c of chunks) p.push(c);
      return n;
    },
    newMcp: (chunks: string[]) => () => {
      let n = 0;
      const r = new SseReader(() => n++, 8 * 1024 * 1024);
      for (const c of chunks) r.push(c);
      return n;
    },
  };
  const only = process.env.AB_ONLY ? new RegExp(process.env.AB_ONLY, 'i') : undefined;
  const pairs: Pair[] = [
    { name: 'SDK Client + transport → bare SDK server (SSE answers), per call', old: () => sdkOld.callTool({ name: 'echo', arguments: args }), new: () => sdkNew.callTool({ name: 'echo', arguments: args }), n: calls },
    { name: 'SDK Client + transport → AopServer (JSON answers), per call', old: () => aopOld.callTool({ name: 'echo', arguments: args }), new: () => aopNew.callTool({ name: 'echo', arguments: args }), n: calls },
    { name: 'SDK Client + transport → AopServer with progress (SSE answers), per call', old: () => aopOld.callTool({ name: 'echo', arguments: args }, undefined, progress), new: () => aopNew.callTool({ name: 'echo', arguments: args }, undefined, progress), n: calls },
    { name: 'ours: cluster client (AopCluster.call) → AopServer, per call', old: () => clOld.call('echo', args), new: () => clNew.call('echo', args), n: calls },
    { name: 'parser only: 1000 MCP events (~300 B) in 16 KiB chunks', old: parse.oldMcp(mcpChunks), new: parse.newMcp(mcpChunks), n: 20 },
    { name: 'parser only: one 1 MiB MCP event in 64 KiB chunks', old: parse.oldMcp(bigChunks), new: parse.newMcp(bigChunks), n: 20 },
    {
      name: 'parser only: OpenAI stream, 1000 deltas one per chunk (old OpenAI parser vs SseDataQueue)',
      old: () => {
        const p = new old.OpenAiParser();
        let n = 0;
        for (const c of oaChunks) n += p.push(c).length;
        return n;
      },
      new: () => {
        const q = new SseDataQueue(8 * 1024 * 1024);
        let n = 0;
        for (const c of oaChunks) n += q.push(c)!.length;
        return n;
      },
      n: 20,
    },
  ];
  const results = await measure(pairs.filter((p) => !only || only.test(p.name)));
  for (const c of [sdkOld, sdkNew, aopOld, aopNew]) await c.close();
  await clOld.close();
  await clNew.close();
  await sdk.close();
  await aop.close();
  const lines = [
    `| A/B (base ${git('rev-parse', '--short', base)}, ${rounds} rounds) | old p50 | new p50 | new / old (median of per-round ratios) |`,
    '|---|---|---|---|',
    ...results.map((r) => `| ${r.name} | ${r.oldP50.toFixed(3)} ms | ${r.newP50.toFixed(3)} ms | ${r.ratio.toFixed(3)} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
