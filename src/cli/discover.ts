import { nowMs, type ServerHealth, type RegistryViewStatus } from '../core';
import { formatDuration } from '../shared/format';
import { clusterFrom } from './cluster-options';
import type { CliCommand } from './usage';
import { optList, optString, parseHeaders } from './usage';
import { DISCOVER_SPEC } from './command-specs';

export const discoverCommand: CliCommand = {
  ...DISCOVER_SPEC,
  async run(values, positionals) {
    const headers = parseHeaders(optList(values, 'header'));
    const token = optString(values, 'token') ?? process.env.AOP_TOKEN;
    if (token) headers.Authorization = `Bearer ${token}`;
    const cluster = await clusterFrom(optString(values, 'cluster'), positionals, headers);
    try {
      const t0 = nowMs();
      const registry = await cluster.discover();
      const ms = nowMs() - t0;
      const query = optString(values, 'search');
      const entries = query ? registry.search(query) : registry.entries();
      const health = cluster.health();
      const reg = cluster.registryStatus();
      if (values.json === true) {
        process.stdout.write(
          JSON.stringify(
            {
              cluster: cluster.name,
              discovery_ms: Math.round(ms * 10) / 10,
              ...(reg ? { registry: reg } : {}),
              servers: health,
              tools: entries.map((e) => ({
                name: e.name,
                description: e.description,
                agent: e.isAgent,
                tags: e.tags,
                capabilities: e.capabilities,
                servers: e.replicas.map((r) => r.serverId),
              })),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        process.stdout.write(`cluster ${cluster.name}: ${health.length} servers, ${registry.size} tools, discovered in ${ms.toFixed(0)} ms\n`);
        if (reg) process.stdout.write(registryLine(reg) + '\n');
        process.stdout.write('\n');
        process.stdout.write(table(['SERVER', 'STATUS', 'LATENCY', 'AGENTS', 'BREAKER', 'ERROR'], health.map(serverRow)) + '\n\n');
        for (const h of health) for (const w of h.warnings ?? []) process.stdout.write(`warning: ${h.name}: ${w}\n`);
        if (health.some((h) => h.warnings?.length)) process.stdout.write('\n');
        process.stdout.write(
          table(
            ['TOOL', 'REPLICAS', 'DESCRIPTION'],
            entries.map((e) => [e.name, e.replicas.map((r) => r.serverId).join(', '), firstLine(e.description, 70)]),
          ) + '\n',
        );
      }
      return health.some((h) => h.status === 'down') || reg?.stale ? 1 : 0;
    } finally {
      await cluster.close();
    }
  },
};

/** `registry etcd://…: 5 members` — or STALE with why, when etcd cannot be reached. */
export function registryLine(r: RegistryViewStatus): string {
  const base = `registry ${r.url}: ${r.members} member(s)`;
  if (!r.stale) return base;
  const since = r.staleSince ? ` since ${new Date(r.staleSince).toISOString()}` : '';
  return `${base} — STALE${since}: ${r.lastError ?? 'etcd unreachable'} (showing the last membership seen)`;
}

function serverRow(h: ServerHealth): string[] {
  return [
    h.url,
    h.status,
    h.latencyP50Ms === undefined ? '-' : formatDuration(h.latencyP50Ms),
    String(h.agentCount),
    h.breaker,
    // The SERVER column already names the URL: leave it out of the error, so the reason is never cut off.
    h.lastError ? firstLine(h.lastError.split(` at ${h.url}`).join(' there').split(h.url).join('this server'), 100) : '',
  ];
}

function firstLine(s: string, max: number): string {
  const line = s.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}
