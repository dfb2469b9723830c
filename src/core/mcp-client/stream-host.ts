import type * as http from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpHttpError } from './errors';

/** What the SSE readers of a transport (answer streams, the GET stream) need from it. */
export interface StreamHost {
  readonly url: URL;
  readonly maxResponseBytes: number;
  readonly closed: boolean;
  /** Headers of a GET on the session's stream (auth, session id, protocol version) plus `extra`. */
  streamHeaders(extra?: Record<string, string>): Record<string, string>;
  /** A request on the transport's pool (tracked: `close()` aborts it). */
  open(method: 'GET' | 'POST' | 'DELETE', headers: Record<string, string>): http.ClientRequest;
  untrack(req: http.ClientRequest): void;
  deliver(message: JSONRPCMessage): void;
  /** A failure outside any send (the SDK's `onerror`). */
  report(error: Error): void;
  /** A socket or local error in the user's words. */
  failure(err: NodeJS.ErrnoException): McpHttpError;
}
