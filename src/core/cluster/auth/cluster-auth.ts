import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type ClusterServerConfig, type SecretLookup, expandHeaders } from '../config';
import type { CredentialStore } from './credential-store';
import { McpOAuth, type Approver } from './mcp-oauth';

/** MCP authorization for the servers of a cluster: where sign-ins are kept and who approves new ones. */
export interface ClusterAuthOptions {
  store: CredentialStore;
  /** Who approves a sign-in when a server asks; none: the server is reported as needing sign-in. */
  approver?: Approver;
  /** How the user signs in to `url`, for the error message. */
  signInHint?: (url: string) => string;
  fetchFn?: FetchLike;
}

/**
 * The McpOAuth of one cluster server, or undefined when the server is not to use MCP authorization:
 * it has a configured Authorization header (the user's token wins) or the cluster has no auth.
 */
export function serverAuth(s: ClusterServerConfig, lookup: SecretLookup, opts: ClusterAuthOptions | undefined): McpOAuth | undefined {
  if (!opts) return undefined;
  if (Object.keys(s.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')) return undefined;
  const o = s.oauth ?? {};
  // A missing ${env:…} in client_secret throws here: the server is then reported down with that message.
  const secret = o.client_secret ? expandHeaders({ client_secret: o.client_secret }, lookup).client_secret : undefined;
  return new McpOAuth({
    serverUrl: s.url,
    store: opts.store,
    approver: opts.approver,
    client: { client_id: o.client_id, client_secret: secret, client_metadata_url: o.client_metadata_url, scope: o.scope },
    signInHint: opts.signInHint?.(s.url),
    fetchFn: opts.fetchFn,
  });
}
