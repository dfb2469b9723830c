/**
 * A server in its own process for the third-party-client rows: `ours` (AopServer, one agent on the
 * instant model, default settings) or `sdk` (the bare SDK server). IPC: sends {url}; answers 'cpu'
 * with process.cpuUsage() (µs), 'exit' closes.
 */
import { benchAgent, startAop, startSdkServer } from './fixtures';

async function main(): Promise<void> {
  const which = process.argv[2];
  const s = which === 'ours' ? await startAop([benchAgent('echo')]) : await startSdkServer();
  process.on('message', (m: string) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
    else if (m === 'exit') void s.close().then(() => process.exit(0));
  });
  process.send!({ url: s.url });
}
void main();
