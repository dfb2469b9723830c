import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, type CliResult } from '../support/cli';
import { startOAuthServer, type OAuthTestServer } from '../support/oauth-server';

/** `aop …` with the credentials file in a temp dir; `onStderr` sees stderr as it arrives. */
function aop(args: string[], credentials: string, onStderr?: (all: string) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, AOP_TOKEN: '', AOP_CREDENTIALS_FILE: credentials, NO_COLOR: '1', DISPLAY: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The person's browser: opens the authorization URL, follows the authorization server's redirect to our loopback listener. */
async function browser(authUrl: string, tamperState = false): Promise<{ status: number; body: string }> {
  const res = await fetch(authUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  assert.ok(location, `the authorization server redirected (HTTP ${res.status})`);
  const back = new URL(location);
  assert.equal(back.hostname, '127.0.0.1', 'loopback redirect');
  if (tamperState) back.searchParams.set('state', 'forged');
  const page = await fetch(back);
  return { status: page.status, body: await page.text() };
}

describe('aop login / logout', () => {
  let srv: OAuthTestServer;
  let dir: string;
  let credentials: string;
  before(async () => {
    srv = await startOAuthServer();
    dir = mkdtempSync(join(tmpdir(), 'aop-login-'));
    credentials = join(dir, 'aop', 'credentials.json');
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('login through the browser (loopback redirect), a forged redirect is refused, tokens in a 0600 file, then discover and call work', async () => {
    let opened: Promise<void> | undefined;
    const pages: Array<{ status: number; body: string }> = [];
    const r = await aop(['login', srv.mcpUrl, '--no-browser'], credentials, (err) => {
      const m = /\n {2}(http\S+)\n/.exec(err);
      if (m && !opened) {
        opened = (async () => {
          pages.push(await browser(m[1], true));
          pages.push(await browser(m[1]));
        })();
      }
    });
    await opened;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Signed in to .* \(1 tools\)/);
    assert.equal(pages[0].status, 400, 'a redirect with a forged state is refused');
    assert.equal(pages[1].status, 200);
    assert.match(pages[1].body, /Signed in/);
    assert.equal(statSync(credentials).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(credentials, 'utf8'));
    assert.ok(saved.servers[srv.mcpUrl].tokens.access_token);
    for (const t of srv.issued) assert.ok(!r.stdout.includes(t) && !r.stderr.includes(t), 'no token printed');

    const d = await aop(['discover', srv.mcpUrl, '--json'], credentials);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    const out = JSON.parse(d.stdout);
    assert.equal(out.servers[0].status, 'up');
    assert.deepEqual(out.tools.map((t: { name: string }) => t.name), ['echo']);
    for (const t of srv.issued) assert.ok(!d.stdout.includes(t), 'no token in discover output');
  });

  test('logout forgets the sign-in; discover needs sign-in again', async () => {
    const r = await aop(['logout', srv.mcpUrl], credentials);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Signed out of/);
    const again = await aop(['logout', srv.mcpUrl], credentials);
    assert.match(again.stdout, /No saved sign-in/);
    const d = await aop(['discover', srv.mcpUrl], credentials);
    assert.equal(d.code, 1);
    assert.match(d.stdout, /needs sign-in/);
  });

  test('bad input: not an http(s) URL', async () => {
    const r = await aop(['login', 'ftp://x'], credentials);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not an http\(s\) URL/);
  });
});
