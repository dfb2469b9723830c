import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { abortError, throwIfAborted } from './abort';
import type { ChatModel, ChatRequest, ChatResponse, ChatUsage } from './types';
import { ModelError } from './types';
import { openAiHistory, openAiTools, ToolCallAccumulator } from './openai-tools';
import { SseDataQueue } from '../mcp-client/sse';
import { fetchPost, nodePost, type FetchLike, type ModelHttpResponse, type ModelPost } from './model-http';

export type { FetchLike } from './model-http';

export interface OpenAiChatModelOptions {
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. Never logged or put in error messages. */
  apiKey?: string;
  /** Name of the environment variable the key came from; only used to word error messages. */
  apiKeyEnv?: string;
  /** Default model; `request.model` wins. Omitted from the request when neither is set (llama.cpp). */
  model?: string;
  /** Sends the requests with this `fetch` instead of node:http (tests, proxies). */
  fetch?: FetchLike;
  /** Extra HTTP headers (e.g. `OpenAI-Organization`). */
  headers?: Record<string, string>;
  /** Directory that relative image paths are resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /** Identifier of this model instance. Default: `openai:<model>@<baseUrl>`. */
  id?: string;
}

const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const EXCERPT_CHARS = 300;
/** Most characters of one streamed event (one chunk of the answer is far smaller). */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** A chat model behind any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Ollama, llama.cpp, vLLM…). */
export class OpenAiChatModel implements ChatModel {
  readonly id: string;
  readonly supportsTools = true;
  readonly baseUrl: string;
  private readonly endpoint: string;
  private readonly post: ModelPost;

  constructor(private readonly options: OpenAiChatModelOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(this.baseUrl);
    } catch {
      throw new ModelError(`invalid model server URL "${options.baseUrl}"`, false);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ModelError(`invalid model server URL "${options.baseUrl}": only http and https are supported`, false);
    }
    this.endpoint = `${this.baseUrl}/chat/completions`;
    this.post = options.fetch ? fetchPost(options.fetch) : nodePost;
    this.id = options.id ?? `openai:${options.model ?? 'default'}@${this.baseUrl}`;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const { signal } = request;
    throwIfAborted(signal);
    const model = request.model ?? this.options.model;
    const body = await this.buildBody(request, model);
    throwIfAborted(signal);

    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream, application/json',
      ...this.options.headers,
    };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;

    let response: ModelHttpResponse;
    try {
      response = await this.post(this.endpoint, headers, JSON.stringify(body), signal);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      throw this.networkError(error);
    }

    try {
      if (response.status < 200 || response.status > 299) throw await this.httpError(response, model, signal);
      return await this.consume(response, model, request);
    } catch (error) {
      // Close the connection on any early exit (malformed stream, throwing onText…).
      response.cancel();
      if (signal.aborted) throw abortError(signal);
      throw error;
    }
  }

  private async buildBody(request: ChatRequest, model: string | undefined): Promise<Record<string, unknown>> {
    const messages: unknown[] = [];
    if (request.system && request.system.trim()) messages.push({ role: 'system', content: request.system });
    if (request.images && request.images.length > 0) {
      const parts: unknown[] = [{ type: 'text', text: request.task }];
      for (const image of request.images) {
        parts.push({ type: 'image_url', image_url: { url: await imageUrl(image, this.options.cwd) } });
      }
      messages.push({ role: 'user', content: parts });
    } else {
      messages.push({ role: 'user', content: request.task });
    }
    if (request.history?.length) messages.push(...openAiHistory(request.history));
    const body: Record<string, unknown> = {
      messages,
      stream: true,
      stream_options: { include_usage: true },
    };
    if (model) body.model = model;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.tools?.length) body.tools = openAiTools(request.tools);
    return body;
  }

  private async consume(response: ModelHttpResponse, model: string | undefined, request: ChatRequest): Promise<ChatResponse> {
    const contentType = response.contentType.toLowerCase();
    const chunks = response.chunks();
    const decoder = new TextDecoder();
    const parser = new SseDataQueue(MAX_EVENT_CHARS);
    const acc: Accumulator = { text: '', model, chunks: 0, done: false, calls: new ToolCallAccumulator() };
    // Servers that ignore `stream: true` answer with one JSON body; without a telling
    // content type, sniff the first characters.
    let mode: 'sse' | 'json' | undefined = contentType.includes('text/event-stream')
      ? 'sse'
      : contentType.includes('json')
        ? 'json'
        : undefined;
    let raw = '';
    let afterDone = 0;

    for (;;) {
      let chunk: IteratorResult<Uint8Array>;
      try {
        chunk = await chunks.next();
      } catch (error) {
        if (request.signal.aborted) throw abortError(request.signal);
        throw this.networkError(error, true);
      }
      if (acc.done) {
        // After [DONE] the answer is read to its end (its socket goes back to the pool); a server
        // that goes on sending past 64 KiB is cut off.
        if (chunk.done) break;
        afterDone += chunk.value.length;
        if (afterDone > 64 * 1024) {
          response.cancel();
          break;
        }
        continue;
      }
      const piece = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      if (mode === 'sse') {
        this.feed(parser.push(piece), acc, request);
      } else {
        raw += piece;
        const start = raw.trimStart();
        if (mode === undefined && start.length > 0) {
          if (start.startsWith('{')) mode = 'json';
          else if (start.startsWith(':') || /^(data|event|id|retry):/.test(start)) {
            mode = 'sse';
            this.feed(parser.push(raw), acc, request);
          } else throw this.notCompatible(contentType, raw);
        }
      }
      if (chunk.done) break;
    }

    if (mode === 'json') return this.parseJsonAnswer(raw, model, request);
    if (mode === undefined) throw this.malformed('the model server sent an empty response', true);
    if (!acc.done) {
      this.feed(parser.end(), acc, request);
      // Lenient: some servers end the stream without `[DONE]`; accept it when chunks arrived.
      if (!acc.done && acc.chunks === 0) throw this.malformed('the stream ended before any answer arrived', true);
    }
    const toolCalls = acc.calls.result();
    return { text: acc.text, model: acc.model, usage: acc.usage, finishReason: acc.finishReason, ...(toolCalls.length ? { toolCalls } : {}) };
  }

  private feed(events: string[] | undefined, acc: Accumulator, request: ChatRequest): void {
    if (!events) throw this.malformed(`the model server sent a stream event larger than ${MAX_EVENT_CHARS} characters`, false);
    for (const data of events) {
      if (acc.done) return;
      const trimmed = data.trim();
      if (!trimmed) continue;
      if (trimmed === '[DONE]') {
        acc.done = true;
        return;
      }
      let payload: any;
      try {
        payload = JSON.parse(trimmed);
      } catch {
        throw this.malformed(`invalid JSON in stream event: ${excerpt(trimmed)}`, true);
      }
      if (payload && typeof payload === 'object' && payload.error) {
        throw new ModelError(`model server error mid-stream: ${errorMessageOf(payload) ?? excerpt(trimmed)}`, true);
      }
      if (!payload || typeof payload !== 'object') throw this.malformed(`unexpected stream event: ${excerpt(trimmed)}`, true);
      acc.chunks++;
      if (typeof payload.model === 'string' && payload.model) acc.model = payload.model;
      const usage = toUsage(payload.usage);
      if (usage) acc.usage = usage;
      const choice = Array.isArray(payload.choices) ? payload.choices[0] : undefined;
      if (choice) {
        const delta = choice.delta ?? choice.message;
        const content = contentText(delta?.content ?? choice.text);
        if (content) {
          acc.text += content;
          request.onText?.(content);
        }
        if (delta?.tool_calls) acc.calls.add(delta.tool_calls);
        if (typeof choice.finish_reason === 'string') acc.finishReason = choice.finish_reason;
      }
    }
  }

  private parseJsonAnswer(raw: string, model: string | undefined, request: ChatRequest): ChatResponse {
    let payload: any;
    try {
      payload = JSON.parse(raw);
    } catch {
      throw this.malformed(`invalid JSON response: ${excerpt(raw)}`, true);
    }
    if (payload && typeof payload === 'object' && payload.error) {
      throw new ModelError(`model server error: ${errorMessageOf(payload) ?? excerpt(raw)}`, true);
    }
    const choice = Array.isArray(payload?.choices) ? payload.choices[0] : undefined;
    if (!choice) throw this.malformed(`response has no choices: ${excerpt(raw)}`, false);
    const text = contentText(choice.message?.content ?? choice.text) ?? '';
    if (text) request.onText?.(text);
    const calls = new ToolCallAccumulator();
    calls.add(choice.message?.tool_calls);
    const toolCalls = calls.result();
    return {
      ...(toolCalls.length ? { toolCalls } : {}),
      text,
      model: typeof payload.model === 'string' && payload.model ? payload.model : model,
      usage: toUsage(payload.usage),
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined,
    };
  }

  private async httpError(response: ModelHttpResponse, model: string | undefined, signal: AbortSignal): Promise<ModelError> {
    let text = '';
    try {
      text = await response.text(64 * 1024);
    } catch {
      if (signal.aborted) throw abortError(signal);
    }
    const status = response.status;
    const detail = errorMessageOf(safeJson(text)) ?? excerpt(text);
    const suffix = detail ? `: ${detail}` : '';
    const keyEnv = this.options.apiKeyEnv ?? 'OPENAI_API_KEY';
    if (status === 401 || status === 403) {
      const hint = this.options.apiKey
        ? `check the API key in environment variable ${keyEnv}`
        : `no API key was sent; set environment variable ${keyEnv}`;
      return new ModelError(`model server at ${this.baseUrl} refused the request (HTTP ${status}) — ${hint}${suffix}`, false, status);
    }
    if (status === 404) {
      const what = model ? `model "${model}" or endpoint ${this.endpoint}` : `endpoint ${this.endpoint}`;
      return new ModelError(`${what} not found (HTTP 404)${suffix}`, false, status);
    }
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const label = status === 429 ? 'rate limited by' : 'error from';
    return new ModelError(`${label} model server at ${this.baseUrl} (HTTP ${status})${suffix}`, retryable, status);
  }

  private networkError(error: unknown, midStream = false): ModelError {
    const codes = errorCodes(error);
    const has = (...names: string[]) => names.some((n) => codes.has(n));
    const where = `model server at ${this.baseUrl}`;
    if (has('ECONNREFUSED')) return new ModelError(`cannot reach ${where} — is it running? (connection refused)`, true);
    if (has('ENOTFOUND', 'EAI_AGAIN')) return new ModelError(`cannot resolve the host of ${where} — check base_url`, true);
    if (has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT')) return new ModelError(`timed out connecting to ${where}`, true);
    if (has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT')) return new ModelError(`${where} stopped answering (timeout)`, true);
    if ([...codes].some((c) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(c))) {
      return new ModelError(`TLS error talking to ${where}: ${messageOf(error)}`, false);
    }
    if (midStream || has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED')) {
      return new ModelError(`connection to ${where} was lost${midStream ? ' mid-answer' : ''}: ${messageOf(error)}`, true);
    }
    return new ModelError(`request to ${where} failed: ${messageOf(error)}`, true);
  }

  private malformed(what: string, retryable: boolean): ModelError {
    return new ModelError(`malformed response from model server at ${this.baseUrl}: ${what}`, retryable);
  }

  private notCompatible(contentType: string, raw: string): ModelError {
    return new ModelError(
      `model server at ${this.baseUrl} did not answer like an OpenAI-compatible API (content-type ${contentType || 'none'}): ${excerpt(raw)} — check base_url (it usually ends in /v1)`,
      false,
    );
  }
}

interface Accumulator {
  text: string;
  model: string | undefined;
  usage?: ChatUsage;
  finishReason?: string;
  chunks: number;
  done: boolean;
  calls: ToolCallAccumulator;
}

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
};

/** http(s) and data: URLs pass through; local paths (or file: URLs) become base64 data: URLs. */
export async function imageUrl(image: string, cwd = process.cwd()): Promise<string> {
  if (/^(https?|data):/i.test(image)) return image;
  let file: string;
  try {
    file = /^file:/i.test(image) ? fileURLToPath(image) : path.resolve(cwd, image);
  } catch {
    throw new ModelError(`invalid image reference "${image}"`, false);
  }
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    throw new ModelError(`image not found: ${file}`, false);
  }
  if (size > MAX_IMAGE_BYTES) throw new ModelError(`image too large (${size} bytes, limit ${MAX_IMAGE_BYTES}): ${file}`, false);
  const type = IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const data = await readFile(file);
  return `data:${type};base64,${data.toString('base64')}`;
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const text = content
      .map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? part.text : ''))
      .join('');
    return text || undefined;
  }
  return undefined;
}

function toUsage(usage: any): ChatUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const inputTokens = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : undefined;
  const outputTokens = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : undefined;
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens, outputTokens };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{"error": {"message": …}}` (OpenAI, vLLM, llama.cpp) or `{"error": "…"}` (Ollama). */
function errorMessageOf(payload: any): string | undefined {
  const error = payload?.error ?? payload?.detail;
  if (typeof error === 'string' && error) return excerpt(error);
  if (error && typeof error.message === 'string' && error.message) return excerpt(error.message);
  if (typeof payload?.message === 'string' && payload.message) return excerpt(payload.message);
  return undefined;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const own = error instanceof Error ? error.message : String(error);
  if (cause instanceof Error && cause.message && cause.message !== own) return `${own} (${cause.message})`;
  return own;
}

/** Error codes anywhere in the cause chain (undici wraps socket errors; AggregateError for IPv4+IPv6). */
function errorCodes(error: unknown, seen = new Set<unknown>(), codes = new Set<string>()): Set<string> {
  if (!error || typeof error !== 'object' || seen.has(error)) return codes;
  seen.add(error);
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') codes.add(e.code);
  errorCodes(e.cause, seen, codes);
  if (Array.isArray(e.errors)) for (const inner of e.errors) errorCodes(inner, seen, codes);
  return codes;
}
