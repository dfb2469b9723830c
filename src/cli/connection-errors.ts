import { closestMatch, socketCode } from '../core';

const SOCKET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there (connection refused); is the server running, and is the port right?',
  ECONNRESET: 'the server closed the connection',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  const m = /\(HTTP (\d{3})\)|\bHTTP (\d{3})\b/.exec(err instanceof Error ? err.message : String(err));
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** Why connecting to an MCP server at `url` failed, in the user's words. */
export function describeConnectError(url: string, err: unknown): string {
  const code = socketCode(err);
  if (code && SOCKET_PROBLEMS[code]) return `cannot reach ${url}: ${SOCKET_PROBLEMS[code]}`;
  if (/bad port/i.test(String((err as { cause?: { message?: unknown } } | null)?.cause?.message ?? ''))) {
    return `cannot reach ${url}: fetch refuses to use port ${new URL(url).port} (a port reserved for other protocols); use another port`;
  }
  const status = httpStatus(err);
  if (status === 401 || status === 403) {
    return `${url} refused the request (HTTP ${status}): it needs a token; pass --token or set $AOP_TOKEN`;
  }
  if (status === 404 || status === 405) {
    return `${url} is not an MCP endpoint (HTTP ${status}); AOP servers answer at /mcp, e.g. http://127.0.0.1:8000/mcp`;
  }
  if (status !== undefined) return `${url} answered HTTP ${status}: ${firstLine(err)}`;
  if (/timed? ?out/i.test(firstLine(err))) return `${url} did not answer in time (${firstLine(err)})`;
  return `cannot connect to ${url}: ${firstLine(err)}`;
}

/** "no agent `x` on <where>; did you mean `y`?" plus how to list what is there. */
export function unknownToolMessage(tool: string, where: string, available: readonly string[], listCommand: string): string {
  const suggestion = closestMatch(tool, available);
  const hint = suggestion ? `; did you mean \`${suggestion}\`?` : available.length ? '' : ' (it serves no tools)';
  return `no agent or tool \`${tool}\` on ${where}${hint}\n  list them with: ${listCommand}`;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}
