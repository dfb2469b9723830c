import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_SERVERS_FILE_BYTES, SERVERS_FILE, readServerRuns, recordServerRun } from '../../src/core/tracing/server-index';

test('servers.jsonl stays bounded: past its cap the oldest runs go, the newest stay readable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aop-server-index-'));
  try {
    const root = '/work/' + 'x'.repeat(2000);
    let n = 0;
    const file = join(dir, SERVERS_FILE);
    // Enough runs to pass the cap twice over.
    while (n < 2 * (MAX_SERVERS_FILE_BYTES / 2000) + 10) {
      recordServerRun(dir, { id: `aop@127.0.0.1:${n}`, name: 'aop', roots: [root], pid: n, startedAt: n });
      n++;
      assert.ok(statSync(file).size <= MAX_SERVERS_FILE_BYTES + 4096, `grew past the cap at run ${n}`);
    }
    const runs = readServerRuns(dir);
    assert.ok(runs.length < n, 'old runs were dropped');
    assert.equal(runs.at(-1)!.id, `aop@127.0.0.1:${n - 1}`, 'the newest run is kept');
    assert.deepEqual(runs.map((r) => r.pid), [...runs.keys()].map((i) => n - runs.length + i), 'a contiguous tail, in order');
    assert.equal((statSync(file).mode & 0o777).toString(8), '600');
    assert.ok(readFileSync(file, 'utf8').endsWith('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
