import { AgentCard } from '@a2a-js/sdk';
import { JSONRPC_BINDING } from './cards';

/** Caps for what an A2A peer may send us. */
export interface A2aPeerLimits {
  /** Largest agent card (bytes). Default 256 KiB. */
  maxCardBytes: number;
  /** Largest response of one call — a JSON answer or a whole SSE stream (bytes). Default 4 MiB. */
  maxResponseBytes: number;
}

export const DEFAULT_PEER_LIMITS: A2aPeerLimits = { maxCardBytes: 256 * 1024, maxResponseBytes: 4 * 1024 * 1024 };

/** The peer broke a rule (size, shape, host): reported in its health, never thrown past the cluster. */
export class A2aPeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'A2aPeerError';
  }
}

/** A Response whose body errors once more than `max` bytes have come through. */
export function capResponse(res: Response, max: number, what: string): Response {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    void res.body?.cancel().catch(() => {});
    throw new A2aPeerError(`${what} is ${declared} bytes, more than the ${max} allowed`);
  }
  if (!res.body) return res;
  let seen = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        seen += chunk.byteLength;
        if (seen > max) ctl.error(new A2aPeerError(`${what} went past the ${max} bytes allowed`));
        else ctl.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * A fetch for one A2A peer: its headers added, no redirects, only to the origin of its card
 * (a card cannot send our headers — tokens — elsewhere), every response body capped.
 */
export function peerFetch(origin: string, headers: () => Record<string, string>, limits: A2aPeerLimits): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== origin) throw new A2aPeerError(`refused a request to ${url.origin}: the agent card came from ${origin}`);
    const h = new Headers(init?.headers);
    for (const [k, v] of Object.entries(headers())) h.set(k, v);
    const res = await fetch(url, { ...init, headers: h, redirect: 'error' });
    return capResponse(res, limits.maxResponseBytes, `the answer of ${origin}`);
  };
}

export interface ResolvedCard {
  card: AgentCard;
  /** The JSON-RPC endpoint the calls go to (same origin as the card). */
  endpoint: string;
}

/**
 * Fetches and checks an agent card: bounded size and time, A2A v1.0 JSON, a JSON-RPC interface on
 * the card's own origin. Throws A2aPeerError (or a network error) saying what is wrong.
 */
export async function fetchAgentCard(cardUrl: string, headers: Record<string, string>, limits: A2aPeerLimits, signal: AbortSignal): Promise<ResolvedCard> {
  const res = await fetch(cardUrl, { headers: { Accept: 'application/json', 'A2A-Version': '1.0', ...headers }, redirect: 'error', signal });
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new A2aPeerError(`agent card ${cardUrl}: HTTP ${res.status}`);
  }
  const text = await capResponse(res, limits.maxCardBytes, `agent card ${cardUrl}`).text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new A2aPeerError(`agent card ${cardUrl} is not JSON`);
  }
  return checkCard(raw, cardUrl);
}

/** Validates a parsed card (see fetchAgentCard). */
export function checkCard(raw: unknown, cardUrl: string): ResolvedCard {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new A2aPeerError(`agent card ${cardUrl} is not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.supportedInterfaces)) {
    throw new A2aPeerError(
      typeof r.url === 'string'
        ? `agent card ${cardUrl} is an A2A v0.3 card (no supportedInterfaces); AOP speaks A2A v1.0`
        : `agent card ${cardUrl} has no supportedInterfaces`,
    );
  }
  let card: AgentCard;
  try {
    card = AgentCard.fromJSON(raw);
  } catch (err) {
    throw new A2aPeerError(`agent card ${cardUrl} is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof card.name !== 'string' || !card.name.trim()) throw new A2aPeerError(`agent card ${cardUrl} has no name`);
  const origin = new URL(cardUrl).origin;
  const jsonRpc = card.supportedInterfaces.filter((i) => String(i.protocolBinding).toUpperCase() === JSONRPC_BINDING);
  if (jsonRpc.length === 0) {
    const offered = card.supportedInterfaces.map((i) => i.protocolBinding).join(', ') || 'none';
    throw new A2aPeerError(`agent card ${cardUrl} offers no JSON-RPC interface (offers: ${offered})`);
  }
  const chosen = jsonRpc.find((i) => i.protocolVersion === '1.0') ?? jsonRpc[0];
  let endpoint: URL;
  try {
    endpoint = new URL(chosen.url, cardUrl);
  } catch {
    throw new A2aPeerError(`agent card ${cardUrl} names an invalid endpoint URL "${String(chosen.url).slice(0, 200)}"`);
  }
  if (endpoint.origin !== origin) {
    throw new A2aPeerError(
      `agent card ${cardUrl} points its endpoint at another host (${endpoint.origin}); refused — list that host's own card instead`,
    );
  }
  card.supportedInterfaces = [{ ...chosen, url: endpoint.href }];
  return { card, endpoint: endpoint.href };
}
