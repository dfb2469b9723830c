import { resolve } from 'node:path';
import { defaultTracesDir, TraceStore, type TraceQuery, formatTrace, writeOtlpFile, sendOtlp, readServerRuns, runsForFolder, runsNamed, serverLabel, type ServerRun } from '../core';
import { UsageError, optNumber, optString } from './usage';
import type { CliCommand } from './usage';
import { TRACES_SPEC } from './command-specs';

export const tracesCommand: CliCommand = {
  ...TRACES_SPEC,
  async run(values: Record<string, unknown>): Promise<number> {
    const dir = resolve(optString(values, 'dir') ?? defaultTracesDir());
    const status = optString(values, 'status');
    if (status !== undefined && status !== 'ok' && status !== 'error') throw new UsageError('--status must be ok or error');
    const last = optNumber(values, 'last') ?? 10;
    if (!Number.isInteger(last) || last < 1) throw new UsageError('--last must be a positive whole number');
    const sinceMin = optNumber(values, 'since');
    const store = await TraceStore.open({ dir, readOnly: true, maxTraces: 100_000 });
    const runs = readServerRuns(dir);
    const servers = selectServers(runs, optString(values, 'server'), optString(values, 'trace') !== undefined);
    const q: TraceQuery = {
      servers: servers?.ids,
      agent: optString(values, 'agent'),
      status: status as TraceQuery['status'],
      traceId: optString(values, 'trace'),
      since: sinceMin === undefined ? undefined : Date.now() - sinceMin * 60_000,
      limit: last,
    };
    const traces = store.query(q);
    if (servers && values.json !== true) process.stderr.write(`${servers.note}\n`);
    const otlp = optString(values, 'otlp');
    if (otlp) {
      await writeOtlpFile(resolve(otlp), traces);
      process.stderr.write(`aop traces: wrote ${traces.length} traces as OTLP/JSON to ${otlp}\n`);
    }
    const endpoint = optString(values, 'otlp-endpoint');
    if (endpoint) {
      await sendOtlp(endpoint, traces);
      process.stderr.write(`aop traces: sent ${traces.length} traces to ${endpoint}\n`);
    }
    if (values.json === true) {
      process.stdout.write(JSON.stringify(traces, null, 2) + '\n');
      return 0;
    }
    if (otlp || endpoint) return 0;
    if (traces.length === 0) {
      process.stdout.write(store.size === 0 ? `no traces in ${dir}\n` : 'no traces match\n');
      return 0;
    }
    const byId = new Map(runs.map((r) => [r.id, r]));
    const name = (id: string) => serverLabel(byId.get(id), id);
    // Oldest first, so the newest ends up next to the prompt.
    process.stdout.write(traces.reverse().map((t) => formatTrace(t, name)).join('\n\n') + '\n');
    return 0;
  },
};

/**
 * Which servers' traces to show: `--server all` → every one; `--server S` → those S names (an
 * unknown S is a usage error); by default the servers that served this folder, when any is known.
 */
function selectServers(
  runs: readonly ServerRun[],
  wanted: string | undefined,
  oneTrace: boolean,
): { ids: ReadonlySet<string>; note: string } | undefined {
  if (wanted === 'all' || (wanted === undefined && oneTrace)) return undefined;
  if (wanted !== undefined) {
    const named = runsNamed(runs, wanted);
    // A server id that never noted itself (an older aop) still filters by its id.
    if (named.length === 0) {
      if (/^[\w.-]+@[\w.:[\]-]+$/.test(wanted)) return { ids: new Set([wanted]), note: `traces of server ${wanted}` };
      const known = [...new Set(runs.map((r) => r.name))].join(', ');
      throw new UsageError(`no server "${wanted}" recorded traces here${known ? ` (known: ${known})` : ''}; "--server all" shows every server`);
    }
    return { ids: new Set(named.map((r) => r.id)), note: `traces of server ${wanted} (${named.length} run${named.length === 1 ? '' : 's'})` };
  }
  const here = runsForFolder(runs, process.cwd());
  if (here.length === 0) return undefined;
  return {
    ids: new Set(here.map((r) => r.id)),
    note: `traces of the servers that served this folder (${here.length} run${here.length === 1 ? '' : 's'}); --server all shows every server`,
  };
}
