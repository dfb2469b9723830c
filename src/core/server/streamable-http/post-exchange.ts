import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { joinJson, jsonLength, serializeMessage, writeJson, type JsonChunks } from './json-chunks';
import type { SseEventLog } from './sse-event-log';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
} as const;

/** What an exchange reads from its session's transport. */
export interface ExchangeSession {
  readonly sessionId?: string;
  /** Events of the session's SSE streams, kept for Last-Event-ID resumption. */
  readonly events: SseEventLog;
  readonly keepAliveMs: number;
  readonly maxAnswerBytes: number;
}

/** One POST that carried requests: its HTTP response, answered as JSON or as SSE. */
export class Exchange {
  /** Request ids still unanswered. */
  pending: number;
  sse = false;
  done = false;
  /** Collected (serialized) answers of a batch answered as JSON. */
  answers?: JsonChunks[];
  timer?: NodeJS.Timeout;
  /** Bytes of answers written or collected so far. */
  private answerBytes = 0;
  /** Id of its SSE stream in the session's event log (for Last-Event-ID resumption). */
  streamId?: string;

  constructor(
    public res: ServerResponse,
    readonly transport: ExchangeSession,
    readonly batch: boolean,
    readonly acceptsJson: boolean,
    readonly acceptsSse: boolean,
    requests: number,
  ) {
    this.pending = requests;
    if (!acceptsJson) this.startSse();
  }

  get gone(): boolean {
    return this.done || this.res.destroyed;
  }

  startSse(): void {
    if (this.sse) return;
    this.sse = true;
    this.streamId = this.transport.events.open();
    const sid = this.transport.sessionId;
    this.res.writeHead(200, sid ? { ...SSE_HEADERS, 'Mcp-Session-Id': sid } : SSE_HEADERS);
    this.res.flushHeaders();
    if (this.answers) for (const a of this.answers) this.writeRaw(a);
    this.answers = undefined;
  }

  /** Logged for replay even when the connection is gone (the client may resume with Last-Event-ID). */
  writeEvent(message: JSONRPCMessage): void {
    this.writeRaw(serializeMessage(message));
  }

  private writeRaw(json: JsonChunks): void {
    const frame = this.transport.events.append(this.streamId!, json);
    if (!this.res.destroyed) writeJson(this.res, frame);
  }

  /** The answer's JSON, or an error in its place when it would pass the request's answer budget. */
  private budgeted(message: JSONRPCMessage): JsonChunks {
    let json = serializeMessage(message);
    const max = this.transport.maxAnswerBytes;
    const n = jsonLength(json);
    if (this.answerBytes + n > max) {
      const id = (message as { id?: RequestId }).id ?? null;
      json = JSON.stringify({
        jsonrpc: '2.0',
        id,
        error: { code: -32603, message: `Answer too large: the answers to one request may hold at most ${max} bytes (this one has ${n})` },
      });
    }
    this.answerBytes += jsonLength(json);
    return json;
  }

  /** A related notification/request sent before the answer: switch to SSE (false: the client takes JSON only). */
  related(message: JSONRPCMessage): boolean {
    if (this.done || !this.acceptsSse || (!this.sse && this.res.destroyed)) return false;
    this.startSse();
    this.writeEvent(message);
    return true;
  }

  answer(message: JSONRPCMessage): void {
    this.pending--;
    if (this.done) return;
    const json = this.budgeted(message);
    if (this.sse) {
      this.writeRaw(json);
      if (this.pending <= 0) this.finish();
      return;
    }
    if (!this.batch) {
      this.finish(json);
      return;
    }
    (this.answers ??= []).push(json);
    if (this.pending <= 0) this.finish(joinJson(this.answers, '[', ',', ']'));
  }

  /** A request of this exchange was cancelled: it gets no answer; the response ends when none is left. */
  drop(): void {
    this.pending--;
    if (this.done || this.pending > 0) return;
    if (!this.sse && this.answers?.length) this.finish(joinJson(this.answers, '[', ',', ']'));
    else this.finish();
  }

  /** Keep-alive: a call still running after keepAliveMs turns into SSE and gets comments. */
  tick(): void {
    this.timer = undefined;
    if (this.gone) return;
    if (!this.sse && !this.acceptsSse) return;
    this.startSse();
    this.res.write(': keepalive\n\n');
    this.timer = setTimeout(() => this.tick(), this.transport.keepAliveMs);
    this.timer.unref();
  }

  finish(json?: JsonChunks): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.streamId) this.transport.events.end(this.streamId, !this.res.destroyed);
    if (this.res.destroyed) return;
    if (json !== undefined) {
      const sid = this.transport.sessionId;
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': jsonLength(json),
      };
      if (sid) headers['Mcp-Session-Id'] = sid;
      this.res.writeHead(200, headers);
      if (typeof json === 'string') this.res.end(json);
      else {
        writeJson(this.res, json);
        this.res.end();
      }
    } else {
      if (!this.sse) {
        // closed before any answer: an empty JSON body would be invalid, send an SSE stream that just ends
        this.startSse();
      }
      this.res.end();
    }
  }
}
