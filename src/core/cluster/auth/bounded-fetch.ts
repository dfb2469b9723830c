import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch for the SDK's OAuth helpers that treats the servers as untrusted: each request gives up
 * after `timeoutMs`, and a body larger than `maxBytes` fails the request instead of filling memory.
 * Redirects are left to the SDK (it follows them only within an origin, at most 5).
 */
export function boundedFetch(opts: { timeoutMs?: number; maxBytes?: number; base?: FetchLike } = {}): FetchLike {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const base = opts.base ?? fetch;
  return async (url, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await base(url, { ...init, signal });
    } catch (err) {
      const where = String(url).split('?')[0];
      if ((err as Error)?.name === 'TimeoutError') throw new Error(`${where} did not answer within ${timeoutMs} ms`);
      const cause = (err as { cause?: { message?: string } })?.cause?.message;
      throw new Error(`cannot reach ${where}${cause ? ` (${cause})` : ''}`);
    }
    if (!res.body || NULL_BODY.has(res.status)) return res;
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new Error(`${String(url).split('?')[0]} sent more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
    const copy = new Response(Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: res.headers });
    Object.defineProperty(copy, 'url', { value: res.url });
    return copy;
  };
}
