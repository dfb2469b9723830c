import * as http from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { nodeHttps } from '../lazy-builtins';
import { McpHttpError, httpStatusError, isMessage, socketFailure, tooLargeError } from './errors';
import { pooledAgent } from './pool';
import { SseReader } from './sse';
import { CLIENT_USER_AGENT, DEFAULT_MAX_RESPONSE_BYTES } from './streamable-http';

export interface LegacySseClientTransportOptions {
  headers?: Record<string, string>;
  /** Most characters of one event (default 8 MiB). */
  maxResponseBytes?: number;
  /** How long to wait for the server's `endpoint` event (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * The old MCP HTTP+SSE transport (protocol 2024-11-05), kept as the fallback for servers that do
 * not speak Streamable HTTP: a GET opens the event stream, whose first `endpoint` event names
 * the URL (same origin only) that takes our messages as POSTs; answers come back on the stream.
 * Same pool, SSE reader, size caps and error words as `NodeHttpClientTransport`.
 */
export class LegacySseClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;
  private stream?: http.ClientRequest;
  private endpoint?: URL;
  private closed = false;

  constructor(
    readonly url: URL,
    private readonly options: LegacySseClientTransportOptions = {},
  ) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol} (http: or https:)`);
    this.agent = pooledAgent(url);
    this.headers = { 'User-Agent': CLIENT_USER_AGENT, ...(options.headers ?? {}) };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  private failure(err: NodeJS.ErrnoException): McpHttpError {
    return socketFailure(err, this.url, { timeoutMs: this.options.connectTimeoutMs ?? 10_000, maxResponseBytes: this.maxResponseBytes });
  }

  private requestTo(target: URL, method: 'GET' | 'POST', headers: Record<string, string>, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const request = target.protocol === 'https:' ? nodeHttps().request : http.request;
    return request(target, { method, agent: this.agent, headers }, onResponse);
  }

  /** Opens the event stream and waits for the `endpoint` event. */
  start(): Promise<void> {
    if (this.stream) throw new Error('LegacySseClientTransport already started');
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        if (!ready) {
          ready = failed = true;
          clearTimeout(timer);
          this.stream?.destroy();
          return reject(err);
        }
        if (this.closed) return;
        this.onerror?.(err);
        void this.close();
      };
      const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        const e = new Error(`no endpoint event within ${timeoutMs} ms`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        fail(this.failure(e));
      }, timeoutMs);
      timer.unref();
      const req = this.requestTo(this.url, 'GET', { ...this.headers, Accept: 'text/event-stream' }, (res) => {
        const status = res.statusCode ?? 0;
        const type = (res.headers['content-type'] ?? '').toLowerCase();
        if (status !== 200 || !type.startsWith('text/event-stream')) {
          res.setEncoding('utf8');
          let text = '';
          res.on('data', (c: string) => {
            if (text.length < 4096) text += c;
          });
          res.on('end', () =>
            fail(
              status === 200
                ? new McpHttpError(`MCP server at ${this.url.href} answered the SSE stream with content type "${type}"`, status)
                : httpStatusError(this.url, status, text, { authorization: this.headers.Authorization }),
            ),
          );
          return;
        }
        res.setEncoding('utf8');
        const reader = new SseReader((e) => {
          if (e.event === 'endpoint') {
            if (ready) return;
            let target: URL;
            try {
              target = new URL(e.data.trim(), this.url);
            } catch {
              return fail(new McpHttpError(`MCP server at ${this.url.href} sent an invalid endpoint "${e.data.slice(0, 200)}"`, status));
            }
            if (target.origin !== this.url.origin) {
              return fail(new McpHttpError(`MCP server at ${this.url.href} named an endpoint on another origin (${target.origin}); refused`, status));
            }
            this.endpoint = target;
            ready = true;
            clearTimeout(timer);
            return resolve();
          }
          if (e.event !== 'message' || !e.data) return;
          let msg: unknown;
          try {
            msg = JSON.parse(e.data);
          } catch {
            this.onerror?.(new Error(`MCP server at ${this.url.href} sent an SSE event that is not JSON`));
            return;
          }
          if (isMessage(msg)) this.onmessage?.(msg);
        }, this.maxResponseBytes);
        res.on('data', (c: string) => {
          if (!reader.push(c)) {
            fail(this.failure(tooLargeError()));
            req.destroy();
          }
        });
        const lost = () => fail(new McpHttpError(`connection to MCP server at ${this.url.href} was lost (the SSE stream ended)`, status, 'ECONNRESET'));
        res.on('end', lost);
        res.on('error', lost);
        res.on('close', lost);
      });
      this.stream = req;
      req.on('error', (err: NodeJS.ErrnoException) => fail(this.failure(err)));
      req.end();
    });
  }

  /** POSTs one message to the endpoint; the answer comes on the event stream. */
  send(message: JSONRPCMessage): Promise<void> {
    const endpoint = this.endpoint;
    if (this.closed || !endpoint) return Promise.reject(new McpHttpError(`transport to ${this.url.href} is ${this.closed ? 'closed' : 'not started'}`, 0, 'ECLOSED'));
    const body = JSON.stringify(message);
    return new Promise<void>((resolve, reject) => {
      const headers = { ...this.headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
      const req = this.requestTo(endpoint, 'POST', headers, (res) => {
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (c: string) => {
          if (text.length < 4096) text += c;
        });
        res.on('end', () => {
          if (status >= 200 && status < 300) resolve();
          else reject(httpStatusError(endpoint, status, text, { authorization: this.headers.Authorization }));
        });
        res.on('error', (e) => reject(this.failure(e)));
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.failure(err)));
      req.end(body);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = this.stream;
    this.stream = undefined;
    s?.destroy();
    this.onclose?.();
  }
}
