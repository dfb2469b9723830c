import { OAuthResource } from '../core';
import { UsageError, optString } from './usage';

/** `--auth-issuer URL --audience AUD`: the server accepts the issuer's JWT access tokens (no --token then). */
export function oauthResourceFrom(values: Record<string, unknown>): OAuthResource | undefined {
  const issuer = optString(values, 'auth-issuer');
  const audience = optString(values, 'audience');
  if (!issuer && !audience) return undefined;
  if (!issuer || !audience) throw new UsageError('--auth-issuer and --audience go together');
  if (optString(values, 'token')) throw new UsageError('--token and --auth-issuer exclude each other');
  try {
    return new OAuthResource({ issuer, audience });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
