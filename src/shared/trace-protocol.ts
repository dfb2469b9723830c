/**
 * The messages between the Traces webview and its host (`src/extension/trace-panel.ts`): ONE module,
 * bundled into both sides, every message a zod-validated member of a discriminated union on `type`.
 *
 * Handshake: the webview posts `ready` (with its saved state) → the host answers `init` (echoing the
 * `requestId`). Requests from the webview carry a `requestId`; the host's reply (`traces`,
 * `traceDetail`, `ack` or `error`) echoes it. `traceUpdated` is pushed (throttled) while calls run.
 *
 * `zod/mini` keeps the webview bundle small; it is the same zod 4 engine as `zod`.
 */
import * as z from 'zod/mini';

export const PROTOCOL_VERSION = 1;

// ---- data ------------------------------------------------------------------------------------------

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const AttributeValueSchema = z.union([scalar, z.array(scalar)]);
export const AttributesSchema = z.record(z.string(), AttributeValueSchema);

export const SpanStatusCodeSchema = z.enum(['unset', 'ok', 'error']);
export const SpanKindSchema = z.enum(['internal', 'server', 'client', 'producer', 'consumer']);

export const SpanEventSchema = z.object({
  name: z.string(),
  timeMs: z.number(),
  attributes: z.optional(AttributesSchema),
});

/** A span as the store records it (`SpanRecord` of src/core/tracing/types.ts). */
export const SpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.optional(z.string()),
  name: z.string(),
  kind: SpanKindSchema,
  startMs: z.number(),
  /** 0 while the span is open. */
  endMs: z.number(),
  status: z.object({ code: SpanStatusCodeSchema, message: z.optional(z.string()) }),
  attributes: AttributesSchema,
  events: z.optional(z.array(SpanEventSchema)),
  server: z.string(),
});

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

export const TraceDetailSchema = z.object({ trace: TraceSummarySchema, spans: z.array(SpanSchema) });

export type Span = z.infer<typeof SpanSchema>;
export type SpanEvent = z.infer<typeof SpanEventSchema>;
export type TraceSummary = z.infer<typeof TraceSummarySchema>;
export type TraceFilter = z.infer<typeof TraceFilterSchema>;
export type TraceDetail = z.infer<typeof TraceDetailSchema>;
export type WebviewState = z.infer<typeof WebviewStateSchema>;
export type SpanStatusCode = z.infer<typeof SpanStatusCodeSchema>;

const requestId = z.string().check(z.minLength(1), z.maxLength(64));
const traceId = z.string().check(z.minLength(1), z.maxLength(64));

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
    spans: z.array(SpanSchema),
  }),
  /** An action (`openDefinition`, `rerun`, `exportTrace`, `copyJson`) is done. */
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
]);

export type HostMessage = z.infer<typeof HostMessageSchema>;
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;
export type HostMessageType = HostMessage['type'];
export type WebviewMessageType = WebviewMessage['type'];
export type HostMessageOf<T extends HostMessageType> = Extract<HostMessage, { type: T }>;
export type WebviewMessageOf<T extends WebviewMessageType> = Extract<WebviewMessage, { type: T }>;
/** A webview request without its id (the sender adds it). */
export type WebviewRequest = WebviewMessage extends infer M ? (M extends { requestId: string } ? Omit<M, 'requestId'> : never) : never;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodMiniType<T>, data: unknown): Parsed<T> {
  const r = z.safeParse(schema, data);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `invalid message${where}: ${issue?.message ?? 'unknown'}` };
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
