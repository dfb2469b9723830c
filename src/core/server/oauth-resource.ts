import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { discoverAuthorizationServerMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { boundedFetch } from '../cluster/auth/bounded-fetch';
import type { GuardFailure } from './http-guard';

export interface OAuthResourceOptions {
  /** The authorization server (issuer) whose JWT access tokens are accepted. */
  issuer: string;
  /** The `aud` the tokens must carry (usually this server's URL). */
  audience: string;
  /** Scopes every token must have (space-separated `scope` claim). */
  requiredScopes?: string[];
}

/** The well-known paths of this server's Protected Resource Metadata (root and path-suffixed for /mcp). */
export const PRM_PATHS = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'];

/**
 * AOP as an OAuth protected resource (MCP authorization, server side): `/mcp` needs a JWT access
 * token from `issuer` for `audience`, checked against the issuer's JWKS (found through its
 * RFC 8414 / OIDC metadata) with `jose`; the Protected Resource Metadata (RFC 9728) names the
 * issuer, so MCP clients find where to sign in.
 */
export class OAuthResource {
  private jwks?: Promise<JWTVerifyGetKey>;

  constructor(private readonly opts: OAuthResourceOptions) {
    const u = new URL(opts.issuer);
    if (u.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
      throw new Error(`--auth-issuer must be an https URL (or loopback for tests), got ${opts.issuer}`);
    }
  }

  /** The resource identifier: the audience when it is this server's public URL, else `mcpUrl`. */
  resource(mcpUrl: string): string {
    return /^https?:\/\//.test(this.opts.audience) ? this.opts.audience : mcpUrl;
  }

  /** The Protected Resource Metadata document for the MCP endpoint at `mcpUrl`. */
  metadata(mcpUrl: string): Record<string, unknown> {
    return {
      resource: this.resource(mcpUrl),
      authorization_servers: [this.opts.issuer],
      bearer_methods_supported: ['header'],
      ...(this.opts.requiredScopes?.length ? { scopes_supported: this.opts.requiredScopes } : {}),
    };
  }

  private keys(): Promise<JWTVerifyGetKey> {
    this.jwks ??= (async () => {
      const meta = await discoverAuthorizationServerMetadata(this.opts.issuer, { fetchFn: boundedFetch() });
      const uri = (meta as { jwks_uri?: string } | undefined)?.jwks_uri;
      if (!uri) throw new Error(`authorization server ${this.opts.issuer} publishes no jwks_uri`);
      return createRemoteJWKSet(new URL(uri), { timeoutDuration: 10_000, cooldownDuration: 30_000 });
    })().catch((err) => {
      this.jwks = undefined; // try discovery again on the next request
      throw err;
    });
    return this.jwks;
  }

  /** Checks the request's bearer token; a failure carries the 401 and its WWW-Authenticate challenge. */
  async check(req: IncomingMessage, mcpUrl: string): Promise<GuardFailure | undefined> {
    const resource = new URL(this.resource(mcpUrl));
    const prm = new URL(`${PRM_PATHS[0]}${resource.pathname === '/' ? '' : resource.pathname}`, resource).href;
    const challenge = (error?: string) => ({
      'WWW-Authenticate': `Bearer resource_metadata="${prm}"${error ? `, error="${error}"` : ''}${
        this.opts.requiredScopes?.length ? `, scope="${this.opts.requiredScopes.join(' ')}"` : ''
      }`,
    });
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return { status: 401, message: 'Unauthorized: sign in (MCP authorization) and send "Authorization: Bearer <token>"', headers: challenge() };
    let scope: unknown;
    try {
      const { payload } = await jwtVerify(m[1], await this.keys(), { issuer: this.opts.issuer, audience: this.opts.audience, clockTolerance: 30 });
      scope = payload.scope;
    } catch (err) {
      const why =
        err instanceof joseErrors.JWTExpired
          ? 'the token has expired'
          : err instanceof joseErrors.JWTClaimValidationFailed
            ? `the token's "${err.claim}" claim is not accepted`
            : err instanceof joseErrors.JOSEError
              ? 'the token is not a valid signed JWT of the issuer'
              : `the issuer's keys could not be fetched (${err instanceof Error ? err.message : String(err)})`;
      return { status: 401, message: `Unauthorized: ${why}`, headers: challenge('invalid_token') };
    }
    const granted = new Set(typeof scope === 'string' ? scope.split(' ') : []);
    const missing = (this.opts.requiredScopes ?? []).filter((s) => !granted.has(s));
    if (missing.length) return { status: 403, message: `Forbidden: the token lacks scope ${missing.join(' ')}`, headers: challenge('insufficient_scope') };
    return undefined;
  }
}
