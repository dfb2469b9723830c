import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatModel, ChatRequest, ChatResponse } from '../../src/core/models/types';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';

/**
 * The model of an attempt gets a signal that aborts when the call is cancelled: on a plain agent
 * and on every turn of a tool loop (which copies the first turn's request; the executor's request
 * makes its signal on first read, so a copy that forgot it would hand the model none).
 */
describe('the model sees the call cancelled', () => {
  let aop: TestServer;
  const seen: ChatRequest[] = [];
  /** Waits for the request's signal; fails at once when the request carries none. */
  const model: ChatModel = {
    id: 'waits-for-abort',
    supportsTools: true,
    complete(request): Promise<ChatResponse> {
      seen.push(request);
      const signal = request.signal as AbortSignal | undefined;
      if (!(signal instanceof AbortSignal)) return Promise.reject(new Error('the model got no signal'));
      return new Promise((_, reject) => {
        if (signal.aborted) return reject(new Error('aborted'));
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    },
  };

  before(async () => {
    aop = await startServer(
      [makeAgent({ name: 'plain', maxRetries: 0 }), makeAgent({ name: 'worker', maxRetries: 0 }), makeAgent({ name: 'coord', tools: ['worker'], maxRetries: 0 })],
      { models: () => model },
    );
  });
  after(() => aop.close());

  for (const agent of ['plain', 'coord']) {
    test(`${agent}: the model's signal aborts when the client cancels the call`, async () => {
      const client = await aop.connect();
      const from = seen.length;
      const cancel = new AbortController();
      const call = client.callTool({ name: agent, arguments: { task: 'wait' } }, undefined, { signal: cancel.signal });
      await waitUntil(() => seen.length > from, 10_000, 'the model to be called');
      const signal = seen[from].signal as AbortSignal | undefined;
      assert.ok(signal instanceof AbortSignal, 'the model got an AbortSignal');
      assert.equal(signal.aborted, false);
      cancel.abort();
      await assert.rejects(call);
      await waitUntil(() => signal.aborted, 10_000, "the model's signal to abort");
    });
  }
});
