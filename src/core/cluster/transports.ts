import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { NodeHttpClientTransport } from './http-client-transport';
import type { TransportFactory } from './server-connection';

/**
 * Streamable HTTP through our Node-native client transport (keep-alive pool, JSON fast path;
 * see bench/NOTES.md), with MCP authorization when `auth` is given; `sse` for servers that only
 * speak the old HTTP+SSE transport (no OAuth there: give such a server a token header).
 */
export const defaultTransportFactory: TransportFactory = async (url, headers, kind, auth): Promise<Transport> => {
  if (kind === 'sse') {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    return new SSEClientTransport(url, {
      requestInit: { headers },
      eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
  }
  return new NodeHttpClientTransport(url, { headers, auth });
};
