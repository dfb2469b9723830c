import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** An HTTP-level failure: `status` is the HTTP status (0 when the server was not reached). */
export class McpHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(message);
    this.name = 'McpHttpError';
  }
}

/** A socket or local failure (`ECONNREFUSED`, `ETIMEDOUT`, our own `ETOOLARGE`…) in the user's words. */
export function socketFailure(err: NodeJS.ErrnoException, url: URL, limits: { timeoutMs?: number; maxResponseBytes: number }): McpHttpError {
  const where = url.href;
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new McpHttpError(`MCP server at ${where} is not reachable (${err.message})`, 0, err.code);
    case 'ECONNRESET':
    case 'EPIPE':
      return new McpHttpError(`connection to MCP server at ${where} was lost before it answered (${err.message})`, 0, err.code);
    case 'ETIMEDOUT':
      return new McpHttpError(`MCP server at ${where} did not answer within ${limits.timeoutMs} ms`, 0, err.code);
    case 'ETOOLARGE':
      return new McpHttpError(
        `MCP server at ${where} sent a response larger than ${limits.maxResponseBytes} bytes (max_response_bytes); the call failed`,
        0,
        err.code,
      );
    default:
      return new McpHttpError(`request to MCP server at ${where} failed: ${err.message}`, 0, err.code);
  }
}

/** The local error for an answer past the size cap (`socketFailure` words it). */
export function tooLargeError(): NodeJS.ErrnoException {
  const e = new Error('response too large') as NodeJS.ErrnoException;
  e.code = 'ETOOLARGE';
  return e;
}

/**
 * A non-2xx answer: the JSON-RPC error message when the body has one, else the body's start;
 * the request's own bearer token is cut out of it (a server may echo it).
 */
export function httpStatusError(
  url: URL,
  status: number,
  text: string,
  opts: { authorization?: string; sessionId?: string; wwwAuthenticate?: string },
): McpHttpError {
  let detail = text.trim();
  const token = /^\S+\s+(\S{4,})$/.exec(opts.authorization ?? '')?.[1];
  if (token) detail = detail.split(token).join('[redacted]');
  try {
    const j = JSON.parse(text) as { error?: { message?: string } };
    if (j?.error?.message) detail = j.error.message;
  } catch {
    /* not JSON */
  }
  const what =
    status === 404 && opts.sessionId
      ? `MCP session ${opts.sessionId} is not known to ${url.href} (expired or closed): ${detail}`
      : status === 401
        ? `MCP server at ${url.href} refused the credentials (401): ${detail}`
        : `MCP server at ${url.href} answered HTTP ${status}: ${detail}`;
  return new McpHttpError(what, status, undefined, opts.wwwAuthenticate);
}

export function isMessage(m: unknown): m is JSONRPCMessage {
  return m !== null && typeof m === 'object' && (m as { jsonrpc?: unknown }).jsonrpc === '2.0';
}

/** The socket error code (`ECONNREFUSED`…) of an error or of the errors that caused it (fetch wraps them). */
export function socketCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failed connection or call in a few words, for health reports and messages. */
export function describeError(err: unknown, url: string): string {
  const e = err as { cause?: { code?: string }; message?: string };
  const code = socketCode(err);
  if (code === 'ECONNREFUSED') return `connection refused: nothing listens at ${url}`;
  if (code === 'ENOTFOUND') return `host not found: ${url}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset by ${url}`;
  const message = e?.message ?? String(err);
  if (/fetch failed/.test(message) && e?.cause && (e.cause as Error).message) return `${(e.cause as Error).message} (${url})`;
  return message;
}

/**
 * A JSON-RPC error answer or a local request failure of an MCP session, worded like the SDK's
 * McpError (`MCP error <code>: <message>`) so callers read both alike (`code`: -32601 unknown
 * method, -32602 bad params, -32001 timed out, -32000 connection closed…).
 */
export class McpRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`MCP error ${code}: ${message}`);
    this.name = 'McpError';
  }
}
