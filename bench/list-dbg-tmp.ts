import { benchAgent, nodeClient, startAop } from './lib/fixtures';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
async function main() {
  const aop = await startAop(Array.from({ length: 10000 }, (_, i) => benchAgent(`agent-${i}`)));
  const client = await nodeClient(aop.url);
  for (let i = 0; i < 3; i++) {
    let t = performance.now(); await client.request({ method: 'tools/list' }, ListToolsResultSchema); console.log('request(tools/list)', performance.now() - t);
    t = performance.now(); await client.listTools(); console.log('listTools', performance.now() - t);
  }
  await client.close(); await aop.close();
}
void main();
