/**
 * Span fixtures for the Traces webview: the README's retried remote call, a list of invocations in
 * every state, and a 10,000-span federated trace (bench). Deterministic (seeded).
 */
import type { SpanRecord } from '../../src/core/tracing/types';
import { toSummary } from '../../src/extension/trace-feed';
import type { TraceDetail, TraceSummary } from '../../src/shared/trace-protocol';

let seq = 0;
function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}
function spanId(): string {
  return hex(++seq * 2654435761, 8) + hex(seq, 8);
}
export function traceId(k: number): string {
  return hex(k * 40503 + 0xc0ffee, 16) + hex(k * 2246822519, 16);
}

type SpanInit = Omit<SpanRecord, 'traceId' | 'spanId' | 'kind' | 'status' | 'attributes' | 'server'> & SpanInitExtra;
interface SpanInitExtra {
  kind?: SpanRecord['kind'];
  status?: SpanRecord['status'];
  attributes?: SpanRecord['attributes'];
  server?: string;
}

function mk(trace: string, p: SpanInit): SpanRecord {
  return {
    traceId: trace,
    spanId: spanId(),
    ...(p.parentSpanId ? { parentSpanId: p.parentSpanId } : {}),
    name: p.name,
    kind: p.kind ?? 'internal',
    startMs: p.startMs,
    endMs: p.endMs,
    status: p.status ?? { code: 'unset' },
    attributes: p.attributes ?? {},
    ...(p.events ? { events: p.events } : {}),
    server: p.server ?? 'local',
  };
}

const ERR503 = 'error from model server at http://127.0.0.1:37553/v1 (HTTP 503): fake error 503';

/**
 * One invocation on `server` under `parent`: validate, attempt(s) with a model call, backoff between.
 * `failures`: attempts that fail before the last one succeeds (`fail` = the last one fails too).
 */
export function invocation(
  trace: string,
  o: { agent: string; task: string; server: string; start: number; parent?: string; failures?: number; fail?: boolean; open?: boolean; output?: string },
): SpanRecord[] {
  const spans: SpanRecord[] = [];
  const failures = o.failures ?? 0;
  let t = o.start;
  const root = mk(trace, {
    name: `aop.invoke ${o.agent}`,
    kind: 'server',
    parentSpanId: o.parent,
    startMs: t,
    endMs: 0,
    server: o.server,
    attributes: { 'aop.agent': o.agent, 'aop.input.task': o.task, 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai' },
  });
  spans.push(root);
  spans.push(mk(trace, { name: 'aop.validate', parentSpanId: root.spanId, startMs: t + 0.2, endMs: t + 1.6, server: o.server, status: { code: 'ok' } }));
  t += 1.8;
  const attempts = failures + 1;
  for (let a = 1; a <= attempts; a++) {
    const failed = a < attempts || !!o.fail;
    const last = a === attempts;
    const open = last && !!o.open;
    const dur = 180 + ((a * 37) % 60);
    const attempt = mk(trace, {
      name: `aop.attempt ${a}`,
      parentSpanId: root.spanId,
      startMs: t,
      endMs: open ? 0 : t + dur,
      server: o.server,
      status: open ? { code: 'unset' } : failed ? { code: 'error', message: ERR503 } : { code: 'ok' },
      attributes: { 'aop.attempt': a },
      ...(failed && !open ? { events: [{ name: 'exception', timeMs: t + dur - 0.5, attributes: { 'exception.type': 'ModelError', 'exception.message': ERR503 } }] } : {}),
    });
    spans.push(attempt);
    spans.push(
      mk(trace, {
        name: 'aop.model',
        kind: 'client',
        parentSpanId: attempt.spanId,
        startMs: t + 0.4,
        endMs: open ? 0 : t + dur - 0.3,
        server: o.server,
        status: open ? { code: 'unset' } : failed ? { code: 'error', message: ERR503 } : { code: 'ok' },
        attributes: {
          'gen_ai.request.model': 'fake-model',
          ...(failed ? {} : { 'gen_ai.response.model': 'fake-model', 'gen_ai.usage.input_tokens': 46, 'gen_ai.usage.output_tokens': 5, 'aop.model.first_token_ms': dur * 0.8 }),
        },
        ...(failed || open ? {} : { events: [{ name: 'gen_ai.first_token', timeMs: t + dur * 0.8 }] }),
      }),
    );
    t += dur;
    if (!last) {
      const delay = 19 * a;
      spans.push(
        mk(trace, {
          name: 'aop.backoff',
          parentSpanId: root.spanId,
          startMs: t + 0.1,
          endMs: t + delay + 7,
          server: o.server,
          attributes: { 'aop.retry.attempt': a, 'aop.backoff.delay_ms': delay },
        }),
      );
      t += delay + 7.2;
    }
  }
  if (!o.open) {
    root.endMs = t + 0.8;
    root.status = o.fail ? { code: 'error', message: ERR503 } : { code: 'ok' };
    root.attributes['aop.attempts'] = attempts;
    if (o.fail) root.attributes['aop.error'] = ERR503;
    else root.attributes['aop.output'] = o.output ?? `Done: ${o.task.slice(0, 60)}`;
  }
  return spans;
}

/** The README example: the CLI calls `planner` on server alpha, whose first model call fails (503). */
export function retriedRemoteTrace(k: number, start: number, skewMs = 0): SpanRecord[] {
  const trace = traceId(k);
  const remote = mk(trace, {
    name: 'aop.remote planner',
    kind: 'client',
    startMs: start,
    endMs: 0,
    server: 'cli',
    attributes: { 'aop.remote.tool': 'planner', 'aop.remote.server': 'alpha@127.0.0.1:43163', 'url.full': 'http://127.0.0.1:43163/mcp', 'server.address': '127.0.0.1', 'server.port': 43163 },
  });
  const inner = invocation(trace, {
    agent: 'planner',
    task: 'Plan the migration of the billing service to the new queue, in three steps with a rollback for each.',
    server: 'alpha@127.0.0.1:43163',
    start: start + 3 + skewMs,
    parent: remote.spanId,
    failures: 1,
    output: '1. Dual-write to both queues behind a flag (rollback: turn the flag off).\n2. Move the consumers one by one (rollback: point them back).\n3. Stop the old queue after a week of parity (rollback: restart it from the snapshot).',
  });
  const innerEnd = inner[0].endMs - skewMs;
  remote.endMs = innerEnd + 4;
  remote.status = { code: 'ok' };
  return [remote, ...inner];
}

/** A trace of `n` spans: a coordinator fanning out to remote agents on 4 servers (some clocks skewed). */
export function bigTrace(n = 10_000, start = Date.UTC(2026, 10, 25, 12, 11, 11, 652)): SpanRecord[] {
  const trace = traceId(9999);
  const spans: SpanRecord[] = [];
  const root = mk(trace, {
    name: 'aop.invoke coordinator',
    kind: 'server',
    startMs: start,
    endMs: 0,
    server: 'local',
    attributes: { 'aop.agent': 'coordinator', 'aop.input.task': 'Review every service in the monorepo and summarise the risks.' },
  });
  spans.push(root);
  const servers = ['alpha@10.0.0.11:8000', 'beta@10.0.0.12:8000', 'gamma@10.0.0.13:8000', 'delta@10.0.0.14:8000'];
  const skews = [0, 35, -20, 0];
  let t = start + 2;
  let k = 0;
  while (spans.length < n) {
    const server = servers[k % servers.length];
    const remote = mk(trace, {
      name: `aop.remote reviewer-${k % 12}`,
      kind: 'client',
      parentSpanId: root.spanId,
      startMs: t,
      endMs: 0,
      server: 'local',
      attributes: { 'aop.remote.tool': `reviewer-${k % 12}`, 'aop.remote.server': server },
    });
    const inner = invocation(trace, {
      agent: `reviewer-${k % 12}`,
      task: `Review service #${k}`,
      server,
      start: t + 1 + skews[k % servers.length],
      parent: remote.spanId,
      failures: k % 7 === 3 ? 1 : 0,
      fail: k % 41 === 40,
    });
    remote.endMs = inner[0].endMs - skews[k % servers.length] + 1;
    remote.status = inner[0].status.code === 'error' ? { code: 'error', message: inner[0].status.message } : { code: 'ok' };
    spans.push(remote, ...inner);
    t += 3 + (k % 5);
    k++;
  }
  spans.length = n;
  // children cut by the length cap keep their parents (parents come first); close the root
  let end = 0;
  for (const s of spans) end = Math.max(end, s.endMs);
  root.endMs = end + 1;
  root.status = { code: 'ok' };
  return spans;
}

export interface TraceFixture {
  summaries: TraceSummary[];
  details: Record<string, TraceDetail>;
}

function detail(spans: SpanRecord[]): TraceDetail {
  const id = spans[0].traceId;
  return { trace: toSummary(id, spans), spans };
}

/** A list of invocations in every state (ok, error, retried, remote, running), newest first. */
export function invocationList(now = Date.UTC(2026, 10, 25, 12, 30, 0)): TraceFixture {
  const all: SpanRecord[][] = [];
  all.push(retriedRemoteTrace(1, now - 4_000, 12));
  all.push(invocation(traceId(2), { agent: 'code-reviewer', task: 'Review the diff of PR #412 for error handling.', server: 'local', start: now - 1_500, open: true, failures: 1 }));
  const names = ['summarizer', 'code-reviewer', 'planner', 'translator', 'test-writer'];
  for (let i = 0; i < 12; i++) {
    all.push(
      invocation(traceId(10 + i), {
        agent: names[i % names.length],
        task: `Task ${i}: ${['summarise the meeting notes', 'review src/core/server', 'plan the release', 'translate the README to French', 'write tests for the store'][i % 5]}`,
        server: 'local',
        start: now - 60_000 * (i + 1) - i * 731,
        failures: i % 4 === 1 ? 2 : 0,
        fail: i % 6 === 5,
      }),
    );
  }
  const details: Record<string, TraceDetail> = {};
  for (const spans of all) details[spans[0].traceId] = detail(spans);
  const summaries = Object.values(details)
    .map((d) => d.trace)
    .sort((a, b) => b.startMs - a.startMs);
  return { summaries, details };
}
