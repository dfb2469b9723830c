import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface GuardOptions {
  /** Bearer token required on /mcp when set. */
  token?: string;
  /** Host header values accepted (host or host:port, lower case). Empty = no Host check. */
  allowedHosts: string[];
  /** Origin header values accepted when an Origin is sent. */
  allowedOrigins: string[];
}

export interface GuardFailure {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** Hosts and origins a loopback server accepts: loopback names with its port. */
export function loopbackAllowList(port: number): { hosts: string[]; origins: string[] } {
  const hosts = LOOPBACK_NAMES.flatMap((h) => [h, `${h}:${port}`]);
  const origins = LOOPBACK_NAMES.flatMap((h) => [`http://${h}:${port}`, `https://${h}:${port}`]);
  return { hosts, origins };
}

/**
 * DNS-rebinding protection and authentication, checked before any MCP processing:
 * a foreign Host or Origin gets 403, a missing or wrong token 401.
 */
export function checkRequest(req: IncomingMessage, opts: GuardOptions): GuardFailure | undefined {
  if (opts.allowedHosts.length > 0) {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!opts.allowedHosts.includes(host)) {
      return { status: 403, message: `Forbidden: Host "${host || '(none)'}" is not allowed (DNS rebinding protection)` };
    }
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !opts.allowedOrigins.includes(origin.toLowerCase())) {
    return { status: 403, message: `Forbidden: Origin "${origin}" is not allowed` };
  }
  if (opts.token !== undefined) {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(auth);
    if (!match || !tokensEqual(match[1].trim(), opts.token)) {
      return {
        status: 401,
        message: match ? 'Unauthorized: wrong token' : 'Unauthorized: send "Authorization: Bearer <token>"',
        headers: { 'WWW-Authenticate': 'Bearer realm="aop"' },
      };
    }
  }
  return undefined;
}

function tokensEqual(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Reads a request body up to `limit` bytes; rejects with BodyTooLargeError past it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
    // The client went away mid-body (or the body timeout closed it): nothing to wait for.
    req.on('close', () => {
      if (!failed && !req.complete) {
        failed = true;
        reject(new Error('the client closed the connection before the body was complete'));
      }
    });
  });
}
