import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isAbortError } from '../../src/core/models/abort';
import { OpenAiChatModel } from '../../src/core/models/openai';
import { ModelError, type ChatRequest } from '../../src/core/models/types';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';

function req(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { system: 'You are terse.', task: 'Say hello', signal: new AbortController().signal, ...overrides };
}

/** The error the promise rejects with; fails the test when it resolves or hangs longer than `ms`. */
async function rejection(promise: Promise<unknown>, ms = 4000): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the call did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hang]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('the call did not settle')) assert.fail(error.message);
    return error;
  } finally {
    clearTimeout(timer);
  }
  assert.fail('expected the call to reject');
}

describe('OpenAiChatModel against the fake server', { timeout: 30_000 }, () => {
  let server: FakeOpenAi;
  let model: OpenAiChatModel;

  before(async () => {
    server = await startFakeOpenAi();
  });
  after(() => server.close());
  beforeEach(() => {
    server.setScript({});
    server.requests.length = 0;
    model = new OpenAiChatModel({ baseUrl: server.url, model: 'fake-model', apiKey: 'sk-test', apiKeyEnv: 'MY_KEY' });
  });

  it('streams deltas in order and sends an OpenAI-style request', async () => {
    server.setScript({ chunks: ['Hel', 'lo', ', ', 'world'], chunkDelayMs: 5, usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const deltas: string[] = [];
    const answer = await model.complete(req({ temperature: 0.2, maxTokens: 50, onText: (d) => deltas.push(d) }));
    assert.deepEqual(deltas, ['Hel', 'lo', ', ', 'world']);
    assert.equal(answer.text, 'Hello, world');
    assert.equal(answer.model, 'fake-model');
    assert.deepEqual(answer.usage, { inputTokens: 11, outputTokens: 4 });
    assert.equal(answer.finishReason, 'stop');

    assert.equal(server.requests.length, 1);
    const sent = server.requests[0];
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer sk-test');
    assert.equal(sent.body.stream, true);
    assert.deepEqual(sent.body.stream_options, { include_usage: true });
    assert.equal(sent.body.model, 'fake-model');
    assert.equal(sent.body.temperature, 0.2);
    assert.equal(sent.body.max_tokens, 50);
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello' },
    ]);
    assert.equal(sent.aborted, false);
  });

  it('uses request.model over the default and leaves out empty system prompts and unset options', async () => {
    const answer = await model.complete(req({ system: '', model: 'other-model' }));
    assert.equal(answer.text, 'echo: Say hello');
    const body = server.requests[0].body;
    assert.equal(body.model, 'other-model');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Say hello' }]);
    assert.equal('temperature' in body, false);
    assert.equal('max_tokens' in body, false);
  });

  it('omits model and Authorization when none are configured (llama.cpp style)', async () => {
    const bare = new OpenAiChatModel({ baseUrl: server.url + '/' });
    await bare.complete(req());
    assert.equal('model' in server.requests[0].body, false);
    assert.equal(server.requests[0].headers.authorization, undefined);
  });

  it('accepts a plain JSON answer from servers that ignore stream: true', async () => {
    server.setScript({ json: true, text: 'whole answer', usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const deltas: string[] = [];
    const answer = await model.complete(req({ onText: (d) => deltas.push(d) }));
    assert.equal(answer.text, 'whole answer');
    assert.deepEqual(deltas, ['whole answer']);
    assert.deepEqual(answer.usage, { inputTokens: 3, outputTokens: 2 });
  });

  it('accepts a stream that ends without [DONE]', async () => {
    server.setScript({ chunks: ['a', 'b'], noDone: true });
    assert.equal((await model.complete(req())).text, 'ab');
  });

  it('reuses one kept-alive connection for calls one after another (the answer is read to its end after [DONE])', async () => {
    server.setScript({ chunks: ['x', 'y'] });
    for (let i = 0; i < 3; i++) assert.equal((await model.complete(req())).text, 'xy');
    const ports = new Set(server.requests.map((r) => r.remotePort));
    assert.equal(server.requests.length, 3);
    assert.equal(ports.size, 1, `one socket for three calls, saw ports ${[...ports].join(', ')}`);
  });

  it('maps 401 to a non-retryable error that names the key variable', async () => {
    server.setScript({ status: 401, errorBody: { error: { message: 'Incorrect API key provided' } } });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError);
    assert.equal(error.retryable, false);
    assert.equal(error.status, 401);
    assert.match(error.message, /MY_KEY/);
    assert.match(error.message, /Incorrect API key provided/);
    assert.doesNotMatch(error.message, /sk-test/);
  });

  it('maps 403 without a key to a hint to set the variable', async () => {
    server.setScript({ status: 403 });
    const keyless = new OpenAiChatModel({ baseUrl: server.url, model: 'm' });
    const error = await rejection(keyless.complete(req()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /no API key was sent; set environment variable OPENAI_API_KEY/);
  });

  it('maps 404 to a non-retryable "not found" naming the model (Ollama error shape)', async () => {
    server.setScript({ status: 404, errorBody: { error: "model 'llama9' not found, try pulling it first" } });
    const error = await rejection(model.complete(req({ model: 'llama9' })));
    assert.ok(error instanceof ModelError);
    assert.equal(error.retryable, false);
    assert.equal(error.status, 404);
    assert.match(error.message, /model "llama9"/);
    assert.match(error.message, /not found/);
    assert.match(error.message, /try pulling it first/);
  });

  it('maps 500 to a retryable error with the status and a body excerpt', async () => {
    server.setScript({ status: 500, errorBody: 'upstream exploded: ' + 'x'.repeat(5000) });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError);
    assert.equal(error.retryable, true);
    assert.equal(error.status, 500);
    assert.match(error.message, /HTTP 500/);
    assert.match(error.message, /upstream exploded/);
    assert.ok(error.message.length < 600, `message too long: ${error.message.length}`);
  });

  it('maps 429 to a retryable rate-limit error', async () => {
    server.setScript({ status: 429 });
    const error = await rejection(model.complete(req()));
    assert.equal(error.retryable, true);
    assert.equal(error.status, 429);
    assert.match(error.message, /rate limited.*HTTP 429/);
  });

  it('maps 400 to a non-retryable error', async () => {
    server.setScript({ status: 400, errorBody: { error: { message: 'context length exceeded' } } });
    const error = await rejection(model.complete(req()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 400.*context length exceeded/);
  });

  it('follows a scripted queue: fail, fail, succeed', async () => {
    server.setScript([{ status: 503 }, { status: 502 }, { text: 'third time lucky' }]);
    const first = await rejection(model.complete(req()));
    const second = await rejection(model.complete(req()));
    assert.equal(first.status, 503);
    assert.equal(second.status, 502);
    assert.equal((await model.complete(req())).text, 'third time lucky');
    assert.equal((await model.complete(req())).text, 'third time lucky');
    assert.equal(server.chatRequests.length, 4);
  });

  it('aborts mid-stream: the call rejects at once and the server sees the connection close', async () => {
    server.setScript({ chunks: ['first ', 'second'], hang: true });
    const controller = new AbortController();
    const deltas: string[] = [];
    const call = model.complete(
      req({
        signal: controller.signal,
        onText: (d) => {
          deltas.push(d);
          if (deltas.length === 2) {
            controller.abort();
          }
        },
      }),
    );
    const error = await rejection(call);
    assert.ok(isAbortError(error), `expected an AbortError, got ${error}`);
    // the server hangs after two chunks: only the abort can have ended the call
    assert.deepEqual(deltas, ['first ', 'second']);
    await server.waitFor(() => server.requests[0]?.aborted === true, 10_000);
    assert.equal(server.requests[0].chunksSent, 2);
  });

  it('aborts while the server has not answered yet (hang) and passes the abort reason through', async () => {
    server.setScript({ hang: true });
    const controller = new AbortController();
    const call = model.complete(req({ signal: controller.signal }));
    await server.waitFor(() => server.requests.length === 1 && server.requests[0].reply !== undefined, 10_000);
    const reason = new Error('attempt timed out');
    reason.name = 'TimeoutError';
    controller.abort(reason);
    const error = await rejection(call);
    assert.equal(error, reason);
    await server.waitFor(() => server.requests[0].aborted, 10_000);
  });

  it('rejects at once without a request when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(model.complete(req({ signal: controller.signal })));
    assert.ok(isAbortError(error));
    assert.equal(server.requests.length, 0);
  });

  it('rejects a malformed stream with a clear error', async () => {
    server.setScript({ raw: 'data: {"choices": [\n\n' });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError);
    assert.match(error.message, /malformed response/);
    assert.match(error.message, /invalid JSON in stream event/);
  });

  it('rejects an HTML page as not OpenAI-compatible (non-retryable)', async () => {
    server.setScript({ raw: '<html><body>Welcome to nginx</body></html>', contentType: 'text/html' });
    const error = await rejection(model.complete(req()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /did not answer like an OpenAI-compatible API.*Welcome to nginx/);
  });

  it('rejects an empty 200 response', async () => {
    server.setScript({ raw: '' });
    const error = await rejection(model.complete(req()));
    assert.match(error.message, /malformed response.*before any answer arrived/);
  });

  it('surfaces an error event inside the stream', async () => {
    server.setScript({ raw: 'data: {"error":{"message":"CUDA out of memory"}}\n\n' });
    const error = await rejection(model.complete(req()));
    assert.equal(error.retryable, true);
    assert.match(error.message, /CUDA out of memory/);
  });

  it('maps a connection lost mid-stream to a retryable error', async () => {
    server.setScript({ chunks: ['partial'], destroyAfterChunks: true });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /lost/);
  });

  it('sends images: local files as data: URLs, http(s) URLs as they are', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aop-img-'));
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    writeFileSync(path.join(dir, 'pic.png'), png);
    const withCwd = new OpenAiChatModel({ baseUrl: server.url, model: 'vision', cwd: dir });
    await withCwd.complete(req({ images: ['pic.png', 'https://example.com/cat.jpg'] }));
    const content = server.requests[0].body.messages[1].content;
    assert.deepEqual(content, [
      { type: 'text', text: 'Say hello' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('fails clearly on a missing image, before any request', async () => {
    const error = await rejection(model.complete(req({ images: ['/nonexistent/x.png'] })));
    assert.equal(error.retryable, false);
    assert.match(error.message, /image not found: \/nonexistent\/x.png/);
    assert.equal(server.requests.length, 0);
  });

  it('serves GET /v1/models', async () => {
    const res = await fetch(`${server.url}/models`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.data[0].id, 'fake-model');
  });
});

describe('OpenAiChatModel without a server', { timeout: 30_000 }, () => {
  it('says the server cannot be reached when the connection is refused', async () => {
    // A port that was free a moment ago.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const model = new OpenAiChatModel({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' });
    const error = await rejection(model.complete(req()));
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, new RegExp(`cannot reach model server at http://127\\.0\\.0\\.1:${port}/v1 — is it running\\?`));
  });

  it('a kept-alive connection the server closes as the next request goes out: the request is sent again on a new one', async () => {
    // The server answers the first request of each connection and hangs up on the second one
    // without answering (a server closing an idle socket just as the client reuses it).
    const served = new Map<unknown, number>();
    let requests = 0;
    const server = http.createServer((rq, res) => {
      requests++;
      const n = (served.get(rq.socket) ?? 0) + 1;
      served.set(rq.socket, n);
      if (n > 1) return void rq.socket.destroy();
      rq.resume();
      rq.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: 'ok' } }] })}\n\ndata: [DONE]\n\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const model = new OpenAiChatModel({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'm' });
      assert.equal((await model.complete(req())).text, 'ok');
      assert.equal((await model.complete(req())).text, 'ok', 'the second call survives the stale socket');
      assert.equal(requests, 3, 'first call, the refused reuse, the retry on a new connection');
      assert.equal(served.size, 2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects an invalid base URL', () => {
    assert.throws(() => new OpenAiChatModel({ baseUrl: 'not a url' }), (e: any) => e instanceof ModelError && !e.retryable);
    assert.throws(() => new OpenAiChatModel({ baseUrl: 'ftp://x/v1' }), /only http and https/);
  });

  it('uses an injected fetch and passes custom headers', async () => {
    let seen: RequestInit | undefined;
    const model = new OpenAiChatModel({
      baseUrl: 'http://model.invalid/v1',
      headers: { 'x-extra': '1' },
      fetch: async (_url, init) => {
        seen = init;
        return new Response(
          JSON.stringify({ choices: [{ message: { content: 'injected' }, finish_reason: 'stop' }] }),
          { headers: { 'content-type': 'application/json' } },
        );
      },
    });
    assert.equal((await model.complete(req())).text, 'injected');
    assert.equal((seen?.headers as Record<string, string>)['x-extra'], '1');
  });
});

describe('OpenAiChatModel content sniffing', { timeout: 30_000 }, () => {
  const respond = (body: string, type: string) =>
    new OpenAiChatModel({
      baseUrl: 'http://model.invalid/v1',
      fetch: async () => new Response(body, { headers: { 'content-type': type } }),
    });

  it('parses an SSE stream sent as text/plain', async () => {
    const body = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n';
    assert.equal((await respond(body, 'text/plain').complete(req())).text, 'ab');
  });

  it('parses a JSON answer sent as text/plain', async () => {
    const body = JSON.stringify({ model: 'x', choices: [{ message: { content: 'json!' }, finish_reason: 'length' }] });
    const answer = await respond(body, 'text/plain').complete(req());
    assert.equal(answer.text, 'json!');
    assert.equal(answer.model, 'x');
    assert.equal(answer.finishReason, 'length');
  });

  it('rejects a JSON body without choices', async () => {
    const error = await rejection(respond('{"object":"list"}', 'application/json').complete(req()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /no choices/);
  });
});
