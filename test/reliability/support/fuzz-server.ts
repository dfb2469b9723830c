/**
 * The AOP server under fuzz, in a child process of its own (run with --expose-gc): a crash is a
 * dead child, and its heap is measured without the fuzzer's garbage. IPC: sends {port} once
 * listening; answers {heap} to 'heap' (after two full GCs); logs 'error'-level lines to stderr.
 */
import { InstantChatModel } from '../../../src/core/models/instant';
import { AopServer } from '../../../src/core/server/aop-server';
import { makeAgent } from '../../support/agents';

const model = new InstantChatModel((task) => `echo: ${task.slice(0, 200)}`);
const server = new AopServer({
  name: 'fuzz',
  port: 0,
  models: () => model,
  maxBodyBytes: Number(process.env.FUZZ_MAX_BODY ?? 256 * 1024),
  maxSessions: 200,
  logger: (level, message) => {
    if (level === 'error') process.stderr.write(`[server error] ${message}\n`);
  },
});
server.setAgents([makeAgent({ name: 'echo', provider: 'openai', maxRetries: 0 }), makeAgent({ name: 'other', provider: 'openai', maxRetries: 0 })]);

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

void server.listen().then(({ port }) => process.send!({ port }));
process.on('message', (m: unknown) => {
  if (m === 'heap') process.send!({ heap: heap(), sessions: server.sessionCount });
  if (m === 'stop') void server.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
