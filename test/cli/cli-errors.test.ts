// The CLI on wrong input: every mistake gets one clear line (and the usage when it is a command-line
// mistake), exit 2 for usage errors and 1 for failures; never a stack trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, runCli as run, serveCli as serve } from '../support/cli';

let server: { child: ChildProcess; url: string };
before(async () => {
  server = await serve(['examples/agents']);
});
after(() => {
  server.child.kill('SIGTERM');
});

function assertNoStack(r: { stdout: string; stderr: string }): void {
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at \S+ \(|TypeError|RangeError/, 'no stack trace or internal error');
}

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('aop call with an unknown agent names it and shows how to list the agents', async () => {
  const r = await run(['call', server.url, 'nosuch', '--task', 'x']);
  assert.equal(r.code, 1);
  assertNoStack(r);
  assert.match(r.stderr, new RegExp(`no agent or tool \`nosuch\` on ${server.url.replace(/[.]/g, '\\.')}`));
  assert.match(r.stderr, new RegExp(`aop discover ${server.url.replace(/[.]/g, '\\.')}`));
});

test('aop call with a typo suggests the agent that exists', async () => {
  const r = await run(['call', server.url, 'text-stat', '--task', 'x']);
  assert.equal(r.code, 1);
  assertNoStack(r);
  assert.match(r.stderr, /no agent or tool `text-stat` .*did you mean `text-stats`\?/);
});

test('aop call on a wrong path says it is not an MCP endpoint', async () => {
  const wrong = server.url.replace(/\/mcp$/, '/wrong');
  const r = await run(['call', wrong, 'text-stats', '--task', 'x']);
  assert.equal(r.code, 1);
  assertNoStack(r);
  assert.match(r.stderr, /is not an MCP endpoint \(HTTP 404\).*\/mcp/);
});

test('aop call on a dead server names the URL and says nothing listens', async () => {
  const url = `http://127.0.0.1:${await deadPort()}/mcp`;
  const r = await run(['call', url, 'text-stats', '--task', 'x']);
  assert.equal(r.code, 1);
  assertNoStack(r);
  assert.match(r.stderr, new RegExp(`cannot reach ${url.replace(/[.]/g, '\\.')}: nothing listens there`));
  assert.doesNotMatch(r.stderr, /fetch failed/);
});

test('aop call without --task is a usage error with the usage line', async () => {
  const r = await run(['call', server.url, 'text-stats']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --task/);
  assert.match(r.stderr, /Usage: aop call <url> <tool>/);
});

test('a path that does not exist is an error for validate and serve', async () => {
  for (const cmd of ['validate', 'serve']) {
    const r = await run([cmd, 'no-such-dir']);
    assert.equal(r.code, 2, `${cmd}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /no such file or folder: no-such-dir/);
    assert.doesNotMatch(r.stdout, /agents valid|serving/);
  }
});

test('discover of something that is not a URL, and a port out of range, say what is wrong', async () => {
  const notUrl = await run(['discover', 'notaurl']);
  assert.equal(notUrl.code, 2);
  assert.match(notUrl.stderr, /"notaurl" is not a server URL; expected e\.g\. http:\/\/127\.0\.0\.1:8000\/mcp/);
  assert.doesNotMatch(notUrl.stderr, /servers\.0\.url/);
  const port = await run(['serve', '--port', '99999', 'examples/agents']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--port must be a whole number from 0 to 65535 .*"99999"/);
  assert.doesNotMatch(port.stderr, /Received type number/);
});

test('the discover table keeps the whole reason a server is down', async () => {
  const url = `http://127.0.0.1:${await deadPort()}/mcp`;
  const r = await run(['discover', server.url, url]);
  assert.equal(r.code, 1);
  const row = r.stdout.split('\n').find((l) => l.startsWith(url));
  assert.ok(row, r.stdout);
  assert.match(row, /down .*connection refused: nothing listens there$/);
  assert.doesNotMatch(row, /…/);
});

test('aop call --cluster with a typo suggests the tool that exists', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aop-cli-cluster-'));
  try {
    const file = join(dir, 'team.json');
    await writeFile(file, JSON.stringify({ name: 'team', servers: [server.url] }));
    const r = await run(['call', '--cluster', file, 'text-stat', '--task', 'x']);
    assert.equal(r.code, 1);
    assertNoStack(r);
    assert.match(r.stderr, /no server of cluster team offers a tool named "text-stat"; did you mean "text-stats"\?/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs the CLI in `cwd`. */
const runIn = (cwd: string, args: string[]) => run(args, undefined, cwd);

test('aop traces names the server and shows this folder\'s server by default; --server filters', async () => {
  const base = await mkdtemp(join(tmpdir(), 'aop-cli-traces-'));
  const traces = join(base, 'traces');
  const folders = [join(base, 'one'), join(base, 'two')];
  const servers: ChildProcess[] = [];
  try {
    const urls: string[] = [];
    for (const f of folders) {
      await cp(join(ROOT, 'examples/agents'), f, { recursive: true });
      const s = await serve([f, '--traces-dir', traces, '--name', f.endsWith('one') ? 'one' : 'two', '--no-watch']);
      servers.push(s.child);
      urls.push(s.url);
    }
    for (const [i, url] of urls.entries()) {
      const r = await run(['call', url, 'text-stats', '--task', `Folder ${i === 0 ? 'one' : 'two'} speaks.`]);
      assert.equal(r.code, 0, r.stderr);
    }
    // Each server flushes its traces within its batch delay; wait until both are on disk.
    for (let i = 0; ; i++) {
      const all = await runIn(base, ['traces', '--dir', traces, '--server', 'all', '--json']);
      if (JSON.parse(all.stdout).length === 2) break;
      assert.ok(i < 200, 'both traces reach the disk');
      await new Promise((r) => setTimeout(r, 50));
    }
    const inOne = await runIn(folders[0], ['traces', '--dir', traces]);
    assert.equal(inOne.code, 0, inOne.stderr);
    assert.match(inOne.stdout, /Folder one speaks/);
    assert.doesNotMatch(inOne.stdout, /Folder two speaks/);
    assert.match(inOne.stdout, new RegExp(`server one@127\\.0\\.0\\.1:\\d+ \\(${folders[0].replace(/[.]/g, '\\.')}\\)`));
    assert.match(inOne.stderr, /servers that served this folder.*--server all/);
    const two = await runIn(base + '/..', ['traces', '--dir', traces, '--server', 'two']);
    assert.match(two.stdout, /Folder two speaks/);
    assert.doesNotMatch(two.stdout, /Folder one speaks/);
    const all = await runIn(folders[1], ['traces', '--dir', traces, '--server', 'all']);
    assert.match(all.stdout, /Folder one speaks/);
    assert.match(all.stdout, /Folder two speaks/);
    const unknown = await runIn(base, ['traces', '--dir', traces, '--server', 'three']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no server "three" recorded traces here \(known: one, two\)/);
  } finally {
    for (const c of servers) c.kill('SIGTERM');
    await rm(base, { recursive: true, force: true });
  }
});
