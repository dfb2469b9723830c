import { formatDuration, formatTimestamp } from '../../shared/format';
import { oneLine } from '../../shared/text';
import type { SpanRecord, TraceRecord } from './types';

const DETAIL_KEYS = [
  'gen_ai.response.model',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'aop.model.first_token_ms',
  'aop.backoff.delay_ms',
  'aop.remote.server',
  'url.full',
  'aop.tool.arguments',
  'aop.tool.result',
];
const SHORT: Record<string, string> = {
  'gen_ai.response.model': 'model',
  'gen_ai.usage.input_tokens': 'in',
  'gen_ai.usage.output_tokens': 'out',
  'aop.model.first_token_ms': 'first token ms',
  'aop.backoff.delay_ms': 'delay ms',
  'aop.remote.server': 'server',
  'url.full': 'url',
  'aop.tool.arguments': 'args',
  'aop.tool.result': 'result',
};

function spanLine(s: SpanRecord, showServer: boolean): string {
  const dur = s.endMs ? formatDuration(s.endMs - s.startMs) : 'open';
  const status =
    s.status.code === 'error' ? `  ERROR${s.status.message ? ` ${oneLine(s.status.message, 120)}` : ''}` : s.status.code === 'ok' ? '  ok' : '';
  const details = DETAIL_KEYS.filter((k) => s.attributes[k] !== undefined).map((k) => `${SHORT[k]}=${oneLine(String(s.attributes[k]), 60)}`);
  const server = showServer ? `  @${s.server}` : '';
  return `${s.name}  ${dur}${status}${details.length ? `  (${details.join(', ')})` : ''}${server}`;
}

/** A trace as an indented span tree with durations and status. */
export function formatTrace(t: TraceRecord, serverName?: (id: string) => string): string {
  const byParent = new Map<string | undefined, SpanRecord[]>();
  const ids = new Set(t.spans.map((s) => s.spanId));
  for (const s of t.spans) {
    const key = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    const list = byParent.get(key);
    if (list) list.push(s);
    else byParent.set(key, [s]);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.startMs - b.startMs);
  const showServer = t.servers.length > 1;
  const header =
    `${formatTimestamp(t.startMs)}  ${t.agent ?? t.root.name}  ${t.status === 'error' ? 'ERROR' : t.status}  ` +
    `${formatDuration(t.durationMs)}  trace ${t.traceId}${serverName ? `  server ${serverName(t.root.server)}` : ''}`;
  const lines = [header];
  const task = t.root.attributes['aop.input.task'];
  if (typeof task === 'string') lines.push(`  task: ${oneLine(task, 100)}`);
  const walk = (s: SpanRecord, prefix: string, last: boolean, top: boolean) => {
    lines.push(top ? `  ${spanLine(s, showServer)}` : `  ${prefix}${last ? '└─ ' : '├─ '}${spanLine(s, showServer)}`);
    const kids = byParent.get(s.spanId) ?? [];
    const next = top ? '' : prefix + (last ? '   ' : '│  ');
    kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
  };
  const roots = byParent.get(undefined) ?? [];
  for (const r of roots) walk(r, '', true, true);
  return lines.join('\n');
}
