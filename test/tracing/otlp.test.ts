import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil } from '../support/aop';
import { AopTracer, OtlpExporter, TraceStore, msToUnixNano, toOtlp, writeOtlpFile, sendOtlp, TRACE_ID_KEY } from '../../src/core/tracing';

/**
 * The OTLP/JSON trace shape (opentelemetry-proto `ExportTraceServiceRequest`, JSON mapping per the
 * OTLP spec "JSON Protobuf Encoding": lowerCamelCase field names, trace/span ids as hex strings,
 * 64-bit integers as decimal strings, enums as integers).
 */
const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const uint64 = z.string().regex(/^\d+$/);
const AnyValue: z.ZodType = z.lazy(() =>
  z.union([
    z.object({ stringValue: z.string() }).strict(),
    z.object({ boolValue: z.boolean() }).strict(),
    z.object({ intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]) }).strict(),
    z.object({ doubleValue: z.number() }).strict(),
    z.object({ arrayValue: z.object({ values: z.array(AnyValue) }).strict() }).strict(),
    z.object({ kvlistValue: z.object({ values: z.array(KeyValue) }).strict() }).strict(),
    z.object({ bytesValue: z.string() }).strict(),
  ]),
);
const KeyValue: z.ZodType = z.lazy(() => z.object({ key: z.string().min(1), value: AnyValue }).strict());
const Status = z.object({ code: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(), message: z.string().optional() }).strict();
const Event = z.object({ timeUnixNano: uint64, name: z.string(), attributes: z.array(KeyValue).optional(), droppedAttributesCount: z.number().int().optional() }).strict();
const Link = z.object({ traceId: hex(32), spanId: hex(16), traceState: z.string().optional(), attributes: z.array(KeyValue).optional(), flags: z.number().int().optional() }).strict();
const Span = z
  .object({
    traceId: hex(32),
    spanId: hex(16),
    traceState: z.string().optional(),
    parentSpanId: z.union([hex(16), z.literal('')]).optional(),
    flags: z.number().int().optional(),
    name: z.string().min(1),
    kind: z.number().int().min(0).max(5),
    startTimeUnixNano: uint64,
    endTimeUnixNano: uint64,
    attributes: z.array(KeyValue).optional(),
    droppedAttributesCount: z.number().int().optional(),
    events: z.array(Event).optional(),
    droppedEventsCount: z.number().int().optional(),
    links: z.array(Link).optional(),
    droppedLinksCount: z.number().int().optional(),
    status: Status.optional(),
  })
  .strict();
const OtlpTraces = z
  .object({
    resourceSpans: z.array(
      z
        .object({
          resource: z.object({ attributes: z.array(KeyValue), droppedAttributesCount: z.number().int().optional() }).strict().optional(),
          scopeSpans: z.array(
            z
              .object({
                scope: z.object({ name: z.string(), version: z.string().optional(), attributes: z.array(KeyValue).optional() }).strict().optional(),
                spans: z.array(Span),
                schemaUrl: z.string().optional(),
              })
              .strict(),
          ),
          schemaUrl: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();

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

  test('real invocation traces validate against the OTLP JSON shape', async () => {
    const aop = await startServer([makeAgent({ name: 'w', maxRetries: 1 })], { openAiUrl: model.url });
    try {
      const client = await aop.connect();
      const r = await client.callTool({ name: 'w', arguments: { task: 'export me' } });
      const t = aop.server.tracing.store.get((r._meta as Record<string, string>)[TRACE_ID_KEY])!;
      const file = join(dir, 'out.json');
      await writeOtlpFile(file, [t]);
      const doc = JSON.parse(await readFile(file, 'utf8'));
      const parsed = OtlpTraces.safeParse(doc);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3)));
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
    assert.ok(OtlpTraces.safeParse(doc).success);
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
    assert.ok(OtlpTraces.safeParse(doc).success);
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
      assert.ok(OtlpTraces.safeParse(bodies[0]).success);

      model.setScript({ text: 'exported' });
      const aop = await startServer([makeAgent({ name: 'e', maxRetries: 0 })], { openAiUrl: model.url, otlpEndpoint: endpoint });
      const client = await aop.connect();
      await client.callTool({ name: 'e', arguments: { task: 'ship it' } });
      await aop.close(); // flushes the exporter
      await waitUntil(() => bodies.length === 2);
      const doc = bodies[1] as ReturnType<typeof toOtlp>;
      assert.ok(OtlpTraces.safeParse(doc).success);
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
