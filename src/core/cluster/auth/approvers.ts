import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Approver } from './mcp-oauth';

/** Redirects an approval may pass through before it reaches our redirect URI. */
const MAX_HOPS = 5;

/** The authorization code of a redirect to our redirect URI, after checking `state` and `error`. */
export function codeFromRedirect(redirect: URL, expectedState: string | undefined): string {
  const error = redirect.searchParams.get('error');
  if (error) {
    const why = redirect.searchParams.get('error_description');
    throw new Error(`the authorization server refused the sign-in: ${error.slice(0, 100)}${why ? ` (${why.slice(0, 300)})` : ''}`);
  }
  if (expectedState !== undefined && redirect.searchParams.get('state') !== expectedState) {
    throw new Error('the sign-in redirect carried a wrong "state": refused (it may not come from this sign-in)');
  }
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error('the sign-in redirect carried no authorization code');
  return code;
}

/**
 * Approves without a person, for the conformance suite whose test authorization server approves
 * at once: requests the authorization URL and follows its redirects (at most 5) to our redirect URI.
 */
export function headlessApprover(redirectUri = 'http://127.0.0.1:9/aop/oauth/callback', fetchFn: typeof fetch = fetch): Approver {
  return {
    redirectUrl: async () => redirectUri,
    async approve(authorizationUrl, state) {
      let url = authorizationUrl;
      for (let hop = 0; hop <= MAX_HOPS; hop++) {
        const res = await fetchFn(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (res.status < 300 || res.status > 399 || !location) {
          throw new Error(`the authorization endpoint answered HTTP ${res.status} instead of redirecting back`);
        }
        const next = new URL(location, url);
        if (next.href.startsWith(redirectUri)) return codeFromRedirect(next, state);
        url = next;
      }
      throw new Error(`the sign-in redirected more than ${MAX_HOPS} times without coming back`);
    },
  };
}

export interface LoopbackApprover extends Approver {
  close(): void;
}

/**
 * A person approves in their browser; the authorization server redirects to a listener on
 * 127.0.0.1 (RFC 8252 loopback redirect). `open` shows the URL (prints it, opens a browser).
 * Gives up after `timeoutMs` (default 5 minutes).
 */
export function loopbackApprover(open: (url: URL) => void | Promise<void>, opts: { timeoutMs?: number } = {}): LoopbackApprover {
  let server: http.Server | undefined;
  let redirect: string | undefined;
  let waiting: { state?: string; resolve: (code: string) => void; reject: (e: Error) => void } | undefined;
  const page = (title: string, text: string) =>
    `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif"><h2>${title}</h2><p>${text}</p></body>`;
  return {
    async redirectUrl() {
      if (redirect) return redirect;
      server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', redirect);
        if (url.pathname !== '/callback' || !waiting) {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
          return;
        }
        const w = waiting;
        try {
          const code = codeFromRedirect(url, w.state);
          waiting = undefined;
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page('Signed in', 'AOP has the sign-in. You can close this window.'));
          w.resolve(code);
        } catch (err) {
          res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(page('Sign-in failed', 'AOP did not accept this sign-in; see the terminal.'));
          // A wrong state may be a stray request: keep waiting for the real one.
          if (!/wrong "state"/.test((err as Error).message)) {
            waiting = undefined;
            w.reject(err as Error);
          }
        }
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(0, '127.0.0.1', () => resolve());
      });
      redirect = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
      return redirect;
    },
    async approve(authorizationUrl, state) {
      const timeoutMs = opts.timeoutMs ?? 300_000;
      const code = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new Error(`no sign-in arrived within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        waiting = {
          state,
          resolve: (c) => (clearTimeout(timer), resolve(c)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
      });
      await open(authorizationUrl);
      return code;
    },
    close() {
      waiting?.reject(new Error('sign-in cancelled'));
      waiting = undefined;
      server?.closeAllConnections?.();
      server?.close();
    },
  };
}
