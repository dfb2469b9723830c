/**
 * A bare MCP Streamable HTTP session for spec-level tests: JSON-RPC over fetch, answers read as
 * JSON or SSE (with event ids), no SDK in between.
 */
export interface RawAnswer {
  id?: number | string;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
  /** Notifications/requests that came on the same stream before the answer. */
  before: any[];
  /** SSE event ids seen on the stream. */
  eventIds: string[];
  status: number;
}

let nextId = 1;

export class RawSession {
  sessionId?: string;
  protocolVersion = '2025-11-25';

  constructor(
    readonly url: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async initialize(): Promise<RawAnswer> {
    const a = await this.request('initialize', {
      protocolVersion: this.protocolVersion,
      capabilities: { tasks: { list: {}, cancel: {} } },
      clientInfo: { name: 'raw', version: '0' },
    });
    await this.notify('notifications/initialized');
    return a;
  }

  private baseHeaders(): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': this.protocolVersion,
      ...(this.sessionId ? { 'Mcp-Session-Id': this.sessionId } : {}),
      ...this.headers,
    };
  }

  async notify(method: string, params?: object): Promise<number> {
    const res = await fetch(this.url, { method: 'POST', headers: this.baseHeaders(), body: JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }) });
    await res.arrayBuffer();
    return res.status;
  }

  /** Sends one request; resolves with its answer (and what came before it on an SSE stream). */
  async request(method: string, params?: object, init: { signal?: AbortSignal; onEvent?: (msg: any, id?: string) => void } = {}): Promise<RawAnswer> {
    const id = nextId++;
    const res = await fetch(this.url, {
      method: 'POST',
      headers: this.baseHeaders(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
      signal: init.signal,
    });
    const sid = res.headers.get('mcp-session-id');
    if (sid) this.sessionId = sid;
    return readAnswer(res, id, init.onEvent);
  }

  /** GET with Last-Event-ID: replays what a dropped stream missed, then goes on. */
  async resume(lastEventId: string, id: number | string | undefined, onEvent?: (msg: any, eventId?: string) => void, signal?: AbortSignal): Promise<RawAnswer> {
    const res = await fetch(this.url, {
      method: 'GET',
      headers: { ...this.baseHeaders(), Accept: 'text/event-stream', 'Last-Event-ID': lastEventId },
      signal,
    });
    return readAnswer(res, id, onEvent);
  }

  async close(): Promise<void> {
    if (!this.sessionId) return;
    await fetch(this.url, { method: 'DELETE', headers: this.baseHeaders() }).then((r) => r.arrayBuffer()).catch(() => undefined);
  }
}

async function readAnswer(res: Response, id: number | string | undefined, onEvent?: (msg: any, eventId?: string) => void): Promise<RawAnswer> {
  const type = res.headers.get('content-type') ?? '';
  const out: RawAnswer = { before: [], eventIds: [], status: res.status };
  if (!type.includes('text/event-stream')) {
    const text = await res.text();
    if (!text) return out;
    const body = JSON.parse(text);
    return { ...out, ...body };
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    buf += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let data = '';
      let eventId: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('data:')) data += line.slice(5).trimStart();
        else if (line.startsWith('id:')) eventId = line.slice(3).trim();
      }
      if (eventId) out.eventIds.push(eventId);
      if (!data) continue;
      const msg = JSON.parse(data);
      onEvent?.(msg, eventId);
      if (id !== undefined && msg.id === id && !('method' in msg)) {
        await reader.cancel().catch(() => undefined);
        return { ...out, ...msg };
      }
      out.before.push(msg);
    }
  }
}
