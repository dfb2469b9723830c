import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startAop, benchAgent, nodeClient, rawPoster, startRawEcho } from './lib/fixtures';
async function lat(call: () => Promise<unknown>, n: number) {
  for (let i = 0; i < 500; i++) await call();
  const a: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await call(); a.push(performance.now() - t); }
  a.sort((x, y) => x - y); return `p50 ${(a[n >> 1]*1000).toFixed(0)}us mean ${(a.reduce((x,y)=>x+y)/n*1000).toFixed(0)}us`;
}
async function main() {
  const aop = await startAop([benchAgent('echo')]);
  const entry = aop.server.tools.get('echo')!;
  const ctrl = new AbortController();
  const agent = aop.server.agent('echo')!;
  const raw = await startRawEcho(); const rp = rawPoster(raw.port);
  const [ct, st] = InMemoryTransport.createLinkedPair();
  const mcp = aop.server.createMcpServer(); await mcp.connect(st);
  const mem = new Client({ name: 'm', version: '0' }); await mem.connect(ct);
  const c = await nodeClient(aop.url);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { task: 'hello' } } });
  for (let r = 0; r < 3; r++) {
    console.log('executor.invoke      ', await lat(() => aop.server.executor.invoke(agent, { task: 'hello' }, { signal: ctrl.signal }), 5000));
    console.log('tool handler         ', await lat(() => entry.handler({ task: 'hello' }, { signal: ctrl.signal }), 5000));
    console.log('sdk in-memory        ', await lat(() => mem.callTool({ name: 'echo', arguments: { task: 'hello' } }), 5000));
    console.log('raw http             ', await lat(() => rp.post(body), 5000));
    console.log('node client -> aop   ', await lat(() => c.callTool({ name: 'echo', arguments: { task: 'hello' } }), 5000));
  }
  await c.close(); await mem.close(); await rp.close(); await raw.close(); await aop.close();
}
void main();
