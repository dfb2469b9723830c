import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

import { runCli as run, serveCli as serve } from '../support/cli';



let dir: string;
let server: { child: ChildProcess; url: string };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aop-cli-traces-'));
  server = await serve(['examples/agents', '--traces-dir', dir, '--no-watch']);
});
after(async () => {
  server.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

/** Polls `aop traces` until its output matches (the server writes in batches). */
async function tracesUntil(args: string[], re: RegExp): Promise<{ code: number; stdout: string; stderr: string }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await run(['traces', '--dir', dir, ...args]);
    if (re.test(r.stdout) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('aop serve --traces-dir records calls; aop traces prints them as span trees', async () => {
  const ok = await run(['call', server.url, 'text-stats', '--task', 'Agents are tools. Tools are agents.']);
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await run(['call', server.url, 'planner', '--task', 'plan']);
  assert.equal(bad.code, 1);

  const r = await tracesUntil([], /aop\.invoke planner/);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  // header: time, agent, status, duration, trace id
  assert.ok(lines.some((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  text-stats  ok  [\d.]+ (µs|ms|s)  trace [0-9a-f]{32}  server aop@127\.0\.0\.1:\d+ \(.+\)$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\s+aop\.invoke text-stats  [\d.]+ (µs|ms|s)  ok$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\s+├─ aop\.validate  /.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\s+(├|└)─ aop\.attempt 1  [\d.]+ (µs|ms|s)  ok/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\s+(│ |  ) +└─ aop\.model  /.test(l)), `model span nested under the attempt:\n${r.stdout}`);
  assert.match(r.stdout, /task: Agents are tools\. Tools are agents\./);
  assert.match(r.stdout, /planner  ERROR/);
  // newest last
  assert.ok(r.stdout.indexOf('aop.invoke text-stats') < r.stdout.indexOf('aop.invoke planner'));

  const errors = await run(['traces', '--dir', dir, '--status', 'error']);
  assert.match(errors.stdout, /planner/);
  assert.doesNotMatch(errors.stdout, /text-stats/);
  const only = await run(['traces', '--dir', dir, '--agent', 'text-stats', '--last', '1', '--json']);
  const json = JSON.parse(only.stdout) as { agent: string; spans: unknown[] }[];
  assert.equal(json.length, 1);
  assert.equal(json[0].agent, 'text-stats');
  assert.ok(json[0].spans.length >= 4);
});

test('aop traces --otlp writes an OTLP/JSON file', async () => {
  await tracesUntil([], /aop\.invoke/);
  const file = join(dir, 'export.json');
  const r = await run(['traces', '--dir', dir, '--otlp', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote \d+ traces as OTLP\/JSON/);
  const doc = JSON.parse(await readFile(file, 'utf8'));
  const shape = z.object({
    resourceSpans: z.array(
      z.object({
        resource: z.object({ attributes: z.array(z.object({ key: z.string(), value: z.record(z.string(), z.unknown()) })) }),
        scopeSpans: z.array(
          z.object({
            scope: z.object({ name: z.string() }),
            spans: z.array(z.object({ traceId: z.string().length(32), spanId: z.string().length(16), startTimeUnixNano: z.string().regex(/^\d+$/) })).min(1),
          }),
        ),
      }),
    ),
  });
  assert.ok(shape.safeParse(doc).success);
});

test('aop traces: bad flags are usage errors; an empty folder says so', async () => {
  const bad = await run(['traces', '--dir', dir, '--status', 'meh']);
  assert.equal(bad.code, 2);
  const emptyDir = await mkdtemp(join(tmpdir(), 'aop-empty-'));
  try {
    const empty = await run(['traces', '--dir', emptyDir]);
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /no traces in/);
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
  }
});
