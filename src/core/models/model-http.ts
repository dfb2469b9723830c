import * as http from 'node:http';
import * as https from 'node:https';
import { pooledAgent } from '../mcp-client/pool';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One HTTP answer of a model server, read as it arrives. */
export interface ModelHttpResponse {
  status: number;
  contentType: string;
  /** The body's chunks in order; throws when the connection fails mid-body. */
  chunks(): AsyncIterator<Uint8Array>;
  /** The body as text, at most `maxChars` characters (the rest is not read). */
  text(maxChars: number): Promise<string>;
  /** Stops reading and closes the connection. */
  cancel(): void;
}

/** POSTs a JSON body; resolves with the answer's head, rejects on connection errors or abort. */
export type ModelPost = (url: string, headers: Record<string, string>, body: string, signal: AbortSignal) => Promise<ModelHttpResponse>;

/**
 * Posts on the process's keep-alive pool of the origin (`pooledAgent`, the one the MCP client
 * transports use). `fetch` (undici) cost ~0.5 ms CPU per streamed completion on loopback in web
 * streams, transferables and DOMExceptions; node:http with a pooled socket is the same wire for a
 * fraction of it (bench/NOTES.md).
 *
 * A kept-alive socket the server closed just as the request went out fails with ECONNRESET
 * ("socket hang up") before any answer: the request never reached the server, so it is sent once
 * more on a new connection (what Node's documentation advises for `reusedSocket`).
 */
export const nodePost: ModelPost = (url, headers, body, signal) =>
  postOnce(url, headers, body, signal).catch((err: unknown) => {
    if (!(err instanceof StaleSocket)) throw err;
    return postOnce(url, headers, body, signal, true);
  });

class StaleSocket extends Error {
  constructor(override readonly cause: unknown) {
    super('a kept-alive connection was closed by the server');
  }
}

function postOnce(url: string, headers: Record<string, string>, body: string, signal: AbortSignal, fresh = false): Promise<ModelHttpResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const https_ = target.protocol === 'https:';
    const request = (https_ ? https.request : http.request)(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        // a retry must not draw another stale socket from the pool
        agent: fresh ? false : pooledAgent(target),
        signal,
      },
      (res) => {
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          chunks: () => res[Symbol.asyncIterator](),
          text: async (maxChars) => {
            res.setEncoding('utf8');
            let text = '';
            for await (const piece of res as AsyncIterable<string>) {
              text += piece;
              if (text.length >= maxChars) {
                res.destroy();
                return text.slice(0, maxChars);
              }
            }
            return text;
          },
          cancel: () => res.destroy(),
        });
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      reject(request.reusedSocket && err.code === 'ECONNRESET' && !signal.aborted ? new StaleSocket(err) : err);
    });
    request.end(body);
  });
}

/** The same over a `fetch` (tests, proxies that replace it). */
export function fetchPost(fetchImpl: FetchLike): ModelPost {
  return async (url, headers, body, signal) => {
    const response = await fetchImpl(url, { method: 'POST', headers, body, signal });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      chunks: () => {
        const reader = response.body?.getReader();
        return {
          next: async () => {
            if (!reader) return { done: true, value: undefined };
            const r = await reader.read();
            return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
          },
        };
      },
      text: async (maxChars) => (await response.text()).slice(0, maxChars),
      cancel: () => void response.body?.cancel().catch(() => undefined),
    };
  };
}
