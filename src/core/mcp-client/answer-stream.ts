import type * as http from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { McpHttpError, isMessage } from './errors';
import { SseReader, type SseEvent } from './sse';
import type { StreamHost } from './stream-host';

type Deliver = (msg: JSONRPCMessage, isResponse: boolean) => void;
type Done = (err?: Error) => void;

/**
 * Reads the text/event-stream answer of a POST: delivers notifications and responses in order,
 * ends the send once every request of it is answered, and resumes an interrupted stream with
 * `Last-Event-ID` when the server gave event ids (SEP-1699).
 */
export function readAnswerStream(
  host: StreamHost,
  res: http.IncomingMessage,
  requestIds: RequestId[],
  status: number,
  done: Done,
  isSettled: () => boolean,
  tooLarge: () => void,
): void {
  res.setEncoding('utf8');
  const unanswered = new Set(requestIds);
  // The SDK Protocol handles notifications one microtask late but responses at once: a
  // response parsed in the same chunk as the progress before it would overtake it (and
  // the progress be dropped as "unknown token"). Such a response waits one macrotask.
  // (One socket read can emit several 'data' events synchronously, so "recent" is
  // measured in macrotasks, not chunks.)
  let notifiedRecently = false;
  let deferred: JSONRPCMessage[] | undefined;
  const flush = () => {
    const list = deferred ?? [];
    deferred = undefined;
    for (const x of list) host.deliver(x);
  };
  const deliver: Deliver = (msg, isResponse) => {
    if (deferred) deferred.push(msg);
    else if (isResponse && notifiedRecently) {
      deferred = [msg];
      setImmediate(flush);
    } else {
      if (!isResponse && !notifiedRecently) {
        notifiedRecently = true;
        setImmediate(() => (notifiedRecently = false));
      }
      host.deliver(msg);
    }
  };
  const reader = new SseReader((e) => {
    if (!take(host, e, unanswered, deliver, true)) return;
    // all answers are in; the server ends the stream, we need not wait for it
    if (unanswered.size === 0 && requestIds.length) done();
  }, host.maxResponseBytes);
  res.on('data', (c: string) => {
    if (isSettled()) return;
    if (!reader.push(c)) tooLarge();
  });
  // The stream ended before every answer: a server that gave event ids lets us resume it
  // with a GET carrying Last-Event-ID after its `retry` delay (SEP-1699); otherwise fail.
  let ended = false;
  const streamEnded = (err: McpHttpError) => {
    if (ended || isSettled()) return;
    ended = true;
    if (unanswered.size === 0) return done();
    if (reader.lastEventId !== undefined && !host.closed) {
      resume(host, reader, unanswered, deliver, done, err);
      return;
    }
    done(err);
  };
  res.on('end', () =>
    streamEnded(new McpHttpError(`MCP server at ${host.url.href} ended the response stream before answering`, status, 'ESTREAMEND')),
  );
  res.on('error', (e) => streamEnded(host.failure(e)));
  res.on('close', () =>
    streamEnded(new McpHttpError(`connection to MCP server at ${host.url.href} was lost before it answered`, status, 'ECONNRESET')),
  );
}

/** One event of an answer stream: true when it was a JSON-RPC message (and was delivered). */
function take(host: StreamHost, e: SseEvent, unanswered: Set<RequestId>, deliver: Deliver, reportBadJson: boolean): boolean {
  if (e.event !== 'message' || !e.data) return false;
  let msg: unknown;
  try {
    msg = JSON.parse(e.data);
  } catch {
    if (reportBadJson) host.report(new Error(`MCP server at ${host.url.href} sent an SSE event that is not JSON`));
    return false;
  }
  if (!isMessage(msg)) return false;
  const id = (msg as { id?: RequestId }).id;
  const isResponse = id !== undefined && !('method' in msg);
  if (isResponse) unanswered.delete(id);
  deliver(msg, isResponse);
  return true;
}

/**
 * Resumes an interrupted response stream (SEP-1699): waits the server's `retry` delay, then
 * GETs with `Last-Event-ID` and reads the rest of the answers there; at most 3 tries, each
 * needing a new event id. Gives up with `cause` (the original failure) otherwise.
 */
function resume(host: StreamHost, reader: SseReader, unanswered: Set<RequestId>, deliver: Deliver, done: Done, cause: McpHttpError, attempt = 1): void {
  const lastId = reader.lastEventId;
  const timer = setTimeout(() => {
    if (host.closed) return done(cause);
    const req = host.open('GET', host.streamHeaders({ Accept: 'text/event-stream', 'Last-Event-ID': lastId! }));
    let finished = false;
    const again = () => {
      if (finished) return;
      finished = true;
      host.untrack(req);
      req.destroy();
      if (unanswered.size === 0) return done();
      if (attempt < 3 && reader.lastEventId !== undefined && reader.lastEventId !== lastId && !host.closed) {
        resume(host, reader, unanswered, deliver, done, cause, attempt + 1);
      } else done(cause);
    };
    req.on('error', again);
    req.on('response', (res) => {
      if (res.statusCode !== 200 || !(res.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')) {
        res.resume();
        return again();
      }
      res.setEncoding('utf8');
      const next = new SseReader((e) => {
        if (e.id !== undefined) reader.lastEventId = e.id;
        take(host, e, unanswered, deliver, false);
        if (unanswered.size === 0 && !finished) {
          finished = true;
          host.untrack(req);
          req.destroy();
          done();
        }
      }, host.maxResponseBytes);
      res.on('data', (c: string) => {
        if (!next.push(c)) return again();
        if (next.retryMs !== undefined) reader.retryMs = next.retryMs;
      });
      res.on('end', again);
      res.on('error', again);
      res.on('close', again);
    });
    req.end();
  }, Math.min(reader.retryMs ?? 1_000, 30_000));
  timer.unref?.();
}

