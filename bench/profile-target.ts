/**
 * The loop profiled by `npm run bench` (node --cpu-prof): one client calling one tool N times.
 * `sdk`: bare SDK pair; `ours`: cluster client (AopCluster.call) → AopServer; `fed`: the same
 * through one federation hop.
 */
import { benchAgent, clusterClient, sdkClient, startAop, startFederatedPair, startSdkServer } from './lib/fixtures';

async function main(): Promise<void> {
  const which = process.argv[2];
  const n = Number(process.argv[3] ?? 3000);
  const args = { task: 'hello' };
  if (which === 'sdk') {
    const server = await startSdkServer();
    const client = await sdkClient(server.url);
    for (let i = 0; i < n; i++) await client.callTool({ name: 'echo', arguments: args });
    await client.close();
    await server.close();
  } else if (which === 'fed') {
    const pair = await startFederatedPair([benchAgent('echo')]);
    const client = await clusterClient([pair.b.url]);
    for (let i = 0; i < n; i++) await client.call('bench__echo', args);
    await client.close();
    await pair.close();
  } else {
    const server = await startAop([benchAgent('echo')]);
    const client = await clusterClient([server.url]);
    for (let i = 0; i < n; i++) await client.call('echo', args);
    await client.close();
    await server.close();
  }
}
void main().then(() => process.exit(0));
