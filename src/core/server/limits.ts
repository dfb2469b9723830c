import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Caps an AOP server puts on its clients (issue #15: batch amplification, reused ids, slow bodies,
 * session floods). Every field is a setting (`aop serve` flags, `AopServerOptions.limits`); the
 * README's threat model lists them with these defaults.
 */
export interface ServerLimits {
  /** A request's headers must arrive within this (ms); else 408 and the connection is closed. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this (ms); else 408. Answers may stream longer. */
  bodyTimeoutMs: number;
  /** A connection with no traffic either way for this long (ms) is closed. SSE answers send keep-alives every 15 s. */
  idleTimeoutMs: number;
  /** Most messages in one JSON-RPC batch (protocol 2025-03-26). */
  maxBatchLength: number;
  /** Most bytes of answers to one HTTP request; answers past it become JSON-RPC errors. */
  maxAnswerBytes: number;
  /** Most requests of one session in flight at once; more get a JSON-RPC error at once. */
  maxInFlightPerSession: number;
  /** Most sessions opened from one client address; its idlest idle session is closed past it. */
  maxSessionsPerClient: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxBatchLength: 100,
  maxAnswerBytes: 32 * 1024 * 1024,
  maxInFlightPerSession: 64,
  maxSessionsPerClient: 200,
};

export function serverLimits(partial: Partial<ServerLimits> | undefined): ServerLimits {
  const out = { ...DEFAULT_SERVER_LIMITS };
  for (const k of Object.keys(out) as Array<keyof ServerLimits>) {
    const v = partial?.[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[k] = v;
  }
  return out;
}

/** What the session table needs to know about a session to pick one to close. */
export interface SessionSlot {
  lastSeen: number;
  /** Client address (the socket's remote address). */
  address: string;
  /** HTTP requests the session has made (initialize included). */
  uses: number;
  /** Requests of the session still unanswered: such a session is never closed to make room. */
  busy(): boolean;
}

/** Sessions that did no more than initialize go first: a flood of new sessions evicts itself, not clients at work. */
const PROVEN_USES = 3;

/**
 * The session to close so a new one from `address` fits: an idle session of that address when it
 * holds `perClient` already, else an idle one of any address when the table holds `max` — among
 * them the idlest of those that never did more than initialize, else the idlest.
 * `null`: there is room. `undefined`: no room and nothing may be closed (every candidate is busy).
 */
export function sessionToEvict<K>(
  sessions: Map<K, SessionSlot>,
  address: string,
  max: number,
  perClient: number,
): K | null | undefined {
  let mine = 0;
  for (const s of sessions.values()) if (s.address === address) mine++;
  const scope = mine >= perClient ? (s: SessionSlot) => s.address === address : sessions.size >= max ? () => true : undefined;
  if (!scope) return null;
  let victim: [K, SessionSlot] | undefined;
  for (const entry of sessions) {
    const s = entry[1];
    if (!scope(s) || s.busy()) continue;
    if (!victim || rank(s) < rank(victim[1]) || (rank(s) === rank(victim[1]) && s.lastSeen < victim[1].lastSeen)) victim = entry;
  }
  return victim ? victim[0] : undefined;
}

function rank(s: SessionSlot): number {
  return s.uses < PROVEN_USES ? 0 : 1;
}

const KEY = Buffer.from('"jsonrpc"');

/**
 * A cheap upper bound on the messages in a raw JSON-RPC batch body, without parsing it: the
 * occurrences of the key `"jsonrpc"` (inside a JSON string a quote is escaped, so each unescaped
 * occurrence is a key or a whole string value). Lets a 20,000-message batch be refused before
 * spending the CPU to parse it. 0 when the body is not an array.
 */
export function roughBatchLength(raw: Buffer, stopAfter: number): number {
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  if (raw[i] !== 0x5b /* [ */) return 0;
  let n = 0;
  for (let at = raw.indexOf(KEY, i); at >= 0 && n <= stopAfter; at = raw.indexOf(KEY, at + KEY.length)) {
    if (raw[at - 1] !== 0x5c /* \ */) n++;
  }
  return n;
}

/** The refusal of a raw body that is a batch of more than `max` messages (bodies over 64 KiB are checked). */
export function batchTooLong(raw: Buffer, max: number): string | undefined {
  const n = raw.length > 64 * 1024 ? roughBatchLength(raw, max) : 0;
  return n > max ? `Invalid Request: a batch of more than ${max} messages; at most ${max} are allowed per request` : undefined;
}

/**
 * An HTTP server with the limits' timeouts: slow headers and bodies get 408 within seconds
 * (checked every second); answers may stream longer (requestTimeout covers receiving the request
 * only); a connection silent either way is closed.
 */
export function limitedHttpServer(limits: ServerLimits, handler: RequestListener): Server {
  const http = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.bodyTimeoutMs, limits.headersTimeoutMs),
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    handler,
  );
  http.keepAliveTimeout = Math.min(65_000, limits.idleTimeoutMs);
  http.setTimeout(limits.idleTimeoutMs);
  return http;
}

export const TOO_MANY_SESSIONS = 'Too many sessions: every session of this server (or of your address) has work in flight; try again later';
