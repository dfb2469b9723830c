import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { credentialKey } from '../../src/core/cluster/auth/credential-store';
import { SecretStorageCredentialStore, UriHandlerSignIn, type SignInHost, type UriLike } from '../../src/extension/sign-in';
import { startOAuthServer, type OAuthTestServer } from '../support/oauth-server';

/** vscode.SecretStorage over a Map. */
function fakeSecrets() {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k: string) => map.get(k),
    store: async (k: string, v: string) => void map.set(k, v),
    delete: async (k: string) => void map.delete(k),
  };
}

/** The `vscode.Uri` parts the sign-in uses, from a URL string. */
function uri(value: string): UriLike {
  const u = new URL(value);
  return { path: u.pathname, query: u.search.slice(1), toString: () => value };
}

/**
 * The VS Code surface of the sign-in: `openExternal` is the person's browser, which opens the
 * authorization URL and, when the authorization server redirects to vscode://…, hands that URI to
 * the extension's URI handler (as VS Code does). `browse` decides what the browser does.
 */
function fakeHost(browse: (authUrl: string) => Promise<void>): SignInHost & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    env: {
      uriScheme: 'vscode',
      openExternal: async (target) => {
        opened.push(target.toString());
        void browse(target.toString());
        return true;
      },
      asExternalUri: async (target) => target,
    },
    Uri: { parse: (value: string) => uri(value) },
  };
}

describe('VS Code sign-in: URI handler and SecretStorage', () => {
  let srv: OAuthTestServer;
  before(async () => {
    srv = await startOAuthServer();
  });
  after(() => srv.close());

  test('SecretStorage store: records and their index', async () => {
    const secrets = fakeSecrets();
    const store = new SecretStorageCredentialStore(secrets);
    await Promise.all([store.save('http://a/mcp', { client: { client_id: 'a' } }), store.save('http://b/mcp', { client: { client_id: 'b' } })]);
    assert.deepEqual((await store.keys()).sort(), ['http://a/mcp', 'http://b/mcp']);
    assert.equal((await store.load('http://b/mcp'))?.client?.client_id, 'b');
    await store.delete('http://a/mcp');
    assert.deepEqual(await store.keys(), ['http://b/mcp']);
    assert.equal(await store.load('http://a/mcp'), undefined);
    assert.equal(secrets.map.has('aop.oauth.http://a/mcp'), false);
  });

  test('"Sign in": browser opened with openExternal, redirect back through the URI handler, tokens in SecretStorage', async () => {
    const secrets = fakeSecrets();
    let signIn!: UriHandlerSignIn;
    const stray: string[] = [];
    const host = fakeHost(async (authUrl) => {
      const res = await fetch(authUrl, { redirect: 'manual' });
      const location = res.headers.get('location')!;
      assert.match(location, /^vscode:\/\/aop-agents\.aop-agents\/oauth-callback\?/);
      // A stale redirect of some other sign-in first: ignored, the real one still counts.
      const forged = location.replace(/state=[^&]+/, 'state=forged');
      stray.push(forged);
      signIn.handleUri(uri(forged));
      signIn.handleUri(uri(location));
    });
    signIn = new UriHandlerSignIn(host, 'aop-agents.aop-agents');
    const store = new SecretStorageCredentialStore(secrets);
    const cluster = new AopCluster(parseClusterConfig({ name: 'team', servers: [srv.mcpUrl], timeout_ms: 20_000 }), {
      auth: { store, signInHint: () => 'use "Sign in" on this server in the AOP explorer' },
    });
    try {
      await cluster.refresh();
      const before = cluster.health()[0];
      assert.equal(before.needsSignIn, true);
      assert.match(before.lastError!, /needs sign-in: use "Sign in" on this server in the AOP explorer/);
      await cluster.signIn(before.id, signIn.approver());
      const h = cluster.health()[0];
      assert.equal(h.status, 'up', h.lastError);
      assert.equal(host.opened.length, 1);
      assert.equal(stray.length, 1);
      const saved = JSON.parse(secrets.map.get(`aop.oauth.${credentialKey(srv.mcpUrl)}`)!);
      assert.ok(saved.tokens.access_token);
      assert.deepEqual(saved.client.redirect_uris, ['vscode://aop-agents.aop-agents/oauth-callback']);
      const r = await cluster.call('echo', { text: 'from vscode' });
      assert.equal((r.content as Array<{ text: string }>)[0].text, 'echo: from vscode');
    } finally {
      await cluster.close();
      signIn.dispose();
    }
  });

  test('a refused sign-in (error=access_denied) and one that never comes back end with clear errors', async () => {
    let signIn!: UriHandlerSignIn;
    const denying = fakeHost(async (authUrl) => {
      const state = new URL(authUrl).searchParams.get('state');
      signIn.handleUri(uri(`vscode://aop-agents.aop-agents/oauth-callback?error=access_denied&error_description=user%20said%20no&state=${state}`));
    });
    signIn = new UriHandlerSignIn(denying, 'aop-agents.aop-agents');
    const a = signIn.approver();
    await a.redirectUrl();
    await assert.rejects(a.approve(new URL('https://as.example/authorize?state=s1'), 's1'), /refused the sign-in: access_denied \(user said no\)/);

    const silent = new UriHandlerSignIn(fakeHost(async () => {}), 'aop-agents.aop-agents', 50);
    await assert.rejects(silent.approver().approve(new URL('https://as.example/authorize?state=s2'), 's2'), /no sign-in arrived within/);
  });
});
