/**
 * The one SSE reader (src/core/mcp-client/sse.ts, on eventsource-parser) and its two users: the
 * MCP client transport and the OpenAI backend, each fed a stream split mid-line with CRLF, CR and
 * multi-line data.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { NodeHttpClientTransport, SseDataQueue, SseReader, type SseEvent } from '../../src/core/mcp-client';
import { OpenAiChatModel } from '../../src/core/models/openai';

/** Every way of cutting `text` in two, plus one character at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const TRICKY =
  '\uFEFF: comment\r\nevent: message\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\n' + // CRLF, multi-line data, id
  'data: x\rdata: y\r\r' + // CR line ends
  'retry: 1500\nfield-we-do-not-know: z\ndata:no-space\n\n' + // retry, unknown field, no space after the colon
  'event: endpoint\ndata: /messages?s=1\n\n' +
  'id: 8\ndata:\n\n'; // empty data, new id

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"a":\n1}', id: '7' },
  { event: 'message', data: 'x\ny', id: '7' },
  { event: 'message', data: 'no-space', id: '7' },
  { event: 'endpoint', data: '/messages?s=1', id: '7' },
  { event: 'message', data: '', id: '8' },
];

describe('SseReader', () => {
  test('the same events wherever the chunks split the stream', () => {
    for (const chunks of splits(TRICKY)) {
      const got: SseEvent[] = [];
      const r = new SseReader((e) => got.push(e));
      for (const c of chunks) assert.equal(r.push(c), true);
      assert.deepEqual(got, EXPECTED, `chunks ${JSON.stringify(chunks)}`);
      assert.equal(r.lastEventId, '8');
      assert.equal(r.retryMs, 1500);
    }
  });

  test('an event past the size cap stops the stream; end() delivers an unterminated last event', () => {
    const r = new SseReader(() => {}, 100);
    assert.equal(r.push(`data: ${'x'.repeat(60)}\n`), true);
    assert.equal(r.push(`data: ${'x'.repeat(60)}`), false);
    assert.equal(r.push('\n\n'), false, 'nothing more is read');

    const q = new SseDataQueue();
    assert.deepEqual(q.push('data: a\n\ndata: b'), ['a']);
    assert.deepEqual(q.push('\r'), []);
    assert.deepEqual(q.end(), ['b']);
  });
});

/** Writes `pieces` one after another, each flushed before the next. */
async function writePieces(res: ServerResponse, pieces: string[]): Promise<void> {
  for (const p of pieces) await new Promise<void>((r) => res.write(p, () => r()));
  res.end();
}

/** Cuts `text` into pieces of at most 7 characters (mid-line, mid-CRLF, mid-JSON). */
function shreds(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out;
}

/** A JSON-RPC message as multi-line SSE data with CRLF line ends. */
function frame(message: unknown): string {
  const json = JSON.stringify(message, null, 1); // several lines
  return `event: message\r\n${json.split('\n').map((l) => `data: ${l}`).join('\r\n')}\r\n\r\n`;
}

describe('both users of the reader on a shredded stream', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      if (req.url === '/v1/chat/completions') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content }, index: 0 }] })}\r\n\r\n`;
        const text = ': keep-alive\r\n\r\n' + delta('multi\nline ') + delta('answer') + 'data: {"choices":[{"delta":{},\r\ndata: "finish_reason":"stop","index":0}]}\r\n\r\ndata: [DONE]\r\n\r\n';
        return writePieces(res, shreds(text));
      }
      if (req.method !== 'POST') return res.writeHead(405).end();
      if (body.id === undefined) return res.writeHead(202).end();
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Mcp-Session-Id': 's1' });
      if (body.method === 'initialize') {
        const result = { protocolVersion: body.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'shredder', version: '0' } };
        return writePieces(res, shreds(frame({ jsonrpc: '2.0', id: body.id, result })));
      }
      const token = body.params?._meta?.progressToken;
      const progress = frame({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, message: 'half\r\nway' } });
      const result = frame({ jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: 'line 1\nline 2' }] } });
      return writePieces(res, shreds(progress + result));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('the MCP client transport: progress and the answer arrive whole and in order', async () => {
    const client = new Client({ name: 'sse-test', version: '0' });
    await client.connect(new NodeHttpClientTransport(new URL(`${base}/mcp`)));
    const progress: Array<{ progress: number; message?: string }> = [];
    try {
      const r = await client.callTool({ name: 'echo', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
      assert.deepEqual(r.content, [{ type: 'text', text: 'line 1\nline 2' }]);
      assert.deepEqual(progress, [{ progress: 1, message: 'half\r\nway' }]);
    } finally {
      await client.close();
    }
  });

  test('the OpenAI backend: deltas, finish reason and [DONE] across the cuts', async () => {
    const model = new OpenAiChatModel({ baseUrl: `${base}/v1`, model: 'm' });
    const deltas: string[] = [];
    const answer = await model.complete({ system: 's', task: 't', signal: new AbortController().signal, onText: (d) => deltas.push(d) });
    assert.equal(answer.text, 'multi\nline answer');
    assert.deepEqual(deltas, ['multi\nline ', 'answer']);
    assert.equal(answer.finishReason, 'stop');
  });
});
