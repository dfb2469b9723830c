/**
 * The messages between the Traces webview and its host (`src/extension/trace-panel.ts`): ONE module,
 * bundled into both sides, every message a zod-validated member of a discriminated union on `type`.
 *
 * Handshake: the webview posts `ready` (with its saved state) → the host answers `init` (echoing the
 * `requestId`). Requests from the webview carry a `requestId`; the host answers each with exactly
 * one reply that echoes it: the type `REPLY_TYPE` names, or `error`. `traceUpdated` is pushed
 * (throttled) while calls run, and `traces` without a `requestId` when Show Traces sets a filter.
 *
 * `zod/mini` keeps the webview bundle small; it is the same zod 4 engine as `zod`.
 */
import * as z from 'zod/mini';
import type { AttributeValue, Span, SpanEvent, SpanStatusCode } from './span';

export type { AttributeValue, Span, SpanEvent, SpanStatusCode };

export const PROTOCOL_VERSION = 1;

// ---- data ------------------------------------------------------------------------------------------

function isScalar(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || (t === 'number' && !Number.isNaN(v)) || t === 'boolean';
}

export function isAttributeValue(v: unknown): v is AttributeValue {
  if (isScalar(v)) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isScalar(v[i])) return false;
  return true;
}

/** A plain object of attribute values (checked in one tight loop: 10,000-span traces). */
export function isAttributes(v: unknown): v is Record<string, AttributeValue> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!isAttributeValue((v as Record<string, unknown>)[k])) return false;
  return true;
}

export const AttributesSchema = z.custom<Record<string, AttributeValue>>(isAttributes, {
  error: 'expected attributes: an object of strings, numbers, booleans or arrays of them',
});

export const SpanStatusCodeSchema = z.enum(['unset', 'ok', 'error']);
export const SpanKindSchema = z.enum(['internal', 'server', 'client', 'producer', 'consumer']);

// Spans are loose objects: unknown keys pass through instead of being stripped, which makes a
// 10,000-span trace validate ~3× faster; the view reads only the declared fields. (Typed as the
// `Span` of ./span.ts, which the schemas check field by field.)
export const SpanEventSchema = z.looseObject({
  name: z.string(),
  timeMs: z.number(),
  attributes: z.optional(AttributesSchema),
}) as unknown as z.ZodMiniType<SpanEvent>;

export const SpanSchema = z.looseObject({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.optional(z.string()),
  name: z.string(),
  kind: SpanKindSchema,
  startMs: z.number(),
  endMs: z.number(),
  status: z.looseObject({ code: SpanStatusCodeSchema, message: z.optional(z.string()) }),
  attributes: AttributesSchema,
  events: z.optional(z.array(SpanEventSchema)),
  server: z.string(),
}) as unknown as z.ZodMiniType<Span>;

const KINDS = new Set(['internal', 'server', 'client', 'producer', 'consumer']);
const CODES = new Set(['unset', 'ok', 'error']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';

/** Exactly what `SpanSchema` accepts, as one tight function (no allocation). */
export function isSpan(v: unknown): v is Span {
  if (!isObj(v)) return false;
  if (typeof v.traceId !== 'string' || typeof v.spanId !== 'string' || typeof v.name !== 'string' || typeof v.server !== 'string') return false;
  if (!optString(v.parentSpanId) || !KINDS.has(v.kind as string)) return false;
  if (typeof v.startMs !== 'number' || Number.isNaN(v.startMs) || typeof v.endMs !== 'number' || Number.isNaN(v.endMs)) return false;
  const st = v.status;
  if (!isObj(st) || !CODES.has(st.code as string) || !optString(st.message)) return false;
  if (!isAttributes(v.attributes)) return false;
  if (v.events !== undefined) {
    if (!Array.isArray(v.events)) return false;
    for (const e of v.events) {
      if (!isObj(e) || typeof e.name !== 'string' || typeof e.timeMs !== 'number' || Number.isNaN(e.timeMs)) return false;
      if (e.attributes !== undefined && !isAttributes(e.attributes)) return false;
    }
  }
  return true;
}

/**
 * The spans of a trace (up to 10,000+): checked element by element with `isSpan` (the same rules
 * as `SpanSchema`, ~10× faster than running the object schema per span); on failure the first bad
 * span is run through `SpanSchema` so the error names the field.
 */
export const SpanListSchema = z.custom<Span[]>((v) => Array.isArray(v) && v.every(isSpan), { error: 'invalid span list' });

/** One row of the invocation list. */
export const TraceSummarySchema = z.object({
  traceId: z.string(),
  /** `aop.agent` (or `aop.remote.tool`) of the root. */
  agent: z.optional(z.string()),
  /** Server that recorded the root. */
  server: z.string(),
  servers: z.array(z.string()),
  status: SpanStatusCodeSchema,
  /** The root is still running. */
  open: z.boolean(),
  startMs: z.number(),
  durationMs: z.number(),
  spanCount: z.number(),
  /** The root's `aop.input.task`, cut for the list. */
  task: z.optional(z.string()),
  /** The root's status message when it failed. */
  error: z.optional(z.string()),
});

export const TraceFilterSchema = z.object({
  agent: z.optional(z.string()),
  status: z.optional(SpanStatusCodeSchema),
  /** Case-insensitive substring of agent, trace id, server, task or error. */
  text: z.optional(z.string()),
});

/** What the webview keeps with `vscode.setState` (and the serializer hands back after a reload). */
export const WebviewStateSchema = z.object({
  filter: TraceFilterSchema,
  selectedTraceId: z.optional(z.string()),
  selectedSpanId: z.optional(z.string()),
  /** Span ids whose children are collapsed in the waterfall. */
  collapsed: z.optional(z.array(z.string())),
});

export const TraceDetailSchema = z.object({ trace: TraceSummarySchema, spans: SpanListSchema });

export type TraceSummary = z.infer<typeof TraceSummarySchema>;
export type TraceFilter = z.infer<typeof TraceFilterSchema>;
export type TraceDetail = z.infer<typeof TraceDetailSchema>;
export type WebviewState = z.infer<typeof WebviewStateSchema>;

const requestId = z.string().check(z.minLength(1), z.maxLength(64));
const traceId = z.string().check(z.minLength(1), z.maxLength(64));
/** A task id of the local server's task store (`aop.task_id` of a span). */
const taskId = z.string().check(z.minLength(1), z.maxLength(128));

// ---- host → webview --------------------------------------------------------------------------------

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** Answer to `ready`: everything the view needs to paint. */
  z.object({
    type: z.literal('init'),
    requestId: z.optional(requestId),
    protocol: z.literal(PROTOCOL_VERSION),
    /** Host clock (epoch ms) when sent: open spans grow against it. */
    now: z.number(),
    filter: TraceFilterSchema,
    traces: z.array(TraceSummarySchema),
    /** Agents to offer in the agent filter. */
    agents: z.array(z.string()),
    /** The selected trace and its spans (the restored selection, or none). */
    detail: z.optional(TraceDetailSchema),
    selectedSpanId: z.optional(z.string()),
  }),
  /** Answer to `query`, or pushed with a new filter (Show Traces for an agent while open). */
  z.object({
    type: z.literal('traces'),
    requestId: z.optional(requestId),
    filter: TraceFilterSchema,
    traces: z.array(TraceSummarySchema),
    agents: z.array(z.string()),
  }),
  /** A trace changed (live); `spans` (new or changed spans) only for the selected trace. */
  z.object({
    type: z.literal('traceUpdated'),
    now: z.number(),
    trace: TraceSummarySchema,
    spans: z.optional(z.array(SpanSchema)),
  }),
  /** Answer to `selectTrace`. */
  z.object({
    type: z.literal('traceDetail'),
    requestId,
    trace: TraceSummarySchema,
    spans: SpanListSchema,
  }),
  /** Answer to `taskInfo`: what the local server keeps of a task (`kept`: its result can be opened). */
  z.object({
    type: z.literal('taskInfo'),
    requestId,
    taskId,
    /** The task's status (`pending`, `processing`, `completed`, `failed`, `cancelled`); absent: unknown here. */
    status: z.optional(z.string().check(z.maxLength(32))),
    kept: z.boolean(),
  }),
  /** An action (`openDefinition`, `rerun`, `exportTrace`, `copyJson`, `openTaskResult`) is done. */
  z.object({
    type: z.literal('ack'),
    requestId,
    message: z.optional(z.string()),
  }),
  z.object({
    type: z.literal('error'),
    requestId: z.optional(requestId),
    message: z.string(),
  }),
]);

// ---- webview → host --------------------------------------------------------------------------------

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), requestId, state: z.optional(WebviewStateSchema) }),
  z.object({ type: z.literal('query'), requestId, filter: TraceFilterSchema, limit: z.optional(z.number().check(z.int(), z.positive())) }),
  z.object({ type: z.literal('selectTrace'), requestId, traceId }),
  z.object({ type: z.literal('openDefinition'), requestId, traceId }),
  z.object({ type: z.literal('rerun'), requestId, traceId }),
  z.object({ type: z.literal('exportTrace'), requestId, traceId }),
  z.object({ type: z.literal('copyJson'), requestId, traceId }),
  /** Is the result of this task kept (so "Open result" can open it)? */
  z.object({ type: z.literal('taskInfo'), requestId, taskId }),
  /** Open the kept result of a task, as "AOP: Open Task Result…" does. */
  z.object({ type: z.literal('openTaskResult'), requestId, taskId }),
]);

export type HostMessage = z.infer<typeof HostMessageSchema>;
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;
export type HostMessageType = HostMessage['type'];
export type WebviewMessageType = WebviewMessage['type'];
export type HostMessageOf<T extends HostMessageType> = Extract<HostMessage, { type: T }>;
/** The reply the host sends to each request (or `error`). */
export const REPLY_TYPE = {
  ready: 'init',
  query: 'traces',
  selectTrace: 'traceDetail',
  openDefinition: 'ack',
  rerun: 'ack',
  exportTrace: 'ack',
  copyJson: 'ack',
  taskInfo: 'taskInfo',
  openTaskResult: 'ack',
} as const satisfies Record<WebviewMessageType, HostMessageType>;
export type ReplyOf<T extends WebviewMessageType> = HostMessageOf<(typeof REPLY_TYPE)[T]>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodMiniType<T>, data: unknown): Parsed<T> {
  const r = z.safeParse(schema, data);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  let path: PropertyKey[] = issue?.path ?? [];
  let message = issue?.message ?? 'unknown';
  if (issue?.code === 'custom' && path[path.length - 1] === 'spans') {
    // a span list failed its fast check: name the first bad span and field
    let list: unknown = data;
    for (const k of path) list = (list as Record<PropertyKey, unknown> | undefined)?.[k];
    const items = Array.isArray(list) ? list : [];
    const bad = Array.isArray(list) ? items.findIndex((x) => !isSpan(x)) : -1;
    const detail = bad >= 0 ? z.safeParse(SpanSchema, items[bad]) : undefined;
    const inner = detail && !detail.success ? detail.error.issues[0] : undefined;
    if (bad >= 0) path = [...path, bad, ...(inner?.path ?? [])];
    if (inner) message = inner.message;
  }
  const where = path.length ? ` at ${path.map(String).join('.')}` : '';
  return { ok: false, error: `invalid message${where}: ${message}` };
}

/** Validates what the webview received. */
export function parseHostMessage(data: unknown): Parsed<HostMessage> {
  return parseWith(HostMessageSchema, data);
}

/** Validates what the host received. */
export function parseWebviewMessage(data: unknown): Parsed<WebviewMessage> {
  return parseWith(WebviewMessageSchema, data);
}

/** Validates a saved state (anything else → undefined: start fresh). */
export function parseWebviewState(data: unknown): WebviewState | undefined {
  const r = z.safeParse(WebviewStateSchema, data);
  return r.success ? r.data : undefined;
}

// ---- shared logic ----------------------------------------------------------------------------------

/** Does a trace belong in the list under `filter`? (The host filters queries; the view, live rows.) */
export function matchesFilter(t: TraceSummary, filter: TraceFilter): boolean {
  if (filter.agent && t.agent !== filter.agent) return false;
  if (filter.status && t.status !== filter.status) return false;
  const text = filter.text?.trim().toLowerCase();
  if (text) {
    const hay = [t.agent, t.traceId, t.server, ...t.servers, t.task, t.error];
    if (!hay.some((h) => h !== undefined && h.toLowerCase().includes(text))) return false;
  }
  return true;
}

/** Newest first (start time), ties by trace id so the order is stable. */
export function compareTraces(a: TraceSummary, b: TraceSummary): number {
  return b.startMs - a.startMs || (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0);
}
