import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AopTracer, TraceStore, type TraceEvent } from '../../src/core/tracing';
import { ROTATED_FILE as ROTATED_FILE_NAME, TRACES_FILE as TRACES_FILE_NAME } from '../../src/core/tracing/store';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'aop-traces-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Records one small trace (root + one child) for `agent`. */
function record(tracer: AopTracer, agent: string, ok = true): string {
  const root = tracer.startSpan(`aop.invoke ${agent}`, { attributes: { 'aop.agent': agent } });
  tracer.startChild('aop.attempt 1', root).end();
  root.setStatus({ code: ok ? 1 : 2, message: ok ? undefined : 'boom' });
  root.end();
  return root.traceId;
}

describe('TraceStore', () => {
  test('evicts the oldest traces at its bound', () => {
    const store = new TraceStore({ maxTraces: 5 });
    const tracer = new AopTracer({ sink: store, server: 's' });
    const ids = Array.from({ length: 8 }, (_, i) => record(tracer, `a${i}`));
    assert.equal(store.size, 5);
    for (const id of ids.slice(0, 3)) assert.equal(store.get(id), undefined);
    for (const id of ids.slice(3)) assert.ok(store.get(id));
    assert.deepEqual(store.query().map((t) => t.agent), ['a7', 'a6', 'a5', 'a4', 'a3']);
  });

  test('queries by agent, status, time and limit (newest first)', async () => {
    const store = new TraceStore();
    const tracer = new AopTracer({ sink: store, server: 's' });
    record(tracer, 'x');
    record(tracer, 'y', false);
    await new Promise((r) => setTimeout(r, 5));
    const cut = Date.now();
    const late = record(tracer, 'x', false);
    record(tracer, 'x');
    assert.equal(store.query({ agent: 'x' }).length, 3);
    assert.deepEqual(store.query({ status: 'error' }).map((t) => t.agent), ['x', 'y']);
    assert.equal(store.query({ agent: 'x', status: 'error' })[0].traceId, late);
    assert.equal(store.query({ since: cut }).length, 2);
    assert.equal(store.query({ until: cut }).length, 2);
    assert.equal(store.query({ limit: 1 })[0].agent, 'x');
    assert.equal(store.query({ traceId: late.slice(0, 8) })[0].traceId, late);
  });

  test('persists as JSON Lines and reloads from disk (keeping the newest up to the bound)', async () => {
    const dir = await tempDir();
    const store = new TraceStore({ dir, maxTraces: 100 });
    const tracer = new AopTracer({ sink: store, server: 's' });
    const ids = Array.from({ length: 12 }, (_, i) => record(tracer, `agent${i % 3}`, i % 4 !== 0));
    await store.flush();
    const lines = (await readFile(join(dir, TRACES_FILE_NAME), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 12);
    assert.equal(JSON.parse(lines[0]).traceId, ids[0]);

    // a torn last line (crash mid-write) is skipped
    await appendFile(join(dir, TRACES_FILE_NAME), '{"traceId":"abc","spa');
    const again = await TraceStore.open({ dir, maxTraces: 10 });
    assert.equal(again.size, 10);
    assert.equal(again.get(ids[0]), undefined, 'oldest beyond the bound not loaded');
    const t = again.get(ids[11])!;
    assert.equal(t.spans.length, 2);
    assert.equal(t.agent, 'agent2');
    assert.deepEqual(
      again.query({ status: 'error' }).map((x) => x.traceId),
      [ids[8], ids[4]],
    );
  });

  test('rotates at the size cap: traces.jsonl → traces.1.jsonl, both reloaded', async () => {
    const dir = await tempDir();
    const store = new TraceStore({ dir, maxFileBytes: 8 * 1024 });
    const tracer = new AopTracer({ sink: store, server: 's' });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push(record(tracer, `a${i}`));
      await store.flush();
    }
    const main = await stat(join(dir, TRACES_FILE_NAME));
    const rotated = await stat(join(dir, ROTATED_FILE_NAME));
    assert.ok(main.size + rotated.size <= 8 * 1024 + 1024, `on disk ${main.size + rotated.size} bytes`);
    const again = await TraceStore.open({ dir });
    assert.ok(again.get(ids[59]), 'newest reloaded');
    assert.equal(again.get(ids[0]), undefined, 'oldest rotated away');
    assert.ok(again.size > 10, `reloaded ${again.size}`);
  });

  test('merges fragments of one trace id (e.g. two servers sharing a store) without duplicates', () => {
    const store = new TraceStore();
    const tracer = new AopTracer({ sink: store, server: 'a' });
    const root = tracer.startSpan('outer');
    const other = new AopTracer({ sink: store, server: 'b' });
    const remote = other.startChild('aop.invoke inner', root.spanContext());
    remote.end();
    root.end();
    const t = store.get(root.traceId)!;
    assert.equal(t.spans.length, 2);
    assert.equal(t.root.name, 'outer');
    assert.deepEqual(t.servers.sort(), ['a', 'b']);
    store.putSpans(t.spans); // again: nothing new
    assert.equal(store.get(root.traceId)!.spans.length, 2);
  });

  test('subscribe gets live events; unsubscribe stops them', () => {
    const store = new TraceStore();
    const tracer = new AopTracer({ sink: store, server: 's' });
    const seen: TraceEvent['type'][] = [];
    const off = store.subscribe((e) => seen.push(e.type));
    record(tracer, 'z');
    assert.deepEqual(seen, ['trace-start', 'span-start', 'span-start', 'span-end', 'span-end', 'trace-end']);
    off();
    record(tracer, 'z');
    assert.equal(seen.length, 6);
  });

  test('a missing or unreadable folder loads as empty', async () => {
    const store = await TraceStore.open({ dir: join(await tempDir(), 'nope') });
    assert.equal(store.size, 0);
    const dir = await tempDir();
    await writeFile(join(dir, TRACES_FILE_NAME), 'not json\n\n');
    assert.equal((await TraceStore.open({ dir })).size, 0);
  });
});
