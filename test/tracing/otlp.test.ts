import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpProblems } from '../support/otlp-proto';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil } from '../support/aop';
import { AopTracer, OtlpExporter, TraceStore, msToUnixNano, toOtlp, writeOtlpFile, sendOtlp, TRACE_ID_KEY } from '../../src/core/tracing';

describe('the OTLP proto check itself', () => {
  test('rejects a misspelt field, a wrong value type, a bad id and a non-number time', () => {
    const doc = toOtlp([]);
    assert.deepEqual(otlpProblems(doc), []);
    const span = {
      traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 's', kind: 1,
      startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: [{ key: 'k', value: { intValue: '3' } }],
    };
    const wrap = (sp: object) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'x' }, spans: [sp] }] }] });
    assert.deepEqual(otlpProblems(wrap(span)), []);
    assert.match(otlpProblems(wrap({ ...span, parentSpanID: 'ef'.repeat(8) })).join(), /parentSpanID: not a field/);
    assert.match(otlpProblems(wrap({ ...span, attributes: [{ key: 'k', value: { stringVal: 'x' } }] })).join(), /stringVal: not a field/);
    assert.match(otlpProblems(wrap({ ...span, spanId: 'not hex!' })).join(), /spanId/);
    assert.match(otlpProblems(wrap({ ...span, startTimeUnixNano: 'soon' })).join(), /startTimeUnixNano/);
  });
});

describe('OTLP/JSON export', () => {
  let model: FakeOpenAi;
  let dir: string;
  before(async () => {
    model = await startFakeOpenAi([{ status: 500 }, { text: 'ok', usage: { prompt_tokens: 5, completion_tokens: 1 } }]);
    dir = await mkdtemp(join(tmpdir(), 'aop-otlp-'));
  });
  after(async () => {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('real invocation traces are valid ExportTraceServiceRequests (official OTLP protobuf definitions)', async () => {
    const aop = await startServer([makeAgent({ name: 'w', maxRetries: 1 })], { openAiUrl: model.url });
    try {
      const client = await aop.connect();
      const r = await client.callTool({ name: 'w', arguments: { task: 'export me' } });
      const t = aop.server.tracing.store.get((r._meta as Record<string, string>)[TRACE_ID_KEY])!;
      const file = join(dir, 'out.json');
      await writeOtlpFile(file, [t]);
      const doc = JSON.parse(await readFile(file, 'utf8'));
      assert.deepEqual(otlpProblems(doc), [], 'a valid ExportTraceServiceRequest (official OTLP proto)');
      const spans = doc.resourceSpans[0].scopeSpans[0].spans;
      assert.equal(spans.length, t.spans.length);
      const root = spans.find((s: { name: string }) => s.name === 'aop.invoke w');
      assert.equal(root.kind, 2, 'SERVER');
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.status.code, 1);
      assert.equal(BigInt(root.endTimeUnixNano) > BigInt(root.startTimeUnixNano), true);
      const failed = spans.find((s: { name: string }) => s.name === 'aop.attempt 1');
      assert.equal(failed.status.code, 2);
      assert.equal(failed.events[0].name, 'exception');
      const m = spans.find((s: { name: string; status: { code: number } }) => s.name === 'aop.model' && s.status.code === 1);
      assert.deepEqual(m.attributes.find((a: { key: string }) => a.key === 'gen_ai.usage.input_tokens').value, { intValue: '5' });
      const res = doc.resourceSpans[0].resource.attributes;
      assert.deepEqual(res.find((a: { key: string }) => a.key === 'service.name').value, { stringValue: 'aop' });
    } finally {
      await aop.close();
    }
  });

  test('value and time encodings', () => {
    assert.equal(msToUnixNano(1_700_000_000_123.5), '1700000000123500000');
    assert.equal(msToUnixNano(1_700_000_000_123.25), '1700000000123250000');
    assert.equal(msToUnixNano(0), '0');
    const store = new TraceStore();
    const tracer = new AopTracer({ sink: store, server: 's' });
    const s = tracer.startSpan('x', { attributes: { str: 'a', int: 3, dbl: 1.5, bool: true, arr: ['p', 'q'] } });
    s.end();
    const doc = toOtlp(store.query());
    assert.deepEqual(otlpProblems(doc), []);
    const attrs = Object.fromEntries(doc.resourceSpans[0].scopeSpans[0].spans[0].attributes.map((a) => [a.key, a.value]));
    assert.deepEqual(attrs, {
      str: { stringValue: 'a' },
      int: { intValue: '3' },
      dbl: { doubleValue: 1.5 },
      bool: { boolValue: true },
      arr: { arrayValue: { values: [{ stringValue: 'p' }, { stringValue: 'q' }] } },
    });
  });

  test('spans from several servers become one resourceSpans entry per server', () => {
    const store = new TraceStore();
    const a = new AopTracer({ sink: store, server: 'a' });
    const b = new AopTracer({ sink: store, server: 'b' });
    const root = a.startSpan('root');
    b.startChild('child', root.spanContext()).end();
    root.end();
    const doc = toOtlp(store.query());
    assert.equal(doc.resourceSpans.length, 2);
    assert.deepEqual(otlpProblems(doc), []);
  });

  test('POSTs to an OTLP/HTTP endpoint (/v1/traces), directly and through the server exporter', async () => {
    const bodies: unknown[] = [];
    let path = '';
    const collector: Server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        path = req.url ?? '';
        assert.equal(req.headers['content-type'], 'application/json');
        bodies.push(JSON.parse(body));
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      const store = new TraceStore();
      const tracer = new AopTracer({ sink: store, server: 's' });
      tracer.startSpan('direct').end();
      await sendOtlp(endpoint, store.query());
      assert.equal(path, '/v1/traces');
      assert.deepEqual(otlpProblems(bodies[0]), []);

      model.setScript({ text: 'exported' });
      const aop = await startServer([makeAgent({ name: 'e', maxRetries: 0 })], { openAiUrl: model.url, otlpEndpoint: endpoint });
      const client = await aop.connect();
      await client.callTool({ name: 'e', arguments: { task: 'ship it' } });
      await aop.close(); // flushes the exporter
      await waitUntil(() => bodies.length === 2);
      const doc = bodies[1] as ReturnType<typeof toOtlp>;
      assert.deepEqual(otlpProblems(doc), []);
      const names = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
      assert.ok(names.includes('aop.invoke e') && names.includes('aop.model'), names.join());

      const failing = new OtlpExporter({ endpoint: 'http://127.0.0.1:9/', onError: () => {} });
      failing.enqueue(store.query()[0].spans);
      await failing.flush();
      assert.equal(failing.dropped, 1);
    } finally {
      await new Promise<void>((r) => collector.close(() => r()));
    }
  });
});
