import { resolve } from 'node:path';
import { AgentCatalog } from '../core/agents/catalog';
import { formatDiagnostic } from '../core/agents/definition';
import { createModelResolver } from '../core/models/resolver';
import { AopServer } from '../core/server/aop-server';
import { bindCatalog } from '../core/server/catalog-binding';
import { optList, optNumber, optString } from './usage';
import type { CliCommand } from './usage';

export const serveCommand: CliCommand = {
  summary: 'Serve the agents of folders or files as MCP tools (Streamable HTTP or stdio)',
  usage: 'aop serve [paths…] [--port 8000] [--host 127.0.0.1] [--token T] [--stdio] [--name N]',
  options: {
    port: { type: 'string', short: 'p', description: 'Port to listen on (default 8000; 0 = any free port)' },
    host: { type: 'string', description: 'Address to bind (default 127.0.0.1; others need --token)' },
    token: { type: 'string', description: 'Bearer token clients must send (default: $AOP_TOKEN)' },
    'allowed-host': { type: 'string', multiple: true, description: 'Extra Host header value to accept (repeatable)' },
    'allowed-origin': { type: 'string', multiple: true, description: 'Extra Origin to accept (repeatable)' },
    name: { type: 'string', description: 'Server name shown to clients (default "aop")' },
    stdio: { type: 'boolean', description: 'Serve MCP on stdin/stdout instead of HTTP' },
    'no-watch': { type: 'boolean', description: 'Do not reload agent files when they change' },
  },
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    const roots = (positionals.length ? positionals : ['.']).map((p) => resolve(p));
    const stdio = values.stdio === true;
    // In stdio mode stdout carries the protocol: everything human goes to stderr.
    const say = (line: string) => process.stderr.write(line + '\n');
    const catalog = new AgentCatalog({ roots, defaultProvider: 'openai' });
    await catalog.load();
    catalog.on('diagnostics', (_file: string, diags: import('../core/agents/definition').AgentDiagnostic[]) => {
      for (const d of diags) say(formatDiagnostic(d));
    });
    for (const diags of catalog.diagnostics().values()) for (const d of diags) say(formatDiagnostic(d));
    const token = optString(values, 'token') ?? process.env.AOP_TOKEN;
    const server = new AopServer({
      name: optString(values, 'name') ?? 'aop',
      host: optString(values, 'host') ?? '127.0.0.1',
      port: optNumber(values, 'port') ?? 8000,
      token: token || undefined,
      allowedHosts: optList(values, 'allowed-host'),
      allowedOrigins: optList(values, 'allowed-origin'),
      models: createModelResolver({ env: process.env }),
      logger: (level, message) => {
        if (level !== 'debug') say(`[${level}] ${message}`);
      },
    });
    bindCatalog(server, catalog);
    if (values['no-watch'] !== true) catalog.watch();
    const shutdown = async () => {
      catalog.dispose();
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    if (stdio) {
      await server.serveStdio();
      say(`aop: serving ${server.agents().length} agents on stdio`);
      return 0;
    }
    const { url } = await server.listen();
    say(`aop: serving ${server.agents().length} agents at ${url}${token ? ' (token required)' : ''}`);
    for (const a of server.agents()) say(`  ${a.name.padEnd(24)} ${a.provider.padEnd(8)} ${a.description}`);
    say('Press Ctrl+C to stop.');
    return 0;
  },
};
