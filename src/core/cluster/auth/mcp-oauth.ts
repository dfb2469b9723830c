import {
  auth,
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  selectResourceURL,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { boundedFetch } from './bounded-fetch';
import { credentialKey, type CredentialStore } from './credential-store';
import type { AuthChallenge, HttpAuth } from './http-auth';
import { AopOAuthProvider, OAuthSetupError, checkAuthorizationServer, type OAuthClientSettings } from './oauth-provider';

type Outcome = 'ok' | 'no-oauth';

/**
 * Who approves a sign-in: a person in a browser (CLI loopback, VS Code URI handler) or, for the
 * conformance suite, a headless agent.
 */
export interface Approver {
  /** The redirect URI to register and send (a loopback listener binds when first asked). */
  redirectUrl(): Promise<string>;
  /** Shows `authorizationUrl`; resolves with the authorization code of the redirect, whose `state` it checked. */
  approve(authorizationUrl: URL, state: string | undefined): Promise<string>;
}

/** The server needs a sign-in that only a person can give. */
export class SignInRequiredError extends Error {
  readonly needsSignIn = true;
  constructor(
    readonly serverUrl: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

export interface McpOAuthOptions {
  serverUrl: string;
  store: CredentialStore;
  client?: OAuthClientSettings;
  /** Who approves a sign-in; none: a server that needs one fails with SignInRequiredError. */
  approver?: Approver;
  /** How the user signs in, for the error message (e.g. `run "aop login <url>"`). */
  signInHint?: string;
  fetchFn?: FetchLike;
  /** Re-authorizations one request may cause (401 then scope step-ups); default 3. */
  maxRetries?: number;
}

/**
 * The MCP authorization flow (spec 2025-11-25, with the 2025-03-26 fallbacks) for one server, on
 * the SDK's `auth()`: discovery, client registration (pre-registered, Client ID Metadata Document
 * or dynamic), PKCE authorization code, refresh, scope step-up on `insufficient_scope` with a
 * retry limit. Concurrent challenges share one flow. Errors never carry a token.
 */
export class McpOAuth implements HttpAuth {
  readonly provider: AopOAuthProvider;
  readonly serverUrl: string;
  approver?: Approver;
  /** The last challenge (scope, metadata URL): a later sign-in asks for the same. */
  private last: { scope?: string; resourceMetadataUrl?: URL } = {};
  private running?: Promise<Outcome>;
  private readonly fetchFn: FetchLike;
  private readonly maxRetries: number;
  private stepUpHeader?: string;
  /** Set while a server is known to need a sign-in. */
  needsSignIn = false;

  constructor(private readonly opts: McpOAuthOptions) {
    this.serverUrl = opts.serverUrl;
    this.provider = new AopOAuthProvider(opts.store, credentialKey(opts.serverUrl), opts.client);
    this.approver = opts.approver;
    this.fetchFn = opts.fetchFn ?? boundedFetch();
    this.maxRetries = opts.maxRetries ?? 3;
  }

  async authorization(): Promise<string | undefined> {
    let tokens = await this.provider.tokens();
    if (!tokens) return undefined;
    const expiresAt = (tokens as { expires_at?: number }).expires_at;
    if (expiresAt !== undefined && expiresAt - 30_000 < Date.now() && tokens.refresh_token) {
      await this.once(() => this.authorize({}));
      tokens = await this.provider.tokens();
    }
    return tokens ? `Bearer ${tokens.access_token}` : undefined;
  }

  async challenge(c: AuthChallenge): Promise<boolean> {
    if (c.attempt >= this.maxRetries) return false;
    const params = extractWWWAuthenticateParams(new Response(null, { status: c.status, headers: c.wwwAuthenticate ? { 'www-authenticate': c.wwwAuthenticate } : {} }));
    if (c.status === 403) {
      if (params.error !== 'insufficient_scope') return false;
      // The same challenge again right after a step-up: more authorizations will not help.
      if (c.attempt > 0 && this.stepUpHeader === c.wwwAuthenticate) {
        throw new OAuthSetupError(`${this.serverUrl} still refuses with insufficient_scope after granting scope "${params.scope ?? ''}"`);
      }
      const granted = new Set(((await this.provider.tokens())?.scope ?? '').split(' ').filter(Boolean));
      const wanted = (params.scope ?? '').split(' ').filter(Boolean);
      if (wanted.length && granted.size && wanted.every((s) => granted.has(s))) {
        throw new OAuthSetupError(`${this.serverUrl} refuses with insufficient_scope although the token has scope "${params.scope}"`);
      }
      this.stepUpHeader = c.wwwAuthenticate;
      await this.once(() => this.authorize({ scope: params.scope, resourceMetadataUrl: params.resourceMetadataUrl, stepUp: true }));
      return true;
    }
    if (c.status !== 401) return false;
    // Another request already renewed the token: just send again.
    const current = await this.currentHeader();
    if (c.sent !== current && current !== undefined) return true;
    if (c.attempt > 0) throw new OAuthSetupError(`${this.serverUrl} refused the token it just issued (401 again after sign-in)`);
    const done = await this.once(() => this.authorize({ scope: params.scope, resourceMetadataUrl: params.resourceMetadataUrl }));
    return done !== 'no-oauth';
  }

  /** Signs in with `approver` (a person), asking for what the server's last challenge asked. */
  async signIn(approver: Approver): Promise<void> {
    const before = this.approver;
    this.approver = approver;
    try {
      await this.once(() => this.authorize(this.last));
    } finally {
      this.approver = before;
    }
  }

  /** Forgets the saved sign-in of this server. */
  async signOut(): Promise<void> {
    await this.provider.clear();
  }

  private async currentHeader(): Promise<string | undefined> {
    const t = await this.provider.tokens();
    return t ? `Bearer ${t.access_token}` : undefined;
  }

  /** Runs one flow at a time; concurrent callers share it. Errors come out explained and scrubbed. */
  private once(fn: () => Promise<Outcome>): Promise<Outcome> {
    if (this.running) return this.running;
    const p: Promise<Outcome> = fn()
      .catch((err) => {
        throw this.explain(err);
      })
      .finally(() => {
        if (this.running === p) this.running = undefined;
      });
    this.running = p;
    return p;
  }

  private async authorize(o: { scope?: string; resourceMetadataUrl?: URL; stepUp?: boolean }): Promise<Outcome> {
    this.last = { scope: o.scope ?? this.last.scope, resourceMetadataUrl: o.resourceMetadataUrl ?? this.last.resourceMetadataUrl };
    const p = this.provider;
    const approver = this.approver;
    const saved = await p.tokens();
    if (!approver && (o.stepUp || !saved?.refresh_token)) {
      // Nobody to ask: check the server's set-up now, so its problems show before any sign-in.
      if (!(await this.preflight(o.resourceMetadataUrl))) return 'no-oauth';
      throw this.signInRequired(o.stepUp ? `needs more access (scope "${o.scope ?? ''}")` : undefined);
    }
    if (o.stepUp) await p.invalidateCredentials('tokens');
    p.pendingAuthorization = undefined;
    p.redirect = approver ? await approver.redirectUrl() : p.redirect;
    if (approver) {
      // A registration made for another redirect URI (an earlier loopback port) is made again.
      const client = (await p.clientInformation()) as { redirect_uris?: string[] } | undefined;
      if (client?.redirect_uris && !client.redirect_uris.includes(p.redirect)) await p.invalidateCredentials('client');
    }
    const common = { serverUrl: this.serverUrl, scope: o.scope, resourceMetadataUrl: o.resourceMetadataUrl, fetchFn: this.fetchFn };
    const result = await auth(p, common);
    if (result === 'AUTHORIZED') {
      this.needsSignIn = false;
      return 'ok';
    }
    const pending = p.takePendingAuthorization();
    if (!approver || !pending) throw this.signInRequired(p.tokensInvalidated ? 'the saved sign-in expired and could not be renewed' : undefined);
    const code = await approver.approve(pending.url, pending.state);
    const exchanged = await auth(p, { ...common, authorizationCode: code });
    if (exchanged !== 'AUTHORIZED') throw new Error(`sign-in to ${this.serverUrl} did not complete`);
    this.needsSignIn = false;
    return 'ok';
  }

  /** Discovery without signing in: false when the server publishes no OAuth metadata at all. */
  private async preflight(resourceMetadataUrl?: URL): Promise<boolean> {
    const info = await discoverOAuthServerInfo(this.serverUrl, { resourceMetadataUrl, fetchFn: this.fetchFn });
    if (!info.resourceMetadata && !info.authorizationServerMetadata) return false;
    checkAuthorizationServer(info.authorizationServerUrl, info.authorizationServerMetadata);
    await selectResourceURL(this.serverUrl, this.provider, info.resourceMetadata);
    return true;
  }

  private signInRequired(why?: string): SignInRequiredError {
    this.needsSignIn = true;
    const hint = this.opts.signInHint ?? 'sign in to it';
    return new SignInRequiredError(this.serverUrl, `${this.serverUrl} needs sign-in${why ? ` (${why})` : ''}: ${hint}`);
  }

  /** An error as the user sees it: which server, what went wrong, no secrets. */
  private explain(err: unknown): Error {
    if (err instanceof SignInRequiredError) return err;
    const raw = err instanceof Error ? err.message : String(err);
    const message = scrubSecrets(raw, this.secretsSeen);
    if (err instanceof OAuthSetupError) return new OAuthSetupError(message);
    const e = new OAuthSetupError(`sign-in to ${this.serverUrl} failed: ${message}`);
    return e;
  }

  private get secretsSeen(): string[] {
    return this.provider.secretsSeen();
  }
}

/** Replaces each secret (and any long token-like run after "Bearer ") in `text`. */
export function scrubSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, '$1[redacted]').slice(0, 2000);
}
