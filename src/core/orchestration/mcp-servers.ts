import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerSpec } from '../agents/definition';
import { connectMcp } from '../mcp-client';
import { envLookup, expandHeaders, type SecretLookup } from '../cluster/config';
import { VERSION } from '../version';

/** Tools one declared server lists; more are cut (a chat model sees at most 128 tools). */
const MAX_TOOLS_PER_SERVER = 64;

export interface OpenMcpServer {
  alias: string;
  client: Client;
  tools: Tool[];
}

/**
 * Opens the MCP servers an agent file declares under `mcp_servers:` for one invocation (closed
 * with it: a stdio server is a child process that must not outlive the call). Stdio servers get
 * the SDK's minimal environment plus the file's `env`; header values may use `${env:NAME}`.
 */
export async function openMcpServers(
  specs: Record<string, McpServerSpec>,
  aliases: readonly string[],
  opts: { cwd?: string; signal?: AbortSignal; timeoutMs?: number; lookup?: SecretLookup },
): Promise<OpenMcpServer[]> {
  const opened: OpenMcpServer[] = [];
  try {
    for (const alias of aliases) {
      const spec = specs[alias];
      if (!spec) throw new Error(`tools: no server \`${alias}\` under mcp_servers`);
      const client = await connect(alias, spec, opts);
      const entry: OpenMcpServer = { alias, client, tools: [] };
      opened.push(entry);
      const { tools } = await client.listTools(undefined, { signal: opts.signal, timeout: opts.timeoutMs ?? 15_000 });
      entry.tools = tools.slice(0, MAX_TOOLS_PER_SERVER);
    }
    return opened;
  } catch (err) {
    await closeMcpServers(opened);
    throw err;
  }
}

async function connect(
  alias: string,
  spec: McpServerSpec,
  opts: { cwd?: string; signal?: AbortSignal; timeoutMs?: number; lookup?: SecretLookup },
): Promise<Client> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  try {
    if ('url' in spec) {
      const headers = expandHeaders(spec.headers, opts.lookup ?? envLookup());
      // `type: sse` is the old HTTP+SSE transport; `http` / `streamable-http` only Streamable HTTP; none: try both
      const transport = spec.type === 'sse' ? 'sse' : spec.type ? 'streamable-http' : 'auto';
      return await connectMcp(spec.url, { headers, timeoutMs, signal: opts.signal, clientName: 'aop-agent', transport });
    }
    const { StdioClientTransport, getDefaultEnvironment } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const transport = new StdioClientTransport({
      command: spec.command,
      args: spec.args ?? [],
      env: { ...getDefaultEnvironment(), ...(spec.env ?? {}) },
      cwd: opts.cwd,
      stderr: 'ignore',
    });
    const client = new Client({ name: 'aop-agent', version: VERSION }, { capabilities: {} });
    await client.connect(transport, { timeout: timeoutMs, signal: opts.signal });
    return client;
  } catch (err) {
    const what = 'url' in spec ? spec.url : [spec.command, ...(spec.args ?? [])].map((a) => path.basename(a)).join(' ');
    throw new Error(`MCP server \`${alias}\` (${what}) could not be started: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function closeMcpServers(servers: readonly OpenMcpServer[]): Promise<void> {
  await Promise.allSettled(servers.map((s) => s.client.close()));
}
