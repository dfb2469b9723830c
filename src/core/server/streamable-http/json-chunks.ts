import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * UTF-8 JSON of large, immutable result parts (e.g. the cached tools/list array), keyed by the
 * object: a response whose `result` holds such an object is written with the stored bytes instead
 * of serialising it again (and as a Buffer: Node writes a multi-MB Buffer several times faster
 * than the same string). Entries go away with their objects.
 */
export const preserialized = new WeakMap<object, Buffer>();

/**
 * JSON text to write: a string, or chunks when `preserialized` parts were spliced in. Chunks are
 * written one after another (never concatenated), so a cached multi-MB tools/list is not copied
 * per request.
 */
export type JsonChunks = string | Buffer[];

/** JSON of an outgoing message (see JsonChunks). */
export function serializeMessage(message: JSONRPCMessage): JsonChunks {
  const result = (message as { result?: Record<string, unknown> }).result;
  if (result !== null && typeof result === 'object') {
    let hit = false;
    for (const k in result) {
      const v = result[k];
      if (v !== null && typeof v === 'object' && preserialized.has(v)) {
        hit = true;
        break;
      }
    }
    if (hit) {
      let head = `{"jsonrpc":"2.0","id":${JSON.stringify((message as { id: RequestId }).id)},"result":{`;
      const parts: Buffer[] = [];
      let first = true;
      for (const k in result) {
        const v = result[k];
        if (v === undefined) continue;
        const cached = v !== null && typeof v === 'object' ? preserialized.get(v) : undefined;
        head += `${first ? '' : ','}${JSON.stringify(k)}:`;
        if (cached) {
          parts.push(Buffer.from(head), cached);
          head = '';
        } else head += JSON.stringify(v);
        first = false;
      }
      parts.push(Buffer.from(head + '}}'));
      return parts;
    }
  }
  return JSON.stringify(message);
}

/** Byte length of JSON chunks. */
export function jsonLength(json: JsonChunks): number {
  if (typeof json === 'string') return Buffer.byteLength(json);
  let n = 0;
  for (const b of json) n += b.length;
  return n;
}

/** Writes JSON chunks to a response (corked, so small chunks go out in one packet). */
export function writeJson(res: ServerResponse, json: JsonChunks): void {
  if (typeof json === 'string') {
    res.write(json);
    return;
  }
  res.cork();
  for (const b of json) res.write(b);
  process.nextTick(() => res.uncork());
}

export function joinJson(parts: JsonChunks[], open: string, sep: string, close: string): JsonChunks {
  if (parts.every((p) => typeof p === 'string')) return open + (parts as string[]).join(sep) + close;
  const out: Buffer[] = [Buffer.from(open)];
  parts.forEach((p, i) => {
    if (i) out.push(Buffer.from(sep));
    if (typeof p === 'string') out.push(Buffer.from(p));
    else out.push(...p);
  });
  out.push(Buffer.from(close));
  return out;
}
