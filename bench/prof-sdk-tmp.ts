import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
async function main() {
const mcp = new McpServer({ name: 's', version: '0' });
mcp.registerTool('echo', { inputSchema: { task: z.string() } }, async ({ task }) => ({ content: [{ type: 'text', text: task }], structuredContent: { result: task } }));
const t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
await mcp.connect(t);
const server = createServer((req, res) => void t.handleRequest(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as any).port;
const client = new Client({ name: 'c', version: '0' });
await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
const N = Number(process.argv[2] ?? 5000);
const lat: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  await client.callTool({ name: 'echo', arguments: { task: 'hello' } });
  lat.push(performance.now() - t0);
}
lat.sort((a, b) => a - b);
console.log('p50', lat[lat.length >> 1].toFixed(3), 'p99', lat[Math.floor(lat.length * 0.99)].toFixed(3));
await client.close(); await t.close(); server.close(); server.closeAllConnections();

}
void main();
