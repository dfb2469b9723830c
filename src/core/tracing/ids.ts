import { randomFillSync } from 'node:crypto';

const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const s = POOL.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** A random W3C trace id (16 bytes as 32 lowercase hex digits, never all zero). */
export function newTraceId(): string {
  let id = randomHex(16);
  while (id === ZERO_TRACE) id = randomHex(16);
  return id;
}

/** A random span id (8 bytes as 16 lowercase hex digits, never all zero). */
export function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}

export function isTraceId(s: unknown): s is string {
  return typeof s === 'string' && TRACE_ID.test(s) && s !== ZERO_TRACE;
}

export function isSpanId(s: unknown): s is string {
  return typeof s === 'string' && SPAN_ID.test(s) && s !== ZERO_SPAN;
}
