/**
 * Validates OTLP/JSON trace exports against the official OTLP protobuf definitions: the
 * `ExportTraceServiceRequest` message that @opentelemetry/otlp-transformer 0.57 compiles from
 * opentelemetry-proto (protobufjs static code, `build/src/generated/root.js`; later versions of the
 * package no longer ship it, hence the exact pin).
 *
 * OTLP/JSON is the proto3 JSON mapping with two OTLP rules: trace and span ids are hex strings
 * (not base64), and enums are integers. The document is converted to the message (ids hex →
 * bytes), checked with the message's own `verify`, encoded to protobuf bytes, decoded again and
 * compared with the input: a field the proto does not define, a misspelt name or a value of the
 * wrong type does not survive the round trip and is reported with its path.
 */
import { createRequire } from 'node:module';

interface MessageType {
  fromObject(o: unknown): unknown;
  verify(m: unknown): string | null;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o: object): Record<string, unknown>;
}

const require_ = createRequire(__filename);
const root = require_('@opentelemetry/otlp-transformer/build/src/generated/root') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: MessageType } } } } };
};
export const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON → protobufjs object form: hex ids become bytes (anything else is left to the proto). */
function idsToBytes(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => idsToBytes(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, idsToBytes(x, k)]));
  }
  if (ID_FIELDS.has(key) && typeof v === 'string') {
    if (!/^([0-9a-f]{2})*$/.test(v)) return { notHex: v }; // fails verify: bytes expected
    return Buffer.from(v, 'hex');
  }
  return v;
}

/** Decoded message → OTLP/JSON conventions, proto3 defaults left out (as a JSON encoder may). */
function normalise(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const list = v.map((x) => normalise(x));
    return list.length ? list : undefined;
  }
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    const hex = Buffer.from(v).toString('hex');
    return hex === '' ? undefined : hex;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const n = normalise(x, k);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length || key.endsWith('Value') || key === 'value' ? out : undefined;
  }
  // int64 values: JSON may carry them as numbers or decimal strings
  if (typeof v === 'number' && Number.isInteger(v) && /(TimeUnixNano|intValue)$/.test(key)) v = String(v);
  // a oneof member of AnyValue keeps its value even when it is the default
  if (key.endsWith('Value')) return v;
  // proto3 defaults are not distinguishable after a round trip
  if (v === 0 || v === '' || v === false || v === '0' || v === null || v === undefined) return undefined;
  return v;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 10) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} items, ${b.length} after the protobuf round trip`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      if (!(k in rb)) out.push(`${path}.${k}: not a field of the OTLP proto (or a wrong value type): ${JSON.stringify(ra[k]).slice(0, 80)}`);
      else if (!(k in ra)) out.push(`${path}.${k}: appeared in the round trip`);
      else diff(ra[k], rb[k], `${path}.${k}`, out);
    }
    return;
  }
  if (a !== b) out.push(`${path}: ${JSON.stringify(a)} became ${JSON.stringify(b)} in the protobuf round trip`);
}

/** Problems of an OTLP/JSON trace export (empty when it is a valid ExportTraceServiceRequest). */
export function otlpProblems(doc: unknown): string[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return ['not a JSON object'];
  const problems: string[] = [];
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.fromObject(idsToBytes(doc));
  } catch (err) {
    return [`fromObject: ${(err as Error).message}`];
  }
  const why = ExportTraceServiceRequest.verify(message);
  if (why) problems.push(`verify: ${why}`);
  const bytes = ExportTraceServiceRequest.encode(message).finish();
  const back = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), { longs: String, enums: Number, bytes: Buffer, defaults: false });
  diff(normalise(doc), normalise(back), '$', problems);
  return problems;
}
