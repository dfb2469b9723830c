import { resolve } from 'node:path';
import { defaultTracesDir } from '../core/tracing/paths';
import { TraceStore, type TraceQuery } from '../core/tracing/store';
import { formatTrace } from '../core/tracing/format';
import { writeOtlpFile, sendOtlp } from '../core/tracing/otlp';
import { UsageError, optNumber, optString } from './usage';
import type { CliCommand } from './usage';

export const tracesCommand: CliCommand = {
  summary: 'Show the last agent invocations a server recorded, as span trees (or export OTLP/JSON)',
  usage: 'aop traces [--dir D] [--agent A] [--last N] [--status ok|error] [--trace ID] [--otlp out.json] [--json]',
  options: {
    dir: { type: 'string', description: `Traces folder (default: $AOP_TRACES_DIR or ${defaultTracesDir()})` },
    agent: { type: 'string', short: 'a', description: 'Only calls of this agent' },
    last: { type: 'string', short: 'n', description: 'How many traces, newest first (default 10)' },
    status: { type: 'string', description: 'Only ok or error calls' },
    trace: { type: 'string', description: 'One trace by id (or id prefix)' },
    since: { type: 'string', description: 'Only calls that started in the last N minutes' },
    otlp: { type: 'string', description: 'Write the selected traces as OTLP/JSON to this file' },
    'otlp-endpoint': { type: 'string', description: 'Send the selected traces to this OTLP/HTTP endpoint' },
    json: { type: 'boolean', description: 'Print the traces as JSON (our span records)' },
  },
  async run(values: Record<string, unknown>): Promise<number> {
    const dir = resolve(optString(values, 'dir') ?? defaultTracesDir());
    const status = optString(values, 'status');
    if (status !== undefined && status !== 'ok' && status !== 'error') throw new UsageError('--status must be ok or error');
    const last = optNumber(values, 'last') ?? 10;
    if (!Number.isInteger(last) || last < 1) throw new UsageError('--last must be a positive whole number');
    const sinceMin = optNumber(values, 'since');
    const store = await TraceStore.open({ dir, readOnly: true, maxTraces: 100_000 });
    const q: TraceQuery = {
      agent: optString(values, 'agent'),
      status: status as TraceQuery['status'],
      traceId: optString(values, 'trace'),
      since: sinceMin === undefined ? undefined : Date.now() - sinceMin * 60_000,
      limit: last,
    };
    const traces = store.query(q);
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
    // Oldest first, so the newest ends up next to the prompt.
    process.stdout.write(traces.reverse().map(formatTrace).join('\n\n') + '\n');
    return 0;
  },
};
