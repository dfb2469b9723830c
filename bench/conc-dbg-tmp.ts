import { Agent } from 'node:http';
import { benchAgent, nodeClient, startAop } from '/work/main/bench/lib/fixtures';
async function main() {
  const model = { id: 'd', complete: (r: any) => new Promise<any>((res) => setTimeout(() => res({ text: r.task, model: 'd' }), 50)) };
  const aop = await startAop([benchAgent('slow', { maxConcurrency: 100, queueLimit: 1000, timeout: 120 })], model as any);
  const agent = new Agent({ keepAlive: true, maxSockets: 1100 });
  const client = await nodeClient(aop.url, agent);
  let maxRun = 0, maxQ = 0;
  const iv = setInterval(() => { const s = aop.server.executor.queueStats('slow'); maxRun = Math.max(maxRun, s.running); maxQ = Math.max(maxQ, s.queued); }, 5);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => client.callTool({ name: 'slow', arguments: { task: 't' + i } })));
  console.log('wall', performance.now() - t0, 'maxRun', maxRun, 'maxQ', maxQ, 'sockets', Object.values(agent.sockets).flat().length, Object.values(agent.freeSockets).flat().length);
  clearInterval(iv); await client.close(); await aop.close(); agent.destroy();
}
void main();
