/**
 * A server in its own process for the third-party-client rows, default settings:
 *   ours              AopServer, one agent on the instant in-process model
 *   sdk               the bare SDK server, an echo tool
 *   ours-openai URL   AopServer, one `provider: openai` agent on the OpenAI-compatible model at URL
 *   sdk-openai URL    the bare SDK server, a tool making the same streamed chat/completions call (fetch)
 * IPC: sends {url}; answers 'cpu' with process.cpuUsage() (µs), 'exit' closes.
 */
import { createModelResolver } from '../../src/core/models/resolver';
import { benchAgent, startAop, startSdkServer } from './fixtures';

/** The bare tool's upstream call: a streamed chat completion, content deltas joined. */
async function streamedCompletion(base: string, task: string): Promise<string> {
  const r = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'system', content: 'You are echo.' }, { role: 'user', content: task }] }),
  });
  const text = await r.text();
  let out = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    out += (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '';
  }
  return out;
}

async function main(): Promise<void> {
  const [which, modelUrl] = process.argv.slice(2);
  const s =
    which === 'ours'
      ? await startAop([benchAgent('echo')])
      : which === 'ours-openai'
        ? await startAop([benchAgent('echo', { provider: 'openai', model: 'bench-model', baseUrl: modelUrl })], createModelResolver({ env: {} }))
        : which === 'sdk-openai'
          ? await startSdkServer((task) => streamedCompletion(modelUrl, task))
          : await startSdkServer();
  process.on('message', (m: string) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
    else if (m === 'exit') void s.close().then(() => process.exit(0));
  });
  process.send!({ url: s.url });
}
void main();
