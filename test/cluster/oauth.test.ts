import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { headlessApprover } from '../../src/core/cluster/auth/approvers';
import { FileCredentialStore, MemoryCredentialStore, credentialKey, defaultCredentialsFile, type CredentialStore } from '../../src/core/cluster/auth/credential-store';
import { scrubSecrets } from '../../src/core/cluster/auth/mcp-oauth';
import { startOAuthServer, type OAuthServerOptions, type OAuthTestServer } from '../support/oauth-server';
import { startMember } from '../support/cluster';

const text = (r: CallToolResult) => (r.content as Array<{ text: string }>)[0].text;

function cluster(url: string, store: CredentialStore, interactive: boolean, extra: Record<string, unknown> = {}): AopCluster {
  return new AopCluster(parseClusterConfig({ name: 'oauth', servers: [{ url, ...extra }], timeout_ms: 20_000 }), {
    auth: { store, approver: interactive ? headlessApprover() : undefined, signInHint: (u) => `run "aop login ${u}"` },
  });
}

/** No token, refresh token or secret the authorization server issued appears in `text`. */
function assertNoSecrets(srv: OAuthTestServer, ...texts: Array<string | undefined>): void {
  for (const t of texts) for (const secret of srv.issued) assert.ok(!(t ?? '').includes(secret), `a token leaked into: ${t}`);
}

describe('credential stores', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aop-cred-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('file store: 0600 file in a 0700 directory, atomic, parallel saves all kept, delete', async () => {
    const file = join(dir, 'sub', 'credentials.json');
    const store = new FileCredentialStore(file);
    assert.equal(await store.load('http://a/mcp'), undefined);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.save(`http://s${i}/mcp`, { tokens: { access_token: `t${i}`, token_type: 'Bearer' } })),
    );
    assert.equal((await store.keys()).length, 8);
    assert.equal((await store.load('http://s3/mcp'))?.tokens?.access_token, 't3');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
    await store.delete('http://s3/mcp');
    assert.equal(await store.load('http://s3/mcp'), undefined);
    assert.equal((await store.keys()).length, 7);
  });

  test('file store: a file others can read is tightened; a corrupt one is a clear error', async () => {
    const file = join(dir, 'loose.json');
    writeFileSync(file, JSON.stringify({ version: 1, servers: { 'http://x/': { tokens: { access_token: 'a', token_type: 'Bearer' } } } }));
    chmodSync(file, 0o644);
    const store = new FileCredentialStore(file);
    assert.equal((await store.load('http://x/'))?.tokens?.access_token, 'a');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeFileSync(file, '{ "servers": "at-SECRET');
    await assert.rejects(store.load('http://x/'), (err: Error) => {
      assert.match(err.message, /credentials file .* is not valid JSON: remove it and sign in again/);
      assert.ok(!err.message.includes('at-SECRET'), 'names the file, not its content');
      return true;
    });
  });

  test('default location follows XDG_CONFIG_HOME, then ~/.config; keys drop the fragment', () => {
    assert.equal(defaultCredentialsFile({ XDG_CONFIG_HOME: '/cfg' }, 'linux'), '/cfg/aop/credentials.json');
    assert.match(defaultCredentialsFile({}, 'linux'), /\.config\/aop\/credentials\.json$/);
    assert.equal(defaultCredentialsFile({ AOP_CREDENTIALS_FILE: '/x/c.json' }, 'linux'), '/x/c.json');
    assert.equal(credentialKey('http://h:1/mcp#frag'), 'http://h:1/mcp');
  });

  test('scrubSecrets removes known secrets and bearer tokens', () => {
    const out = scrubSecrets('refresh rt-123456 failed; sent Authorization: Bearer abcdefghijklmnop', ['rt-123456']);
    assert.equal(out, 'refresh [redacted] failed; sent Authorization: Bearer [redacted]');
  });
});

describe('MCP authorization in the cluster client', () => {
  const servers: OAuthTestServer[] = [];
  const clusters: AopCluster[] = [];
  const start = async (o?: OAuthServerOptions) => {
    const s = await startOAuthServer(o);
    servers.push(s);
    return s;
  };
  const track = (c: AopCluster) => (clusters.push(c), c);
  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('sign-in by dynamic registration + PKCE, then calls carry the token; the store keeps tokens and client', async () => {
    const srv = await start();
    const store = new MemoryCredentialStore();
    const c = track(cluster(srv.mcpUrl, store, true));
    const reg = await c.refresh();
    assert.equal(c.health()[0].status, 'up', c.health()[0].lastError);
    assert.deepEqual(reg.entries().map((e) => e.name), ['echo']);
    assert.equal(text(await c.call('echo', { text: 'hi' })), 'echo: hi');
    const rec = await store.load(credentialKey(srv.mcpUrl));
    assert.ok(rec?.tokens?.access_token && rec.tokens.refresh_token && rec.tokens.expires_at);
    assert.ok(rec.client?.client_id);
    assert.equal(srv.counts.codeExchanges, 1);
    assert.equal(srv.counts.authorize, 1);
  });

  test('a token the server no longer accepts is refreshed, once for parallel calls, without a new sign-in', async () => {
    const srv = await start();
    const store = new MemoryCredentialStore();
    const key = credentialKey(srv.mcpUrl);
    const revoke = async () => {
      const rec = (await store.load(key))!;
      await store.save(key, { ...rec, tokens: { ...rec.tokens!, access_token: `revoked-${Math.random()}` } });
    };
    const c1 = track(cluster(srv.mcpUrl, store, true));
    await c1.refresh();
    await c1.close();
    await revoke();
    // A cluster that cannot ask anyone: it must manage with the refresh token.
    const c2 = track(cluster(srv.mcpUrl, store, false));
    await c2.refresh();
    assert.equal(c2.health()[0].status, 'up', c2.health()[0].lastError);
    assert.equal(srv.counts.refreshes, 1);
    // Now three calls at once on the open session meet a revoked token: one refresh serves them all.
    await revoke();
    const results = await Promise.all([1, 2, 3].map((i) => c2.call('echo', { text: `p${i}` })));
    assert.deepEqual(results.map(text), ['echo: p1', 'echo: p2', 'echo: p3']);
    assert.equal(srv.counts.refreshes, 2);
    assert.equal(srv.counts.codeExchanges, 1, 'no new sign-in');
  });

  test('a token about to expire is refreshed before the request', async () => {
    // 20 s tokens are inside the 30 s safety margin: each use refreshes first, the server never sees an expired one.
    const srv = await start({ tokenTtlS: 20 });
    const store = new MemoryCredentialStore();
    const c = track(cluster(srv.mcpUrl, store, true));
    await c.refresh();
    const before = srv.counts.refreshes;
    assert.equal(text(await c.call('echo', { text: 'x' })), 'echo: x');
    assert.ok(srv.counts.refreshes > before, 'refreshed proactively');
    assert.equal(srv.counts.codeExchanges, 1);
  });

  test('no sign-in yet, nobody to ask: the server is down with "needs sign-in" and the hint; signIn() fixes it', async () => {
    const srv = await start();
    const c = track(cluster(srv.mcpUrl, new MemoryCredentialStore(), false));
    await c.refresh();
    const h = c.health()[0];
    assert.equal(h.status, 'down');
    assert.equal(h.needsSignIn, true);
    assert.match(h.lastError!, new RegExp(`${srv.mcpUrl} needs sign-in: run "aop login ${srv.mcpUrl}"`));
    assert.equal(srv.counts.authorize, 0);
    await c.signIn(h.id, headlessApprover());
    const after = c.health()[0];
    assert.equal(after.status, 'up', after.lastError);
    assert.equal(after.needsSignIn, undefined);
    assert.equal(text(await c.call('echo', { text: 'ok' })), 'echo: ok');
  });

  test('refresh refused: "sign-in expired" for the explorer, no token in any message', async () => {
    const srv = await start({ refreshFails: true, echoCredentials: true });
    const store = new MemoryCredentialStore();
    const c1 = track(cluster(srv.mcpUrl, store, true));
    await c1.refresh();
    await c1.close();
    const key = credentialKey(srv.mcpUrl);
    const rec = (await store.load(key))!;
    await store.save(key, { ...rec, tokens: { ...rec.tokens!, access_token: 'expired-at-server' } });
    const c2 = track(cluster(srv.mcpUrl, store, false));
    await c2.refresh();
    const h = c2.health()[0];
    assert.equal(h.status, 'down');
    assert.equal(h.needsSignIn, true);
    assert.match(h.lastError!, /needs sign-in \(the saved sign-in expired and could not be renewed\)/);
    await assert.rejects(c2.call('echo', { text: 'x' }), (err: Error) => (assertNoSecrets(srv, err.message), /needs sign-in|no server/.test(err.message)));
    assertNoSecrets(srv, h.lastError, JSON.stringify(c2.health()));
  });

  test('an authorization server without PKCE (S256) is refused before any authorization request', async () => {
    const srv = await start({ asMetadata: (m) => ({ ...m, code_challenge_methods_supported: undefined }) });
    for (const interactive of [false, true]) {
      const c = track(cluster(srv.mcpUrl, new MemoryCredentialStore(), interactive));
      await c.refresh();
      assert.match(c.health()[0].lastError!, /does not advertise PKCE with S256 .*missing.*will not sign in without it/);
    }
    assert.equal(srv.counts.authorize, 0);
  });

  test('metadata on a foreign origin is refused: resource of another server, issuer of another origin', async () => {
    const foreignResource = await start({ prmResource: 'https://evil.example.com/mcp' });
    const foreignIssuer = await start({ asMetadata: (m) => ({ ...m, issuer: 'https://evil.example.com/' }) });
    for (const interactive of [false, true]) {
      const a = track(cluster(foreignResource.mcpUrl, new MemoryCredentialStore(), interactive));
      await a.refresh();
      assert.match(a.health()[0].lastError!, /Protected resource https:\/\/evil\.example\.com\/mcp does not match/);
      const b = track(cluster(foreignIssuer.mcpUrl, new MemoryCredentialStore(), interactive));
      await b.refresh();
      assert.match(b.health()[0].lastError!, /names issuer https:\/\/evil\.example\.com\/ on another origin/);
    }
    assert.equal(foreignResource.counts.authorize + foreignIssuer.counts.authorize, 0);
  });

  test('a server that refuses the token it just issued ends with an error, not a sign-in loop', async () => {
    const srv = await start({ refuseAll: true });
    const c = track(cluster(srv.mcpUrl, new MemoryCredentialStore(), true));
    await c.refresh();
    assert.match(c.health()[0].lastError!, /refused the token it just issued \(401 again after sign-in\)/);
    assert.equal(srv.counts.authorize, 1, 'one sign-in, no loop');
  });

  test('an approval that redirects in circles gives up after 5 redirects', async () => {
    const loop = createServer((req, res) => res.writeHead(302, { Location: req.url === '/a' ? '/b' : '/a' }).end());
    await new Promise<void>((r) => loop.listen(0, '127.0.0.1', r));
    try {
      const url = new URL(`http://127.0.0.1:${(loop.address() as AddressInfo).port}/a`);
      await assert.rejects(headlessApprover().approve(url, 's'), /redirected more than 5 times without coming back/);
    } finally {
      loop.closeAllConnections();
      loop.close();
    }
  });

  test('a configured Authorization header wins over sign-in; a server echoing it does not leak it', async () => {
    const srv = await start({ echoCredentials: true });
    const c = track(cluster(srv.mcpUrl, new MemoryCredentialStore(), true, { headers: { Authorization: 'Bearer static-secret-token-1234' } }));
    await c.refresh();
    const h = c.health()[0];
    assert.equal(h.status, 'down');
    assert.match(h.lastError!, /refused the credentials \(401\)/);
    assert.ok(!h.lastError!.includes('static-secret-token-1234'), h.lastError);
    assert.match(h.lastError!, /\[redacted\]/, 'the echo was there and was scrubbed');
    assert.equal(srv.counts.authorize, 0);
  });

  test('an AOP server with a static token and no OAuth metadata keeps its plain 401 message', async () => {
    const member = await startMember('locked', ['alpha'], { token: 'sekrit' });
    try {
      const c = track(cluster(member.url, new MemoryCredentialStore(), false));
      await c.refresh();
      const h = c.health()[0];
      assert.equal(h.status, 'down');
      assert.match(h.lastError!, /refused the credentials \(401\)/);
      assert.equal(h.needsSignIn, undefined);
    } finally {
      await member.stop();
    }
  });
});
