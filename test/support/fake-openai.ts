/**
 * A small, real OpenAI-compatible HTTP server for tests (node:http only), on 127.0.0.1 and a free port.
 *
 *   const server = await startFakeOpenAi([{ status: 500 }, { status: 500 }, { text: 'ok' }]);
 *   new OpenAiChatModel({ baseUrl: server.url, model: 'fake' });
 *   ...
 *   await server.close();
 *
 * Endpoints: `POST /v1/chat/completions`, `GET /v1/models`. Every request is recorded.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one chat request. */
export interface FakeReply {
  /** Answer text. Streamed split into words unless `chunks` is given. Default: `echo: <last user text>`. */
  text?: string;
  /** Exact content deltas to stream (overrides `text`). */
  chunks?: string[];
  /** Pause before each streamed chunk after the first. */
  chunkDelayMs?: number;
  /** Pause before sending the status line and headers. */
  delayMs?: number;
  /** HTTP status; anything but 200 sends `errorBody`. */
  status?: number;
  /** Body for error statuses: a string is sent as is, an object as JSON. Default: an OpenAI-style error. */
  errorBody?: string | object;
  /**
   * Never finish the response (until the client disconnects). Without chunks/text nothing at all is
   * sent; with `chunks` the headers and those chunks are sent first, then the stream stalls.
   */
  hang?: true;
  /** Answer with one `chat.completion` JSON body even though the client asked to stream. */
  json?: true;
  /** Token usage to report; `false` sends none. Default: rough counts. */
  usage?: { prompt_tokens: number; completion_tokens: number } | false;
  /** `model` field of the answer. Default: the requested model or `fake-model`. */
  model?: string;
  /** `finish_reason` of the last chunk / choice. Default `stop`. */
  finishReason?: string;
  /** Send this exact body (after `delayMs`) with `contentType` instead of a generated one (malformed streams). */
  raw?: string;
  /** Content type for `raw`. Default `text/event-stream`. */
  contentType?: string;
  /** Leave out the final `data: [DONE]`. */
  noDone?: true;
  /** Destroy the socket after the chunks were sent (connection lost mid-stream). */
  destroyAfterChunks?: true;
  /**
   * Ask the client to call these functions (`finish_reason: tool_calls` unless `finishReason` says
   * otherwise). Streamed as OpenAI does: the id and name first, the arguments in two pieces.
   */
  toolCalls?: FakeToolCall[];
  /**
   * Hold the answer until this promise settles: the headers and `chunks` (partial text) go out
   * first, then the stream waits, then it finishes (an answer held until the test releases it,
   * so a test can look at a call while it runs). With `json` nothing is sent before.
   */
  holdUntil?: Promise<unknown>;
}

export interface FakeToolCall {
  id?: string;
  name: string;
  /** An object is sent as JSON text; a string as is (e.g. invalid JSON). */
  arguments: object | string;
}

/** The `role: tool` messages of a chat request (what the client sent back for earlier tool calls). */
export function toolResults(request: RecordedRequest): { tool_call_id: string; content: string }[] {
  const messages = (request.body?.messages ?? []) as { role: string; tool_call_id: string; content: string }[];
  return messages.filter((m) => m.role === 'tool');
}

export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when it was not JSON. */
  body: any;
  rawBody: string;
  /** The reply the script chose (chat requests only). */
  reply?: FakeReply;
  startedAt: number;
  /** When the response ended or the connection closed. */
  endedAt?: number;
  /** The client closed the connection before the response ended. */
  aborted: boolean;
  /** Content chunks written so far. */
  chunksSent: number;
  /** The client's port: the same for requests that reused a kept-alive connection. */
  remotePort?: number;
}

/**
 * A script decides per chat request: one reply for all, a queue (consumed in order; the last one
 * repeats), or a function of the recorded request (`n` = number of chat requests before it).
 */
export type FakeScript = FakeReply | FakeReply[] | ((request: RecordedRequest, n: number) => FakeReply | Promise<FakeReply>);

export interface FakeOpenAi {
  /** Base URL ending in `/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Chat-completion requests only. */
  readonly chatRequests: RecordedRequest[];
  setScript(script: FakeScript): void;
  /** Resolves when `predicate` holds (polled), rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFakeOpenAi(script?: FakeScript): Promise<FakeOpenAi> {
  let current: FakeScript | undefined = script;
  let queue: FakeReply[] = Array.isArray(script) ? [...script] : [];
  let chatCount = 0;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const pick = async (record: RecordedRequest): Promise<FakeReply> => {
    const n = chatCount++;
    if (current === undefined) return {};
    if (typeof current === 'function') return current(record, n);
    if (Array.isArray(current)) return (queue.length > 1 ? queue.shift() : queue[0]) ?? {};
    return current;
  };

  const server = http.createServer((req, res) => {
    const record: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: req.headers,
      body: undefined,
      rawBody: '',
      startedAt: Date.now(),
      aborted: false,
      chunksSent: 0,
      remotePort: req.socket.remotePort,
    };
    requests.push(record);
    res.on('close', () => {
      record.endedAt = Date.now();
      if (!res.writableFinished) record.aborted = true;
    });

    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      record.rawBody = Buffer.concat(parts).toString('utf8');
      try {
        record.body = record.rawBody ? JSON.parse(record.rawBody) : undefined;
      } catch {
        record.body = undefined;
      }
      handle(record, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake server bug: ${String(error)}` } }));
      });
    });
  });

  const handle = async (record: RecordedRequest, res: http.ServerResponse) => {
    if (record.method === 'GET' && record.path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
      });
      return;
    }
    if (record.method !== 'POST' || record.path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `no route ${record.method} ${record.path}`, type: 'not_found' } });
      return;
    }
    if (record.body === undefined) {
      sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      return;
    }

    const reply = await pick(record);
    record.reply = reply;
    if (reply.delayMs) await wait(reply.delayMs);
    if (isGone(res)) return;

    const status = reply.status ?? 200;
    if (status !== 200) {
      const body = reply.errorBody ?? {
        error: { message: `fake error ${status}`, type: status === 401 ? 'invalid_api_key' : 'server_error', code: status },
      };
      if (typeof body === 'string') {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      } else sendJson(res, status, body);
      return;
    }

    if (reply.raw !== undefined) {
      res.writeHead(200, { 'content-type': reply.contentType ?? 'text/event-stream' });
      res.end(reply.raw);
      return;
    }

    const requestBody = record.body ?? {};
    const model = reply.model ?? requestBody.model ?? 'fake-model';
    const explicitText = reply.chunks !== undefined || reply.text !== undefined;
    const calls = (reply.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_${record.index}_${i}`,
      name: c.name,
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    }));
    const text = reply.chunks ? reply.chunks.join('') : reply.text ?? (calls.length ? '' : `echo: ${lastUserText(requestBody)}`);
    const chunks = reply.chunks ?? (text ? splitWords(text) : []);
    const usage =
      reply.usage === false
        ? undefined
        : reply.usage ?? { prompt_tokens: Math.ceil(record.rawBody.length / 4), completion_tokens: chunks.length };
    const finishReason = reply.finishReason ?? (calls.length ? 'tool_calls' : 'stop');
    const id = `chatcmpl-fake-${record.index}`;
    const created = Math.floor(Date.now() / 1000);

    if (reply.hang && !explicitText) return; // say nothing, ever

    if (reply.json || requestBody.stream !== true) {
      if (reply.hang) return;
      if (reply.holdUntil) await reply.holdUntil.catch(() => undefined);
      if (isGone(res)) return;
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              ...(calls.length
                ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
                : {}),
            },
            finish_reason: finishReason,
          },
        ],
        ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const event = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: object, finish: string | null) =>
      event({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });

    for (let i = 0; i < chunks.length; i++) {
      if (i > 0 && reply.chunkDelayMs) await wait(reply.chunkDelayMs);
      if (isGone(res)) return;
      chunk(i === 0 ? { role: 'assistant', content: chunks[i] } : { content: chunks[i] }, null);
      record.chunksSent++;
    }
    for (let i = 0; i < calls.length; i++) {
      if (isGone(res)) return;
      const c = calls[i];
      const half = Math.ceil(c.arguments.length / 2);
      const first = { index: i, id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments.slice(0, half) } };
      chunk(chunks.length === 0 && i === 0 ? { role: 'assistant', tool_calls: [first] } : { tool_calls: [first] }, null);
      chunk({ tool_calls: [{ index: i, function: { arguments: c.arguments.slice(half) } }] }, null);
    }
    if (reply.destroyAfterChunks) {
      res.socket?.destroy();
      return;
    }
    if (reply.hang) return; // stall mid-stream until the client goes away
    if (reply.holdUntil) await reply.holdUntil.catch(() => undefined);
    if (isGone(res)) return;
    chunk({}, finishReason);
    if (usage && requestBody.stream_options?.include_usage) {
      event({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    if (!reply.noDone) res.write('data: [DONE]\n\n');
    res.end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get chatRequests() {
      return requests.filter((r) => r.path === '/v1/chat/completions');
    },
    setScript(next: FakeScript) {
      current = next;
      queue = Array.isArray(next) ? [...next] : [];
    },
    async waitFor(predicate: () => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`fake-openai: condition not met within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function isGone(res: http.ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function splitWords(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g);
  return words && words.length > 0 ? words : [text];
}

function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const user = [...messages].reverse().find((m) => m?.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  if (Array.isArray(user.content)) {
    return user.content
      .filter((p: any) => p?.type === 'text')
      .map((p: any) => p.text)
      .join('');
  }
  return '';
}

/** Which agent a chat request belongs to: its system prompt is "You are <name>." */
export function agentOf(r: RecordedRequest): string {
  const system = (r.body?.messages ?? []).find((m: { role: string }) => m.role === 'system')?.content ?? '';
  return /You are ([\w-]+)\./.exec(system)?.[1] ?? '?';
}

/** The user message (the task) of a chat request. */
export function userTask(r: RecordedRequest): string {
  return (r.body?.messages ?? []).find((m: { role: string }) => m.role === 'user')?.content ?? '';
}
