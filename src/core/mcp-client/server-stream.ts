import type * as http from 'node:http';
import { McpHttpError, isMessage, tooLargeError } from './errors';
import { SseReader } from './sse';
import type { StreamHost } from './stream-host';

/**
 * The GET stream for server-initiated messages (tools/list_changed…) of a Streamable HTTP
 * session: 405 means the server offers none; a dropped stream is reopened with backoff (at most
 * 3 tries in a row; a stream that delivered data resets the count). Does not keep the process alive.
 */
export class ServerStream {
  private req?: http.ClientRequest;
  private retry?: NodeJS.Timeout;

  constructor(private readonly host: StreamHost) {}

  open(attempt = 0): void {
    const host = this.host;
    if (host.closed || this.req) return;
    const req = host.open('GET', host.streamHeaders({ Accept: 'text/event-stream' }));
    host.untrack(req); // closed by `close()`, not with the sends
    this.req = req;
    let gotData = false;
    const ended = (err?: Error) => {
      if (this.req !== req) return;
      this.req = undefined;
      if (host.closed) return;
      if (err) host.report(err);
      // reconnect with backoff (a working stream resets the count)
      const n = gotData ? 0 : attempt + 1;
      if (n > 3) return;
      this.retry = setTimeout(() => this.open(n), Math.min(1000 * 2 ** n, 10_000));
      this.retry.unref();
    };
    req.on('error', (err: NodeJS.ErrnoException) => ended(host.closed ? undefined : host.failure(err)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status === 405) {
        // the server offers no GET stream
        res.resume();
        this.req = undefined;
        return;
      }
      if (status !== 200) {
        res.resume();
        this.req = undefined;
        if (!host.closed) host.report(new McpHttpError(`MCP server at ${host.url.href} refused the notification stream (HTTP ${status})`, status));
        return;
      }
      res.setEncoding('utf8');
      // a long-lived stream must not keep the process alive
      res.socket?.unref();
      const reader = new SseReader((e) => {
        gotData = true;
        if (e.event !== 'message' || !e.data) return;
        try {
          const msg = JSON.parse(e.data);
          if (isMessage(msg)) host.deliver(msg);
        } catch {
          host.report(new Error(`MCP server at ${host.url.href} sent an SSE event that is not JSON`));
        }
      }, host.maxResponseBytes);
      res.on('data', (c: string) => {
        gotData = true;
        if (!reader.push(c)) {
          ended(host.failure(tooLargeError()));
          req.destroy();
        }
      });
      res.on('end', () => ended());
      res.on('error', () => ended());
    });
    req.end();
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry);
    const req = this.req;
    this.req = undefined;
    req?.destroy();
  }
}
