/**
 * An AopServer with N instant agents in its own process (discovery suite). IPC: sends {url};
 * 'exit' closes it.
 */
import { benchAgent, startAop } from './fixtures';

async function main(): Promise<void> {
  const [count, index] = process.argv.slice(2).map(Number);
  const topics = ['review', 'search', 'summarize', 'translate', 'plan', 'test', 'refactor', 'document'];
  const agents = Array.from({ length: count }, (_, i) =>
    benchAgent(`s${index}-agent-${i}`, {
      description: `Agent ${i} of server ${index}: ${topics[i % topics.length]}s things.`,
      tags: [topics[i % topics.length], `server-${index}`],
      capabilities: [topics[(i + 3) % topics.length]],
    }),
  );
  const aop = await startAop(agents);
  process.on('message', (m: string) => {
    if (m === 'exit') void aop.close().then(() => process.exit(0));
  });
  process.send!({ url: aop.url });
}
void main();
