import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectMcp } from '../core/cluster/mcp-connection';
import { UsageError, optList, optString, parseHeaders } from './usage';
import type { CliCommand } from './usage';

export const discoverCommand: CliCommand = {
  summary: 'List the agents of one or more AOP servers',
  usage: 'aop discover <url…> [--token T] [--json]',
  options: {
    token: { type: 'string', description: 'Bearer token (default: $AOP_TOKEN)' },
    header: { type: 'string', short: 'H', multiple: true, description: 'Extra HTTP header "Name: value"' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    if (positionals.length === 0) throw new UsageError('needs at least one server URL');
    const headers = parseHeaders(optList(values, 'header'));
    const token = optString(values, 'token') ?? process.env.AOP_TOKEN;
    if (token) headers.Authorization = `Bearer ${token}`;
    const results = await Promise.all(
      positionals.map(async (url) => {
        try {
          const client = await connectMcp(url, { headers, timeoutMs: 5000 });
          try {
            const { tools } = await client.listTools();
            return { url, ok: true as const, tools: tools.map((t) => ({ name: t.name, description: t.description ?? '' })) };
          } finally {
            await client.close().catch(() => {});
          }
        } catch (err) {
          return { url, ok: false as const, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    if (values.json === true) {
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    } else {
      for (const r of results) {
        process.stdout.write(`${r.url}  ${r.ok ? `up, ${r.tools.length} tools` : `down: ${r.error}`}\n`);
        if (r.ok) for (const t of r.tools) process.stdout.write(`  ${t.name.padEnd(28)} ${t.description.split('\n')[0]}\n`);
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
export type { CallToolResult };
