import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { TransportFactory } from './server-connection';

/**
 * Streamable HTTP through the SDK client transport; `sse` for servers that only speak the old
 * HTTP+SSE transport.
 */
export const defaultTransportFactory: TransportFactory = async (url, headers, kind): Promise<Transport> => {
  if (kind === 'sse') {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    return new SSEClientTransport(url, { requestInit: { headers }, eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) } });
  }
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  return new StreamableHTTPClientTransport(url, { requestInit: { headers } });
};
