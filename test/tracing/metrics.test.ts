import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, type TestServer } from '../support/aop';
import { LatencyHistogram, Metrics, type MetricsSnapshot } from '../../src/core/tracing';

/** Parses Prometheus text format 0.0.4 into samples; throws on a malformed line. */
function parseProm(text: string): { types: Map<string, string>; samples: { name: string; labels: Record<string, string>; value: number }[] } {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (m) {
      assert.ok(!types.has(m[1]), `one TYPE line per family: ${m[1]}`);
      types.set(m[1], m[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g;
      let consumed = 0;
      for (const lm of m[2].matchAll(re)) {
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed += lm[0].length;
      }
      assert.equal(consumed, m[2].length, `labels parse: ${m[2]}`);
    }
    const family = m[1].replace(/_(sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.has(family), `sample ${m[1]} has a TYPE`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

describe('latency histogram', () => {
  test('percentiles are right on known data', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i); // 1 … 1000 ms
    const close = (actual: number, expected: number) =>
      assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 0.001, `${actual} ≈ ${expected}`);
    close(h.percentile(50), 500);
    close(h.percentile(95), 950);
    close(h.percentile(99), 990);
    close(h.percentile(100), 1000);
    close(h.max, 1000);
    assert.equal(h.count, 1000);
    close(h.mean, 500.5);

    const skew = new LatencyHistogram();
    for (let i = 0; i < 98; i++) skew.record(2);
    skew.record(5000);
    skew.record(60_000 * 5); // past the initial range: auto-resizes
    close(skew.percentile(50), 2);
    close(skew.percentile(98), 2);
    close(skew.percentile(99), 5000);
    close(skew.percentile(99.9), 300_000);
    assert.equal(new LatencyHistogram().percentile(99), 0);
  });

  test('Metrics counts calls, errors and in-flight per agent and in total', () => {
    const m = new Metrics('srv');
    m.started('a');
    m.started('a');
    m.started('b');
    assert.equal(m.snapshot().total.in_flight, 3);
    m.finished('a', true, 10);
    m.finished('a', false, 30);
    const s = m.snapshot();
    assert.deepEqual({ count: s.agents.a.count, errors: s.agents.a.errors, in_flight: s.agents.a.in_flight }, { count: 2, errors: 1, in_flight: 0 });
    assert.equal(s.agents.b.in_flight, 1);
    assert.equal(s.total.count, 2);
    assert.equal(s.total.in_flight, 1);
    assert.ok(Math.abs(s.agents.a.latency_ms.p99 - 30) < 0.05);
    const prom = parseProm(m.prometheus());
    assert.equal(prom.types.get('aop_agent_call_duration_seconds'), 'summary');
    const q = prom.samples.find((x) => x.name === 'aop_agent_call_duration_seconds' && x.labels.agent === 'a' && x.labels.quantile === '0.5');
    assert.ok(q && Math.abs(q.value - 0.01) < 0.0001, String(q?.value));
  });

  test('label values are escaped', () => {
    const m = new Metrics('we"ird\\name');
    m.started('x');
    m.finished('x', true, 1);
    const prom = parseProm(m.prometheus());
    assert.equal(prom.samples[0].labels.server, 'we"ird\\name');
  });
});

describe('metrics on a real server', () => {
  let model: FakeOpenAi;
  let aop: TestServer;
  before(async () => {
    model = await startFakeOpenAi({ text: 'ok' });
    aop = await startServer([makeAgent({ name: 'good', maxRetries: 0 }), makeAgent({ name: 'bad', maxRetries: 0 })], {
      openAiUrl: model.url,
      token: 'secret-token',
      name: 'metered',
    });
  });
  after(async () => {
    await aop.close();
    await model.close();
  });

  test('GET /metrics (Prometheus text, needs the token) counts calls; get_server_info has a metrics field', async () => {
    const client = await aop.connect();
    model.setScript({ text: 'ok' });
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'good', arguments: { task: `t${i}` } });
    model.setScript({ status: 400, errorBody: { error: { message: 'bad request' } } });
    await client.callTool({ name: 'bad', arguments: { task: 'fail' } });

    const base = aop.url.replace(/\/mcp$/, '');
    const denied = await fetch(`${base}/metrics`);
    assert.equal(denied.status, 401);
    await denied.arrayBuffer();
    const res = await fetch(`${base}/metrics`, { headers: { Authorization: 'Bearer secret-token' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { samples } = parseProm(await res.text());
    const get = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.equal(get('aop_agent_calls_total', { agent: 'good', server: 'metered' }), 3);
    assert.equal(get('aop_agent_errors_total', { agent: 'good' }), 0);
    assert.equal(get('aop_agent_calls_total', { agent: 'bad' }), 1);
    assert.equal(get('aop_agent_errors_total', { agent: 'bad' }), 1);
    assert.equal(get('aop_agent_in_flight', { agent: 'good' }), 0);
    assert.equal(get('aop_server_calls_total', { server: 'metered' }), 4);
    assert.equal(get('aop_server_errors_total', { server: 'metered' }), 1);
    assert.equal(get('aop_agent_call_duration_seconds_count', { agent: 'good' }), 3);
    assert.ok(get('aop_agent_call_duration_seconds', { agent: 'good', quantile: '0.99' })! > 0);

    const info = (await client.callTool({ name: 'get_server_info', arguments: {} })) as CallToolResult;
    const metrics = (info.structuredContent as { server_info: { metrics: MetricsSnapshot } }).server_info.metrics;
    assert.equal(metrics.server, 'metered');
    assert.equal(metrics.total.count, 4);
    assert.equal(metrics.agents.good.count, 3);
    assert.equal(metrics.agents.bad.errors, 1);
    assert.ok(metrics.agents.good.latency_ms.p50 > 0);
    assert.ok(metrics.agents.good.latency_ms.p99 >= metrics.agents.good.latency_ms.p50);
  });

  test('in-flight counts a running call', async () => {
    model.setScript({ text: 'slow', delayMs: 300 });
    const client = await aop.connect();
    const call = client.callTool({ name: 'good', arguments: { task: 'wait' } });
    const deadline = Date.now() + 2000;
    while (aop.server.tracing.metrics.agent('good')?.in_flight !== 1) {
      assert.ok(Date.now() < deadline, 'in-flight reached 1');
      await new Promise((r) => setTimeout(r, 10));
    }
    await call;
    assert.equal(aop.server.tracing.metrics.agent('good')?.in_flight, 0);
  });
});
