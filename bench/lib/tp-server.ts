/**
 * A server in its own process for the third-party-client rows, default settings:
 *   ours              AopServer, one agent on the instant in-process model
 *   sdk               the bare SDK server, an echo tool
 *   ours-openai URL   AopServer, one `provider: openai` agent on the OpenAI-compatible model at URL
 *   sdk-openai URL    the bare SDK server, a tool making the same streamed chat/completions call (fetch)
 *   floor             node:http answering every POST with a fixed JSON-RPC answer: what any server on
 *                     node:http costs this client on this machine, with no MCP work at all
 * IPC: sends {url}; answers 'cpu' with process.cpuUsage() (µs), 'exit' closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createModelResolver } from '../../src/core/models/resolver';
import { benchAgent, startAop, startSdkServer } from './fixtures';

/** The bare tool's upstream call: a streamed chat completion, content deltas joined. */
async function streamedCompletion(base: string, task: string): Promise<string> {
  const r = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'system', content: 'You are echo.' }, { role: 'user', content: task }] }),
  });
  const text = await r.text();
  let out = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    out += (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '';
  }
  return out;
}

/** The floor: reads the body, parses it, answers initialize and every request with a fixed result. */
async function startFloor(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const m = JSON.parse(Buffer.concat(chunks).toString()) as { id?: number; method: string; params?: { protocolVersion?: string } };
      if (m.id === undefined) return void res.writeHead(202).end();
      const result =
        m.method === 'initialize'
          ? { protocolVersion: m.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '0' } }
          : { content: [{ type: 'text', text: 'hello' }] };
      const body = JSON.stringify({ jsonrpc: '2.0', id: m.id, result });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Mcp-Session-Id': 'floor' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, close: () => new Promise((r) => server.close(() => r())) };
}

async function main(): Promise<void> {
  const [which, modelUrl] = process.argv.slice(2);
  const s =
    which === 'floor'
      ? await startFloor()
      : which === 'ours'
      ? await startAop([benchAgent('echo')])
      : which === 'ours-openai'
        ? await startAop([benchAgent('echo', { provider: 'openai', model: 'bench-model', baseUrl: modelUrl })], createModelResolver({ env: {} }))
        : which === 'sdk-openai'
          ? await startSdkServer((task) => streamedCompletion(modelUrl, task))
          : await startSdkServer();
  process.on('message', (m: string) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
    else if (m === 'exit') void s.close().then(() => process.exit(0));
  });
  process.send!({ url: s.url });
}
void main();
