/**
 * The scripted OpenAI-compatible model (test/support/fake-openai.ts) in its own process for the
 * real-backend rows: every request gets a streamed answer of a few chunks. IPC: sends {url}
 * (the /v1 base), 'exit' closes.
 */
import { startFakeOpenAi } from '../../test/support/fake-openai';

async function main(): Promise<void> {
  const model = await startFakeOpenAi(() => ({ chunks: ['The ', 'answer ', 'is ', 'forty', '-two.'] }));
  process.on('message', (m: string) => {
    if (m === 'exit') void model.close().then(() => process.exit(0));
  });
  process.send!({ url: model.url });
}
void main();
