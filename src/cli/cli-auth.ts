import { FileCredentialStore, type ClusterAuthOptions } from '../core';

/** How the CLI's clusters sign in: saved sign-ins from the credentials file, new ones with `aop login`. */
export function cliAuth(store = new FileCredentialStore()): ClusterAuthOptions {
  return { store, signInHint: (url) => `run "aop login ${url}"` };
}
