import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { OAuthResource } from '../../src/core/server/oauth-resource';
import { MemoryCredentialStore } from '../../src/core/cluster/auth/credential-store';
import { makeCluster, startMember, type Member } from '../support/cluster';

/** An issuer that publishes RFC 8414 metadata and a JWKS (its signing key stays in the test). */
async function startIssuer(): Promise<{ url: string; key: CryptoKey; server: Server }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let url = '';
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/oauth-authorization-server'
        ? { issuer: url, authorization_endpoint: `${url}/authorize`, token_endpoint: `${url}/token`, jwks_uri: `${url}/jwks`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, key: privateKey, server };
}

describe('aop serve behind MCP authorization (--auth-issuer, --audience)', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let member: Member;
  const jwt = (claims: { aud?: string; iss?: string; exp?: number }, key?: CryptoKey) =>
    new SignJWT({ scope: 'mcp:tools' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(claims.iss ?? issuer.url)
      .setAudience(claims.aud ?? 'aop-test')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(key ?? issuer.key);
  const post = (token?: string) =>
    fetch(member.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });

  before(async () => {
    issuer = await startIssuer();
    member = await startMember('secured', ['alpha'], { oauth: new OAuthResource({ issuer: issuer.url, audience: 'aop-test' }) });
  });
  after(async () => {
    await member.stop();
    issuer.server.close();
  });

  test('no token: 401 whose challenge points at the Protected Resource Metadata, which names the issuer', async () => {
    const res = await post();
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate')!;
    const prmUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    assert.equal(prmUrl, new URL('/.well-known/oauth-protected-resource/mcp', member.url).href);
    const prm = await (await fetch(prmUrl!)).json();
    assert.deepEqual(prm, { resource: member.url, authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
  });

  test('a valid JWT of the issuer for the audience is let in (a real MCP client lists the tools)', async () => {
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(member.url), { requestInit: { headers: { Authorization: `Bearer ${await jwt({})}` } } }));
    try {
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'alpha'));
    } finally {
      await client.close();
    }
  });

  test('wrong audience, wrong issuer, expired, foreign key: 401 invalid_token with the reason', async () => {
    const other = (await generateKeyPair('ES256')).privateKey;
    const cases: Array<[string, RegExp]> = [
      [await jwt({ aud: 'someone-else' }), /"aud" claim is not accepted/],
      [await jwt({ iss: 'http://127.0.0.1:1' }), /"iss" claim is not accepted/],
      [await jwt({ exp: Math.floor(Date.now() / 1000) - 3600 }), /the token has expired/],
      [await jwt({}, other), /not a valid signed JWT of the issuer/],
      ['not-a-jwt', /not a valid signed JWT/],
    ];
    for (const [token, why] of cases) {
      const res = await post(token);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/);
      const body = await res.text();
      assert.match(JSON.parse(body).error.message, why);
      assert.ok(!body.includes(token), 'the token is not echoed');
    }
  });

  test('our cluster client finds the issuer through the metadata and reports "needs sign-in"', async () => {
    const cluster = makeCluster({ servers: [member.url] }, { auth: { store: new MemoryCredentialStore(), signInHint: (u) => `run "aop login ${u}"` } });
    try {
      await cluster.refresh();
      const h = cluster.health()[0];
      assert.equal(h.needsSignIn, true, h.lastError);
      assert.match(h.lastError!, /needs sign-in: run "aop login/);
    } finally {
      await cluster.close();
    }
  });

  test('an http issuer that is not loopback is refused', () => {
    assert.throws(() => new OAuthResource({ issuer: 'http://idp.example.com', audience: 'x' }), /must be an https URL/);
  });
});
