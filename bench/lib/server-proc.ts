/**
 * An AopServer in its own process (for the concurrency suite: client and server then use their
 * own cores, and the server's memory is measured alone). IPC: sends {url}; answers 'mem' with
 * process.memoryUsage() after an optional gc, and 'stats' with the agent's queue stats.
 */
import type { ChatModel, ChatRequest, ChatResponse } from '../../src/core/models/types';
import { benchAgent, startAop } from './fixtures';

class DelayModel implements ChatModel {
  readonly id = 'delay';
  constructor(private readonly delayMs: number) {}
  complete(request: ChatRequest): Promise<ChatResponse> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(t);
        reject(new Error('aborted'));
      };
      const t = setTimeout(() => {
        request.signal?.removeEventListener('abort', onAbort);
        resolve({ text: request.task, model: 'delay', finishReason: 'stop' });
      }, this.delayMs);
      request.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

async function main(): Promise<void> {
  const [capacity, queue, delayMs] = process.argv.slice(2).map(Number);
  const aop = await startAop([benchAgent('slow', { maxConcurrency: capacity, queueLimit: queue, timeout: 120 })], new DelayModel(delayMs), {
    // The suite holds every call on one session on purpose: lift the per-session cap (default 64) above it.
    limits: { maxInFlightPerSession: queue + capacity + 16 },
  });
  let peak = { running: 0, queued: 0 };
  setInterval(() => {
    const s = aop.server.executor.queueStats('slow');
    if (s.running + s.queued > peak.running + peak.queued) peak = { running: s.running, queued: s.queued };
  }, 5).unref();
  process.on('message', (m: string) => {
    if (m === 'mem' || m === 'mem-nogc') {
      if (m === 'mem') (globalThis as { gc?: () => void }).gc?.();
      process.send!({ mem: process.memoryUsage() });
    } else if (m === 'peak') {
      process.send!({ peak });
      peak = { running: 0, queued: 0 };
    } else if (m === 'exit') {
      void aop.close().then(() => process.exit(0));
    }
  });
  process.send!({ url: aop.url });
}
void main();
