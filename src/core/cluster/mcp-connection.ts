import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { VERSION } from '../version';

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Connect/initialize timeout in ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  clientName?: string;
}

/** Opens one MCP session to a Streamable HTTP server. */
export async function connectMcp(url: string, opts: ConnectOptions = {}): Promise<Client> {
  const client = new Client(
    { name: opts.clientName ?? 'aop-client', version: VERSION },
    { capabilities: {} },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: opts.headers ?? {} },
  });
  await client.connect(transport, { timeout: opts.timeoutMs ?? 10_000, signal: opts.signal });
  return client;
}
