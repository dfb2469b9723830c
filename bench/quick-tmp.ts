import { startSdkServer, startAop, benchAgent, sdkClient, nodeClient } from './lib/fixtures';
async function lat(call: () => Promise<unknown>, n: number) {
  const a: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await call(); a.push(performance.now() - t); }
  a.sort((x, y) => x - y); return `p50 ${a[n >> 1].toFixed(3)} p99 ${a[Math.floor(n * 0.99)].toFixed(3)}`;
}
async function main() {
  const sdk = await startSdkServer();
  const aop = await startAop([benchAgent('echo')]);
  const c1 = await sdkClient(sdk.url);
  const c2 = await nodeClient(aop.url);
  const c3 = await sdkClient(aop.url);
  const c4 = await nodeClient(sdk.url);
  const r = await c2.callTool({ name: 'echo', arguments: { task: 'hi' } });
  console.log(JSON.stringify(r).slice(0, 300));
  for (let round = 0; round < 3; round++) {
    console.log('sdk->sdk ', await lat(() => c1.callTool({ name: 'echo', arguments: { task: 'hello' } }), 2000));
    console.log('node->aop', await lat(() => c2.callTool({ name: 'echo', arguments: { task: 'hello' } }), 2000));
    console.log('sdk->aop ', await lat(() => c3.callTool({ name: 'echo', arguments: { task: 'hello' } }), 2000));
    console.log('node->sdk', await lat(() => c4.callTool({ name: 'echo', arguments: { task: 'hello' } }), 2000));
  }
  await Promise.all([c1.close(), c2.close(), c3.close(), c4.close()]);
  await sdk.close(); await aop.close();
}
void main();
