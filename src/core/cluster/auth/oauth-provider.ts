import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { AuthorizationServerMetadata, OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { nodeCrypto } from '../../lazy-builtins';
import { VERSION } from '../../version';
import type { CredentialStore, OAuthRecord } from './credential-store';

/** How this client identifies itself to an authorization server (all optional: dynamic registration otherwise). */
export interface OAuthClientSettings {
  /** Pre-registered client id (with the secret, when the server issued one). */
  client_id?: string;
  client_secret?: string;
  /** An https URL serving this client's Client ID Metadata Document; used where the server supports it. */
  client_metadata_url?: string;
  /** Scope to ask for when neither the server's challenge nor its metadata names one. */
  scope?: string;
}

/** A problem with a server's authorization set-up that signing in again will not fix. */
export class OAuthSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthSetupError';
  }
}

/** Where a redirect would go before any loopback listener or URI handler exists. Never used for a real sign-in. */
const PLACEHOLDER_REDIRECT = 'http://127.0.0.1/aop/oauth/callback';

/**
 * The SDK's OAuthClientProvider for one MCP server, over a CredentialStore. It keeps no secrets in
 * memory longer than a sign-in (the PKCE verifier), checks what discovery found (PKCE support),
 * and records the authorization URL instead of opening it: McpOAuth decides who approves.
 */
export class AopOAuthProvider implements OAuthClientProvider {
  private verifier?: string;
  private lastState?: string;
  /** The authorization URL of the sign-in under way (set by redirectToAuthorization). */
  pendingAuthorization?: { url: URL; state?: string };
  /** True after the server refused the saved tokens (refresh failed): the message says so. */
  tokensInvalidated = false;
  redirect: string = PLACEHOLDER_REDIRECT;
  /** Secret values this provider handled (tokens, client secret, verifier), to scrub from messages. */
  private readonly secrets = new Set<string>();

  constructor(
    private readonly store: CredentialStore,
    private readonly key: string,
    private readonly settings: OAuthClientSettings = {},
  ) {}

  /** The secrets to keep out of any message (the last few handled, plus the configured client secret). */
  secretsSeen(): string[] {
    return [...this.secrets, ...(this.settings.client_secret ? [this.settings.client_secret] : [])];
  }

  private remember(...values: Array<string | undefined>): void {
    for (const v of values) if (v) this.secrets.add(v);
    while (this.secrets.size > 32) this.secrets.delete(this.secrets.values().next().value as string);
  }

  get redirectUrl(): string {
    return this.redirect;
  }

  get clientMetadataUrl(): string | undefined {
    return this.settings.client_metadata_url;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'AOP Agents',
      client_uri: 'https://github.com/modelcontextprotocol',
      software_id: 'aop-agents',
      software_version: VERSION,
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.settings.client_secret ? 'client_secret_basic' : 'none',
      ...(this.settings.scope ? { scope: this.settings.scope } : {}),
    };
  }

  state(): string {
    this.lastState = nodeCrypto().randomBytes(24).toString('base64url');
    return this.lastState;
  }

  /** The state sent with the last authorization request, to check the redirect against. */
  get expectedState(): string | undefined {
    return this.lastState;
  }

  private async record(): Promise<OAuthRecord> {
    return (await this.store.load(this.key)) ?? {};
  }

  private async update(fn: (r: OAuthRecord) => void): Promise<void> {
    const r = await this.record();
    fn(r);
    await this.store.save(this.key, r);
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const saved = (await this.record()).client;
    if (this.settings.client_id) {
      // Pre-registered: the configured id wins; keep the issuer the SDK bound it to.
      const issuer = saved?.client_id === this.settings.client_id ? saved.issuer : undefined;
      return {
        client_id: this.settings.client_id,
        ...(this.settings.client_secret ? { client_secret: this.settings.client_secret } : {}),
        ...(issuer ? { issuer } : {}),
      };
    }
    return saved;
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    this.remember((info as { client_secret?: string }).client_secret);
    await this.update((r) => {
      r.client = this.settings.client_id ? { client_id: info.client_id, issuer: info.issuer } : info;
    });
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    const t = (await this.record()).tokens;
    if (t) this.remember(t.access_token, t.refresh_token);
    return t;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    this.remember(tokens.access_token, tokens.refresh_token, tokens.id_token);
    const expiresIn = typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? Math.min(tokens.expires_in, 10 * 365 * 86_400) : undefined;
    this.tokensInvalidated = false;
    await this.update((r) => {
      // A refresh answer without a new refresh token keeps the old one (RFC 6749 §6).
      const refresh = tokens.refresh_token ?? r.tokens?.refresh_token;
      r.tokens = { ...tokens, ...(refresh ? { refresh_token: refresh } : {}), ...(expiresIn ? { expires_at: Date.now() + expiresIn * 1000 } : {}) };
    });
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.pendingAuthorization = { url: authorizationUrl, state: authorizationUrl.searchParams.get('state') ?? undefined };
  }

  /** The authorization URL recorded by the last redirectToAuthorization, once. */
  takePendingAuthorization(): { url: URL; state?: string } | undefined {
    const p = this.pendingAuthorization;
    this.pendingAuthorization = undefined;
    return p;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.remember(codeVerifier);
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no sign-in is under way (no PKCE verifier)');
    return this.verifier;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier') {
      this.verifier = undefined;
      return;
    }
    if (scope === 'all' || scope === 'tokens') this.tokensInvalidated = true;
    await this.update((r) => {
      if (scope === 'all' || scope === 'tokens') delete r.tokens;
      if (scope === 'all' || scope === 'client') delete r.client;
      if (scope === 'all' || scope === 'discovery') delete r.discovery;
    });
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.record()).discovery;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    checkAuthorizationServer(state.authorizationServerUrl, state.authorizationServerMetadata);
    await this.update((r) => {
      r.discovery = state;
    });
  }

  /** Forgets this server's sign-in. */
  async clear(): Promise<void> {
    this.verifier = undefined;
    await this.store.delete(this.key);
  }
}

/**
 * What the MCP authorization spec requires of an authorization server before a client proceeds:
 * metadata about itself (issuer on the origin it was fetched from), PKCE with S256 advertised in its metadata (a server without metadata is the 2025-03-26 fallback,
 * where PKCE is assumed).
 */
export function checkAuthorizationServer(url: string, metadata: AuthorizationServerMetadata | undefined): void {
  if (!metadata) return;
  // RFC 8414 §3.3: metadata that names an issuer on another origin than it was fetched for is not used.
  let issuerOrigin: string | undefined;
  try {
    issuerOrigin = new URL(metadata.issuer).origin;
  } catch {
    issuerOrigin = undefined;
  }
  if (issuerOrigin !== new URL(url).origin) {
    throw new OAuthSetupError(
      `authorization server metadata for ${url} names issuer ${String(metadata.issuer).slice(0, 200)} on another origin; AOP does not use it`,
    );
  }
  const methods = metadata.code_challenge_methods_supported;
  if (!Array.isArray(methods) || !methods.includes('S256')) {
    throw new OAuthSetupError(
      `authorization server ${url} does not advertise PKCE with S256 (code_challenge_methods_supported: ${
        Array.isArray(methods) ? JSON.stringify(methods.slice(0, 8)) : 'missing'
      }); AOP will not sign in without it`,
    );
  }
}
