import type * as crypto from 'node:crypto';
import type * as https from 'node:https';

/*
 * Node modules loaded on first use. `https` (with tls) and `crypto` are ~15 of Node's internal
 * modules, a few ms of every start-up that imports them; a cold `aop discover` of an http:// server
 * uses neither (bench/NOTES.md, CLI cold start). Bundled, these stay plain `require` calls.
 */

export function nodeHttps(): typeof https {
  return require('node:https') as typeof https;
}

export function nodeCrypto(): typeof crypto {
  return require('node:crypto') as typeof crypto;
}
