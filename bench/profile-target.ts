/** The loop profiled by `npm run bench` (node --cpu-prof): one client calling one tool N times. */
import { benchAgent, nodeClient, sdkClient, startAop, startSdkServer } from './lib/fixtures';

async function main(): Promise<void> {
  const which = process.argv[2] === 'ours' ? 'ours' : 'sdk';
  const n = Number(process.argv[3] ?? 3000);
  const server = which === 'sdk' ? await startSdkServer() : await startAop([benchAgent('echo')]);
  const client = which === 'sdk' ? await sdkClient(server.url) : await nodeClient(server.url);
  for (let i = 0; i < n; i++) await client.callTool({ name: 'echo', arguments: { task: 'hello' } });
  await client.close();
  await server.close();
}
void main().then(() => process.exit(0));
