import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest, isJSONRPCErrorResponse, isJSONRPCResultResponse, type MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { RELATED_TASK_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '../../mcp-protocol';

export function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** What the Accept header allows (missing = anything, as HTTP says). */
export function acceptOf(headers: IncomingHttpHeaders): { json: boolean; sse: boolean } {
  const a = headers.accept;
  if (a === undefined || a === '') return { json: true, sse: true };
  const any = a.includes('*/*');
  return {
    json: any || a.includes('application/json') || a.includes('application/*'),
    sse: any || a.includes('text/event-stream') || a.includes('text/*'),
  };
}

/**
 * What a message is, by the SDK's own schemas: a message the SDK's Protocol would not recognise
 * (e.g. a request whose `params` is null or an array, or a non-numeric progress token) would get
 * no answer at all and leave its HTTP response open, so it is refused up front with 400.
 */
export function messageKind(m: unknown): 'request' | 'notification' | 'response' | undefined {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return undefined;
  const hasId = typeof o.id === 'string' || typeof o.id === 'number';
  if (typeof o.method === 'string') {
    if (hasId) return isRequest(o) ? 'request' : undefined;
    return o.id === undefined && isNotification(o) ? 'notification' : undefined;
  }
  if (hasId && ('result' in o || 'error' in o)) return isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m) ? 'response' : undefined;
  return undefined;
}

/**
 * `isJSONRPCRequest` by hand (it runs for every request, and the SDK's strict zod object costs more
 * than the rest of a call's checks): only jsonrpc, id, method and params; an integer or string id;
 * params an object with an optional `_meta` object whose progressToken is a string or an integer
 * and whose related-task entry has a string taskId. `test/server/request-checks.test.ts` holds it
 * to the SDK schema.
 */
function isRequest(o: Record<string, unknown>): boolean {
  for (const k in o) if (k !== 'jsonrpc' && k !== 'id' && k !== 'method' && k !== 'params') return false;
  if (typeof o.id === 'number' && !Number.isSafeInteger(o.id)) return false;
  return paramsWithMeta(o.params);
}

/** `isJSONRPCNotification` by hand, the same way: jsonrpc, method and params only, params as for a request. */
function isNotification(o: Record<string, unknown>): boolean {
  for (const k in o) if (k !== 'jsonrpc' && k !== 'method' && k !== 'params') return false;
  return paramsWithMeta(o.params);
}

/** Absent, or an object whose optional `_meta` holds a valid progress token and related task. */
function paramsWithMeta(params: unknown): boolean {
  if (params === undefined) return true;
  if (!isObject(params)) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  if (!isObject(meta)) return false;
  const token = meta.progressToken;
  if (token !== undefined && typeof token !== 'string' && !(typeof token === 'number' && Number.isSafeInteger(token))) return false;
  const related = meta[RELATED_TASK_META_KEY];
  return related === undefined || (isObject(related) && typeof related.taskId === 'string');
}

/** What an initialize's params may hold that we can vouch for (anything else: the SDK's schema decides). */
const CLIENT_INFO_KEYS = new Set(['name', 'version', 'title', 'websiteUrl', 'description']);

/**
 * A request the SDK's `isInitializeRequest` surely accepts — with the client's capabilities in the
 * shapes we can vouch for (`roots.listChanged`, object-valued `sampling`, `experimental` and
 * `extensions`, an empty `elicitation` or `tasks`) — answered without loading the SDK; undefined
 * when not sure. `test/server/request-checks.test.ts` holds it to the SDK.
 */
export function surelyInitialize(message: { method: string; params?: unknown }): boolean | undefined {
  if (message.method !== 'initialize') return false;
  const p = message.params;
  if (!isObject(p) || typeof p.protocolVersion !== 'string' || !paramsWithMeta(p)) return undefined;
  const info = p.clientInfo;
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return undefined;
  for (const k in info) if (!CLIENT_INFO_KEYS.has(k) || typeof info[k] !== 'string') return undefined;
  const caps = p.capabilities;
  if (!isObject(caps)) return undefined;
  for (const k in caps) {
    const c = caps[k];
    if (!isObject(c)) return undefined;
    switch (k) {
      case 'roots':
        for (const r in c) if (r !== 'listChanged' || typeof c[r] !== 'boolean') return undefined;
        break;
      case 'sampling':
      case 'experimental':
      case 'extensions':
        for (const v of Object.values(c)) if (!isObject(v)) return undefined;
        break;
      case 'elicitation':
      case 'tasks':
        if (Object.keys(c).length > 0) return undefined;
        break;
      default:
        return undefined;
    }
  }
  return true;
}

/** `isInitializeRequest` (what opens a session): sure by hand, else as the SDK's schema says. */
export function isInitialize(message: unknown): boolean {
  if (!isObject(message) || message.method !== 'initialize') return false;
  return surelyInitialize(message as { method: string; params?: unknown }) ?? isInitializeRequest(message);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What the SDK's handlers see of a request: its headers, and its URL (parsed when first read). */
export function requestInfo(req: IncomingMessage): MessageExtraInfo['requestInfo'] {
  return new LazyRequestInfo(req);
}

/**
 * A class, not an object literal with `get url()`: V8 gives each literal with a getter closure of
 * its own a hidden class of its own, in old space, and that keeps the request it captured alive
 * through every young-generation GC until the next full one (bench/NOTES.md, "Per-call getters").
 */
class LazyRequestInfo {
  readonly headers: IncomingMessage['headers'];
  readonly #req: IncomingMessage;
  #url?: URL;

  constructor(req: IncomingMessage) {
    this.headers = req.headers;
    this.#req = req;
  }

  get url(): URL {
    return (this.#url ??= new URL(this.#req.url ?? '/', `http://${this.#req.headers.host ?? 'localhost'}`));
  }
}

export function unsupportedVersionMessage(v: string): string {
  return `Bad Request: Unsupported protocol version: ${v} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
}

export function badVersion(res: ServerResponse, v: string): void {
  httpError(res, 400, -32000, unsupportedVersionMessage(v));
}

export function httpError(res: ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
