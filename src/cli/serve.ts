import { resolve } from 'node:path';
import { formatDiagnostic, loadClusterFile, AopHost, type HostCluster, TraceStore, defaultTracesDir, recordServerRun, ChildRegistry } from '../core';
import { existingPaths, optList, optNumber, optPort, optString } from './usage';
import { cliAuth } from './cli-auth';
import { oauthResourceFrom } from './serve-auth';
import type { CliCommand } from './usage';
import { readServeLimits } from './serve-limits';
import { announce, registryPlan } from './registry-options';
import { SERVE_SPEC } from './command-specs';

/** Agents named one per line at start-up; past this, a count. */
const LISTED_AGENTS = 20;

export const serveCommand: CliCommand = {
  ...SERVE_SPEC,
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    const roots = existingPaths(positionals);
    const port = optPort(values) ?? 8000;
    const stdio = values.stdio === true;
    // In stdio mode stdout carries the protocol: everything human goes to stderr.
    const say = (line: string) => process.stderr.write(line + '\n');
    const registry = registryPlan(values, { stdio, host: optString(values, 'host') ?? '127.0.0.1' });
    const oauth = oauthResourceFrom(values);
    const token = oauth ? undefined : optString(values, 'token') ?? process.env.AOP_TOKEN;
    const caps = readServeLimits(values);
    // Command agents a killed server left behind are reaped before this one starts any.
    const { registry: children, reaped } = ChildRegistry.start(caps.runDir);
    if (reaped) say(`aop: stopped ${reaped} command agent process group(s) left by a server that did not shut down`);
    process.once('exit', () => children.dispose());
    const tracesDir = resolve(optString(values, 'traces-dir') ?? defaultTracesDir());
    const traceStore = await TraceStore.open({
      dir: tracesDir,
      onError: (err) => say(`[warn] cannot record traces: ${err instanceof Error ? err.message : String(err)}`),
    });
    process.once('exit', () => traceStore.flushSync());
    const clusters: HostCluster[] = [];
    for (const file of optList(values, 'cluster')) {
      clusters.push({ config: await loadClusterFile(file), options: { auth: cliAuth(), registry: { log: (level, message) => say(`[${level}] ${message}`) } } });
    }
    const host = new AopHost(
      {
        roots,
        defaultProvider: 'openai',
        watch: values['no-watch'] !== true,
        listen: stdio ? 'stdio' : 'http',
        models: { env: process.env, maxCommandOutputBytes: caps.maxCommandOutputBytes },
        server: {
          otlpEndpoint:
            optString(values, 'otlp-endpoint') ??
            (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined),
          name: optString(values, 'name') ?? 'aop',
          host: optString(values, 'host') ?? '127.0.0.1',
          port,
          maxHops: optNumber(values, 'max-hops'),
          toolsPageSize: optNumber(values, 'tools-page-size'),
          token: token || undefined,
          oauth,
          allowedHosts: optList(values, 'allowed-host'),
          allowedOrigins: optList(values, 'allowed-origin'),
          limits: caps.limits,
          maxBodyBytes: caps.maxBodyBytes,
          maxSessions: caps.maxSessions,
          captureTraceContent: caps.captureTraceContent,
        },
        clusters,
      },
      {
        traceStore,
        logger: (level, message) => {
          if (level !== 'debug') say(`[${level}] ${message}`);
        },
      },
    );
    host.on('diagnostics', (_file, diags) => {
      for (const d of diags) say(formatDiagnostic(d));
    });
    host.on('cluster', (cluster, change, h) => {
      if (change === 'health' && h?.status === 'down') say(`[warn] cluster ${cluster.name}: ${h.url} is down: ${h.lastError ?? 'unknown error'}`);
    });
    let announcement: Awaited<ReturnType<typeof announce>> | undefined;
    const shutdown = async () => {
      await announcement?.close();
      await host.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    const server = await host.start();
    for (const d of host.diagnostics()) say(formatDiagnostic(d));
    if (stdio) {
      say(`aop: serving ${server.agents().length} agents on stdio`);
      return 0;
    }
    const url = server.url!;
    try {
      recordServerRun(tracesDir, { id: server.tracing.tracer.server, name: server.name, url, roots, pid: process.pid, startedAt: Date.now() });
    } catch (err) {
      say(`[warn] cannot note this server in ${tracesDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (registry) announcement = await announce(server, registry, url, say);
    for (const c of host.clusters()) {
      const n = c.registry?.size ?? 0;
      say(`aop: cluster ${c.name}: ${n} remote tools re-exported as ${c.alias}__<tool> (${c.health().filter((h) => h.status === 'up').length}/${c.servers.length} servers up)`);
    }
    say(`aop: serving ${server.agents().length} agents at ${url}${token ? ' (token required)' : oauth ? ' (sign-in required: MCP authorization)' : ''}`);
    const agents = server.agents();
    for (const a of agents.slice(0, LISTED_AGENTS)) say(`  ${a.name.padEnd(24)} ${a.provider.padEnd(8)} ${a.description}`);
    if (agents.length > LISTED_AGENTS) say(`  … and ${agents.length - LISTED_AGENTS} more (aop discover ${url} lists them all)`);
    say(`aop: A2A agent cards at ${url.replace(/\/mcp$/, '')}/.well-known/agent-card.json and /a2a/<agent>/.well-known/agent-card.json`);
    say('Press Ctrl+C to stop.');
    return 0;
  },
};
