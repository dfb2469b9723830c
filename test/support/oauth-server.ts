import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createOAuthMetadata, mcpAuthMetadataRouter, mcpAuthRouter, getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidGrantError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export interface OAuthServerOptions {
  /** Lifetime of access tokens, seconds (default 3600). */
  tokenTtlS?: number;
  /** The refresh grant fails with invalid_grant. */
  refreshFails?: boolean;
  /** `resource` of the protected resource metadata (default: the MCP URL). */
  prmResource?: string;
  /** Rewrites the authorization server metadata before it is served. */
  asMetadata?: (m: Record<string, unknown>) => Record<string, unknown>;
  /** The MCP server's 401 body repeats the Authorization header it got (a careless server). */
  echoCredentials?: boolean;
  /** The MCP server refuses every token, even the ones its authorization server just issued. */
  refuseAll?: boolean;
}

export interface OAuthTestServer {
  /** URL of the protected MCP endpoint. */
  mcpUrl: string;
  issuer: string;
  counts: { authorize: number; codeExchanges: number; refreshes: number; mcpWithToken: number };
  /** Every access and refresh token issued so far. */
  issued: string[];
  close(): Promise<void>;
}

/** The SDK's demo authorization server (approves at once), with refresh tokens and a settable lifetime. */
class TestAuthProvider extends DemoInMemoryAuthProvider {
  private readonly refreshTokens = new Map<string, { clientId: string; scopes: string[]; resource?: URL }>();
  constructor(
    private readonly opts: OAuthServerOptions,
    private readonly srv: OAuthTestServer,
  ) {
    super();
  }
  private issue(clientId: string, scopes: string[], resource?: URL): OAuthTokens {
    const ttl = this.opts.tokenTtlS ?? 3600;
    const token = `at-${randomUUID()}`;
    const refresh = `rt-${randomUUID()}`;
    (this as unknown as { tokens: Map<string, unknown> }).tokens.set(token, { token, clientId, scopes, expiresAt: Date.now() + ttl * 1000, resource, type: 'access' } as never);
    this.refreshTokens.set(refresh, { clientId, scopes, resource });
    this.srv.issued.push(token, refresh);
    return { access_token: token, token_type: 'bearer', expires_in: ttl, refresh_token: refresh, scope: scopes.join(' ') };
  }
  override async authorize(...args: Parameters<DemoInMemoryAuthProvider['authorize']>): Promise<void> {
    this.srv.counts.authorize++;
    return super.authorize(...args);
  }
  override async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string, verifier?: string, redirectUri?: string, resource?: URL): Promise<OAuthTokens> {
    const t = await super.exchangeAuthorizationCode(client, code, verifier);
    this.srv.counts.codeExchanges++;
    return this.issue(client.client_id, (t.scope ?? '').split(' ').filter(Boolean), resource);
  }
  override async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string, _scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    this.srv.counts.refreshes++;
    const r = this.refreshTokens.get(refreshToken);
    if (this.opts.refreshFails || !r || r.clientId !== client.client_id) throw new InvalidGrantError(`refresh token ${refreshToken} is not valid`);
    this.refreshTokens.delete(refreshToken);
    return this.issue(client.client_id, r.scopes, resource ?? r.resource);
  }
  override async verifyAccessToken(token: string): Promise<AuthInfo> {
    try {
      return await super.verifyAccessToken(token);
    } catch {
      throw new InvalidTokenError('invalid or expired token');
    }
  }
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/**
 * A real OAuth-protected MCP server for tests: an authorization server (SDK auth router, demo
 * provider that approves without a person, dynamic registration, PKCE, refresh) on one port and a
 * Streamable HTTP MCP server with an `echo` tool behind `requireBearerAuth` on another.
 */
export async function startOAuthServer(opts: OAuthServerOptions = {}): Promise<OAuthTestServer> {
  const srv: OAuthTestServer = {
    mcpUrl: '',
    issuer: '',
    counts: { authorize: 0, codeExchanges: 0, refreshes: 0, mcpWithToken: 0 },
    issued: [],
    close: async () => {},
  };
  const provider = new TestAuthProvider(opts, srv);

  const asApp = express();
  const as = await listen(asApp);
  srv.issuer = `${as.url}/`;
  const rsApp = express();
  const rs = await listen(rsApp);
  srv.mcpUrl = `${rs.url}/mcp`;

  const asRouter = mcpAuthRouter({ provider, issuerUrl: new URL(srv.issuer), scopesSupported: ['mcp:tools'] });
  if (opts.asMetadata) {
    // What the router would serve, rewritten.
    const metadata = createOAuthMetadata({ provider, issuerUrl: new URL(srv.issuer), scopesSupported: ['mcp:tools'] });
    asApp.get('/.well-known/oauth-authorization-server', (_req, res) => {
      res.json(opts.asMetadata!(metadata as unknown as Record<string, unknown>));
    });
  }
  asApp.use(asRouter);

  const oauthMetadata = { issuer: srv.issuer, authorization_endpoint: `${as.url}/authorize`, token_endpoint: `${as.url}/token`, response_types_supported: ['code'] };
  rsApp.use(
    mcpAuthMetadataRouter({ oauthMetadata: oauthMetadata as never, resourceServerUrl: new URL(opts.prmResource ?? srv.mcpUrl), scopesSupported: ['mcp:tools'] }),
  );
  const bearer = requireBearerAuth({ verifier: provider, requiredScopes: [], resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(srv.mcpUrl)) });
  rsApp.post('/mcp', express.json(), (req, res, next) => {
    if (opts.echoCredentials && req.headers.authorization) {
      const original = res.json.bind(res);
      res.json = (body: unknown) => original({ ...(body as object), error_description: `you sent ${req.headers.authorization}` });
    }
    if (opts.refuseAll) {
      const prm = getOAuthProtectedResourceMetadataUrl(new URL(srv.mcpUrl));
      res.status(401).set('WWW-Authenticate', `Bearer error="invalid_token", resource_metadata="${prm}"`).json({ error: 'invalid_token' });
      return;
    }
    bearer(req, res, next);
  }, async (req, res) => {
    srv.counts.mcpWithToken++;
    const mcp = new McpServer({ name: 'oauth-test', version: '1.0.0' });
    mcp.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  srv.close = async () => {
    for (const s of [as.server, rs.server]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  };
  return srv;
}
